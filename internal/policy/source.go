package policy

import (
	"fmt"
	"io/fs"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// SourceKind is the kind of file an app's image lives in when it is not a
// kustomization.
type SourceKind string

// The source kinds; each is also the app field that declares it.
const (
	// SourceValues: a Helm values file per environment.
	SourceValues SourceKind = "values"
	// SourceHelmRelease: a Flux HelmRelease's spec.values, or an Argo CD
	// Application's spec.source.helm valuesObject or parameters.
	SourceHelmRelease SourceKind = "helmRelease"
	// SourceManifest: plain manifests whose containers write the image in
	// full.
	SourceManifest SourceKind = "manifest"
	// SourceSetter: values marked with Flux setter comments.
	SourceSetter SourceKind = "setter"
)

// sourceKinds lists the kinds in the order they are documented.
var sourceKinds = []SourceKind{SourceValues, SourceHelmRelease, SourceManifest, SourceSetter}

// ImagePaths says where a values file (or a HelmRelease's values) writes
// the image: Image names a string holding the whole reference, or
// Repository and Tag name its parts, with Registry and Digest beside them.
// A path is keys joined by dots, with [n] for a list item. All empty means
// the common image.repository / image.tag shape.
type ImagePaths struct {
	Image, Registry, Repository, Tag, Digest string
}

// Source is where an app's image lives, in place of kustomize overlays.
type Source struct {
	Kind SourceKind
	// File is the file's path template, with {env} (the environment's
	// dir), {app} and `*` segments, as overlay templates have.
	File string
	// Image holds the values paths (values and helmRelease).
	Image ImagePaths
	// Name is the HelmRelease or Application name (helmRelease); empty
	// means every one in the file.
	Name string
	// Container narrows a manifest to the containers of that name.
	Container string
	// Policy is the setter comments' image policy, namespace:name.
	Policy string
	// Chart is the directory of the local chart the values are for
	// (values); empty means the values file's own directory when it holds
	// a Chart.yaml.
	Chart string
	// Line and Col are where the source is declared.
	Line, Col int
}

var setterPolicy = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?:[a-z0-9]([-.a-z0-9]*[a-z0-9])?$`)
})

// valuesPath is the syntax of a values path: keys joined by dots, each key
// optionally followed by [n] indexes.
var valuesPath = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^[^.\[\]\s]+(\[[0-9]+\])*(\.[^.\[\]\s]+(\[[0-9]+\])*)*$`)
})

// appSource decodes the app's source field, if any, into app.Source.
func (d *decoder) appSource(m map[string]pair, app *App) {
	var found []pair
	var kinds []SourceKind
	for _, k := range sourceKinds {
		if v, ok := m[string(k)]; ok {
			found, kinds = append(found, v), append(kinds, k)
		}
	}
	switch len(found) {
	case 0:
		return
	case 1:
	default:
		d.errorf(found[1].key, "app %q: set one of %s, not both %s and %s", app.Name, kindList(), kinds[0], kinds[1])
		return
	}
	src := d.source(found[0], kinds[0], fmt.Sprintf("app %q %s", app.Name, kinds[0]))
	if src == nil {
		return
	}
	if len(app.Images) > 1 {
		d.errorf(found[0].key, "app %q %s: a source edits one image, and the app lists %d; give the app one image:", app.Name, src.Kind, len(app.Images))
	}
	app.Source = src
}

// layout decodes the policy's layout: field, the source every listed app
// without one of its own takes.
func (d *decoder) layout(v pair, p *Policy) {
	m := d.mapping(v.val, "layout", "layout")
	if m == nil {
		return
	}
	var found []SourceKind
	for _, k := range sourceKinds {
		if _, ok := m[string(k)]; ok {
			found = append(found, k)
		}
	}
	switch len(found) {
	case 0:
		d.errorf(v.key, "layout: give where every app's image lives, one of %s, for example values: {file: envs/{env}/{app}/values.yaml}", kindList())
	case 1:
		p.Layout = d.source(m[string(found[0])], found[0], "layout "+string(found[0]))
	default:
		d.errorf(m[string(found[1])].key, "layout: set one of %s, not both %s and %s", kindList(), found[0], found[1])
	}
}

// source decodes one source mapping; what names it in messages.
func (d *decoder) source(v pair, kind SourceKind, what string) *Source {
	fm := d.mapping(v.val, what, string(kind))
	if fm == nil {
		return nil
	}
	src := Source{Kind: kind, Line: v.key.Line, Col: v.key.Column}
	f, ok := fm["file"]
	if !ok {
		d.errorf(v.key, "%s: file is missing; give the path of the file per environment, for example %q", what, "apps/{app}/values-{env}.yaml")
		return nil
	}
	if s, ok := d.str(f); ok && d.sourceFile(f, what, s) {
		src.File = s
	}
	strs := map[string]*string{"name": &src.Name, "container": &src.Container, "policy": &src.Policy, "chart": &src.Chart}
	for key, dst := range strs {
		if p, ok := fm[key]; ok {
			if s, ok := d.str(p); ok {
				*dst = s
			}
		}
	}
	if p, ok := fm["image"]; ok {
		src.Image = d.imagePaths(p, what)
	}
	if p, ok := fm["policy"]; ok && !setterPolicy().MatchString(src.Policy) {
		d.errorf(d.deref(p.val), "%s: policy %q is not namespace:name, as in # {\"$imagepolicy\": \"flux-system:web\"}", what, src.Policy)
	}
	if kind == SourceSetter && src.Policy == "" {
		d.errorf(v.key, "%s: policy is missing; give the image policy its setter comments name (namespace:name)", what)
	}
	if p, ok := fm["chart"]; ok {
		if msg := checkRelPath(src.Chart); msg != "" || strings.ContainsAny(src.Chart, "{}*") {
			if msg == "" {
				msg = "may not hold {, } or *"
			}
			d.errorf(d.deref(p.val), "%s: chart %q %s", what, src.Chart, msg)
		}
	}
	return &src
}

func kindList() string {
	s := make([]string, len(sourceKinds))
	for i, k := range sourceKinds {
		s[i] = string(k)
	}
	return strings.Join(s, ", ")
}

// sourceFile checks a source's file template: a relative path naming
// {env}, so that every environment has its own file.
func (d *decoder) sourceFile(p pair, what, t string) bool {
	n := d.deref(p.val)
	if msg := checkRelPath(strings.ReplaceAll(t, "*", "x")); msg != "" {
		d.errorf(n, "%s: file %q %s", what, t, msg)
		return false
	}
	for _, ph := range placeholder().FindAllString(t, -1) {
		if ph != "{app}" && ph != "{env}" {
			d.errorf(n, "%s: file %q has unknown placeholder %s; use {app} and {env}", what, t, ph)
			return false
		}
	}
	if !strings.Contains(t, "{env}") {
		d.errorf(n, "%s: file %q has no {env} placeholder; each environment needs its own file", what, t)
		return false
	}
	return true
}

// imagePaths decodes image: a string (the path of a full reference) or a
// mapping of registry, repository, tag and digest paths.
func (d *decoder) imagePaths(p pair, what string) ImagePaths {
	n := d.deref(p.val)
	if n == nil {
		return ImagePaths{}
	}
	var ip ImagePaths
	if n.Kind == yaml.ScalarNode {
		if s, ok := d.str(p); ok && d.valuesPath(p, what, s) {
			ip.Image = s
		}
		return ip
	}
	m := d.mapping(n, what+" image", "imagePaths")
	for key, dst := range map[string]*string{"registry": &ip.Registry, "repository": &ip.Repository, "tag": &ip.Tag, "digest": &ip.Digest} {
		if v, ok := m[key]; ok {
			if s, ok := d.str(v); ok && d.valuesPath(v, what, s) {
				*dst = s
			}
		}
	}
	if m != nil && ip.Tag == "" && ip.Digest == "" {
		d.errorf(n, "%s: image: give tag: (or digest:), the path Stagehand writes; or write image: as the path of a full reference", what)
	}
	return ip
}

func (d *decoder) valuesPath(p pair, what, s string) bool {
	if !valuesPath().MatchString(s) {
		d.errorf(d.deref(p.val), "%s: %q is not a values path; write keys joined by dots, with [n] for a list item (image.tag, containers[0].image)", what, s)
		return false
	}
	return true
}

// SourceFiles returns the existing files of app's source in env: the
// source's file template with {app} replaced by the app name, {env} by
// the environment's dir (after the app's override) and `*` by any one
// path segment part. It returns nil for an app without a source. The
// result is sorted and free of duplicates.
func (p *Policy) SourceFiles(fsys fs.FS, app, env string) ([]string, error) {
	a, ok := p.App(app)
	if !ok || a.Source == nil {
		return nil, nil
	}
	e, ok := p.Env(app, env)
	if !ok {
		return nil, fmt.Errorf("files of %s in %s: unknown environment %q", app, env, env)
	}
	matches, err := glob(fsys, expand(a.Source.File, globQuote(app), globQuote(e.Dir)))
	if err != nil {
		return nil, fmt.Errorf("files of %s in %s: %s %q: %w", app, env, a.Source.Kind, a.Source.File, err)
	}
	var out []string
	for _, m := range matches {
		if st, err := fs.Stat(fsys, m); err == nil && st.Mode().IsRegular() {
			out = append(out, m)
		} else if err != nil && !notADirectory(fsys, m) {
			return nil, fmt.Errorf("files of %s in %s: %w", app, env, err)
		}
	}
	sort.Strings(out)
	return slices.Compact(out), nil
}
