package policy

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// apps decodes the apps: mapping. Environments and defaults are decoded
// already.
func (d *decoder) apps(v pair, p *Policy) {
	n := d.deref(v.val)
	if n == nil || isNull(n) {
		return
	}
	if n.Kind != yaml.MappingNode {
		d.errorf(n, "apps: want a mapping of app name to app, got %s", describe(n))
		return
	}
	owner := map[string]*App{} // normalised image name -> app listing it
	for _, ap := range d.pairs(n, "apps") {
		if !d.name(pair{ap.key, ap.key}, "app", ap.key.Value) {
			continue
		}
		app := App{Name: ap.key.Value, Line: ap.key.Line, Environments: map[string]EnvOverride{}}
		m := d.mapping(ap.val, fmt.Sprintf("app %q", app.Name), "app")
		d.appImages(m, p, &app)
		_, hasImage := m["image"]
		_, hasImages := m["images"]
		if m != nil && !hasImage && !hasImages {
			d.imageless = append(d.imageless, ap.key)
		}
		d.appSource(m, &app)
		if app.Source == nil && p.Layout != nil && m != nil {
			src := *p.Layout
			app.Source = &src
			if len(app.Images) > 1 {
				d.errorf(ap.key, "app %q: the layout's %s source edits one image, and the app lists %d; give the app one image:, or a source of its own", app.Name, src.Kind, len(app.Images))
			}
		}
		if app.Source != nil && !hasImage && !hasImages {
			d.errorf(ap.key, "app %q: a %s source needs the app's image:, the image whose tag it writes", app.Name, app.Source.Kind)
		}
		for _, img := range app.Images {
			key := NormalizeImage(img.Name)
			if other, dup := owner[key]; dup && other.Name != app.Name {
				d.add(img.Line, img.Col, fmt.Sprintf("image %q is already listed by app %q (line %d); an image belongs to one app", img.Name, other.Name, other.Line))
				continue
			}
			owner[key] = &app
		}
		if ev, ok := m["environments"]; ok {
			d.overrides(ev, p, &app)
		}
		p.Apps = append(p.Apps, app)
	}
}

func (d *decoder) appImages(m map[string]pair, p *Policy, app *App) {
	short, hasShort := m["image"]
	list, hasList := m["images"]
	if hasShort && hasList {
		d.errorf(list.key, "app %q: set either image or images, not both", app.Name)
		return
	}
	// The app's poll replaces the defaults' for its images; an image's
	// own poll replaces the app's.
	defaults := p.Defaults
	if v, ok := m["poll"]; ok {
		if dur, ok := d.duration(v); ok {
			defaults.Poll = dur
		}
	}
	seen := map[string]int{}
	addImage := func(img Image) {
		key := NormalizeImage(img.Name)
		if first, dup := seen[key]; dup {
			d.add(img.Line, img.Col, fmt.Sprintf("app %q lists image %q twice (first at line %d)", app.Name, img.Name, first))
			return
		}
		seen[key] = img.Line
		app.Images = append(app.Images, img)
	}
	if hasShort {
		if img, ok := d.imageName(short, defaults); ok {
			addImage(img)
		}
	}
	if hasList {
		for _, n := range d.items(list) {
			n = d.deref(n)
			if n == nil {
				return
			}
			if n.Kind == yaml.ScalarNode {
				if img, ok := d.imageName(pair{list.key, n}, defaults); ok {
					addImage(img)
				}
				continue
			}
			if img, ok := d.image(n, defaults); ok {
				addImage(img)
			}
		}
	}
}

func (d *decoder) image(n *yaml.Node, defaults ImageRule) (Image, bool) {
	m := d.mapping(n, "image", "image")
	if m == nil {
		return Image{}, false
	}
	v, ok := m["name"]
	if !ok {
		d.errorf(n, "image: name is missing")
		return Image{}, false
	}
	img, ok := d.imageName(v, defaults)
	// The rule is checked even when the name is bad, to report every problem.
	d.rule(m, &img.ImageRule)
	return img, ok
}

// imageName decodes an image name into an Image with the default rule.
func (d *decoder) imageName(v pair, defaults ImageRule) (Image, bool) {
	s, ok := d.str(v)
	if !ok {
		return Image{}, false
	}
	n := d.deref(v.val)
	if msg := checkImageName(s); msg != "" {
		d.errorf(n, "image name %q %s", s, msg)
		return Image{}, false
	}
	rule := defaults
	rule.IgnoreTags = slices.Clone(defaults.IgnoreTags)
	return Image{Name: s, ImageRule: rule, Line: n.Line, Col: n.Column}, true
}

func checkImageName(s string) string {
	switch {
	case s == "":
		return "is empty"
	case strings.ContainsAny(s, " \t@"):
		return "may not hold spaces or a digest (@sha256:...)"
	case strings.Contains(s[strings.LastIndex(s, "/")+1:], ":"):
		return "may not hold a tag; write the name only, as in the kustomization's images[].name"
	}
	return ""
}

func (d *decoder) overrides(v pair, p *Policy, app *App) {
	n := d.deref(v.val)
	if n == nil || isNull(n) {
		return
	}
	if n.Kind != yaml.MappingNode {
		d.errorf(n, "app %q: environments: want a mapping of environment name to overrides, got %s", app.Name, describe(n))
		return
	}
	names := make([]string, len(p.Environments))
	for i, e := range p.Environments {
		names[i] = e.Name
	}
	for _, ep := range d.pairs(n, fmt.Sprintf("app %q environments", app.Name)) {
		env := ep.key.Value
		if p.EnvIndex(env) < 0 {
			d.errorf(ep.key, "app %q overrides environment %q, which is not defined%s", app.Name, env, envHint(p, env, names))
			continue
		}
		m := d.mapping(ep.val, fmt.Sprintf("app %q override of %s", app.Name, env), "override")
		o := EnvOverride{Line: ep.key.Line}
		d.envFields(m, &o)
		app.Environments[env] = o
	}
}

// envHint suggests the environment a name probably means: the one whose
// dir it is, or the closest name.
func envHint(p *Policy, name string, names []string) string {
	for _, e := range p.Environments {
		if e.Dir == name && e.Name != name {
			return fmt.Sprintf("; environments are named by name, not dir: did you mean %q?", e.Name)
		}
	}
	if m := didYouMean(name, names); m != "" {
		return m
	}
	// production for prod, development for dev.
	for _, e := range p.Environments {
		if len(e.Name) >= 3 && strings.HasPrefix(name, e.Name) {
			return fmt.Sprintf("; did you mean %q?", e.Name)
		}
	}
	return ""
}

// ImageRef names one image of one app.
type ImageRef struct {
	App   string
	Image string // as written in the policy or the overlay
}

// NormalizeImage returns the canonical form of an image name for matching:
// the tag and digest are dropped; a name without a registry host is on
// docker.io; index.docker.io and registry-1.docker.io are docker.io; a
// one-segment docker.io path gets library/; everything is lower-cased
// (repository paths are lower-case by the distribution spec, and hosts are
// case-insensitive). So nginx, library/nginx, docker.io/nginx and
// index.docker.io/library/nginx:1.27 all normalise to
// docker.io/library/nginx, and ghcr.io/Acme/x to ghcr.io/acme/x.
func NormalizeImage(name string) string {
	s := strings.ToLower(strings.TrimSpace(name))
	if i := strings.IndexByte(s, '@'); i >= 0 {
		s = s[:i]
	}
	if i := strings.LastIndexByte(s, ':'); i > strings.LastIndexByte(s, '/') {
		s = s[:i]
	}
	host, rest, found := strings.Cut(s, "/")
	if !found || (!strings.ContainsAny(host, ".:") && host != "localhost") {
		host, rest = "docker.io", s
	}
	if host == "index.docker.io" || host == "registry-1.docker.io" {
		host = "docker.io"
	}
	if host == "docker.io" && !strings.Contains(rest, "/") {
		rest = "library/" + rest
	}
	return host + "/" + rest
}

// AppsForImage returns every app image whose name (or, for discovered
// images, an alias) matches image after NormalizeImage, sorted by app and
// image. Listed apps never share an image; discovered apps may.
func (p *Policy) AppsForImage(image string) []ImageRef {
	want := NormalizeImage(image)
	var out []ImageRef
	for _, a := range p.Apps {
		for _, img := range a.Images {
			if NormalizeImage(img.Name) == want || slices.ContainsFunc(img.Aliases, func(s string) bool { return NormalizeImage(s) == want }) {
				out = append(out, ImageRef{App: a.Name, Image: img.Name})
			}
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].App != out[j].App {
			return out[i].App < out[j].App
		}
		return out[i].Image < out[j].Image
	})
	return out
}
