package argoimport

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// textbook is the layout of testdata/textbook-repo's policy.
var textbook = Layout{
	Overlays:     []string{"apps/{app}/overlays/{env}"},
	Environments: []Env{{"dev", "development"}, {"staging", "staging"}, {"prod", "production"}},
}

// application builds an annotated Application; kv alternates annotation
// keys (without the prefix) and values.
func application(name, path string, kv ...string) Application {
	a := Application{Name: name, File: "apps.yaml", Line: 1}
	if path != "" {
		a.Paths = []string{path}
	}
	for i := 0; i+1 < len(kv); i += 2 {
		a.Annotations = append(a.Annotations, Annotation{Key: Prefix + kv[i], Value: kv[i+1], Line: 10 + i})
	}
	return a
}

// perEnv gives the same annotations to the order-service Application of
// each textbook environment.
func perEnv(kv ...string) []Application {
	return []Application{
		application("dev", "apps/order-service/overlays/development", kv...),
		application("staging", "apps/order-service/overlays/staging", kv...),
		application("prod", "apps/order-service/overlays/production", kv...),
	}
}

// summary renders the translated apps compactly: one line per image and
// per override.
func summary(tr *Translation) []string {
	var out []string
	for _, a := range tr.Apps {
		for _, img := range a.Images {
			out = append(out, fmt.Sprintf("%s: %s %s%s", a.Name, img.Name, img.Strategy, filters(img.Constraint, img.AllowTags, img.IgnoreTags)))
		}
		for _, o := range a.Overrides {
			out = append(out, fmt.Sprintf("%s in %s:%s", a.Name, o.Env, filters(o.Constraint, o.AllowTags, o.IgnoreTags)))
		}
	}
	return out
}

func filters(constraint, allow string, ignore []string) string {
	var s string
	if constraint != "" {
		s += " constraint=" + constraint
	}
	if allow != "" {
		s += " allow=" + allow
	}
	if len(ignore) > 0 {
		s += " ignore=" + strings.Join(ignore, ",")
	}
	return s
}

// noteKeys renders the notes as "application key-without-prefix: kind".
func noteKeys(tr *Translation) []string {
	var out []string
	for _, n := range tr.Notes {
		out = append(out, fmt.Sprintf("%s %s: %s", n.Application, strings.TrimPrefix(n.Key, Prefix), n.Kind))
	}
	return out
}

func TestTranslate(t *testing.T) {
	const img = "order=registry.company.com/order-service"
	tests := []struct {
		name   string
		apps   []Application
		layout Layout
		want   []string
		notes  []string
	}{
		{"the issue's example: prod only", []Application{application("prod", "apps/order-service/overlays/production",
			"image-list", img, "order.update-strategy", "semver", "order.allow-tags", `regexp:^v\d+\.\d+\.\d+$`)}, textbook,
			[]string{"order-service: registry.company.com/order-service semver", `order-service in prod: allow=^v\d+\.\d+\.\d+$`},
			[]string{"prod : note"}},
		{"the same in every environment goes on the image", perEnv("image-list", img+":~1.2", "order.allow-tags", "regexp:^v", "order.ignore-tags", "*-debug"), textbook,
			[]string{"order-service: registry.company.com/order-service semver constraint=~1.2 allow=^v ignore=*-debug"}, nil},
		{"older strategy names", perEnv("image-list", img, "order.update-strategy", "latest"), textbook,
			[]string{"order-service: registry.company.com/order-service newest-build"}, nil},
		{"name is alphabetical", perEnv("image-list", img, "order.update-strategy", "name"), textbook,
			[]string{"order-service: registry.company.com/order-service alphabetical"}, nil},
		{"application-wide options, replaced per image", []Application{application("prod", "apps/order-service/overlays/production",
			"image-list", "order=x/order, side=x/side", "update-strategy", "newest-build", "ignore-tags", "latest",
			"side.update-strategy", "digest", "side.ignore-tags", "latest")}, textbook,
			[]string{"order-service: x/order newest-build", "order-service: x/side digest", "order-service in prod: ignore=latest"},
			[]string{"prod : note"}},
		{"images that differ in one environment", []Application{application("prod", "apps/order-service/overlays/production",
			"image-list", "order=x/order, side=x/side", "order.allow-tags", "regexp:^v")}, textbook,
			[]string{"order-service: x/order semver", "order-service: x/side semver"},
			[]string{"prod : note", "prod order.allow-tags: not translated"}},
		{"any admits every tag", perEnv("image-list", img, "order.allow-tags", "any"), textbook,
			[]string{"order-service: registry.company.com/order-service semver"}, nil},
		{"tag-match is the older allow-tags", perEnv("image-list", img, "order.tag-match", "regexp:^v"), textbook,
			[]string{"order-service: registry.company.com/order-service semver allow=^v"}, nil},
		{"allow-tags wins over tag-match", []Application{application("prod", "apps/order-service/overlays/production",
			"image-list", img, "order.allow-tags", "regexp:^v", "order.tag-match", "regexp:^x")}, textbook,
			[]string{"order-service: registry.company.com/order-service semver", "order-service in prod: allow=^v"},
			[]string{"prod : note", "prod order.tag-match: not translated"}},
		{"an invalid allow-tags is reported", perEnv("image-list", img, "order.allow-tags", "regexp:("), textbook,
			[]string{"order-service: registry.company.com/order-service semver"},
			[]string{"dev order.allow-tags: not translated", "staging order.allow-tags: not translated", "prod order.allow-tags: not translated"}},
		{"a constraint with newest-build is ignored, as Argo does", perEnv("image-list", img+":~1.2", "order.update-strategy", "newest-build"), textbook,
			[]string{"order-service: registry.company.com/order-service newest-build"},
			[]string{"dev image-list: not translated", "staging image-list: not translated", "prod image-list: not translated"}},
		{"one strategy per image: the most common wins", []Application{
			application("dev", "apps/order-service/overlays/development", "image-list", img, "order.update-strategy", "newest-build"),
			application("staging", "apps/order-service/overlays/staging", "image-list", img),
			application("prod", "apps/order-service/overlays/production", "image-list", img)}, textbook,
			[]string{"order-service: registry.company.com/order-service semver"},
			[]string{"dev order.update-strategy: not translated"}},
		{"platforms, write-back and helm are reported", []Application{application("prod", "apps/order-service/overlays/production",
			"image-list", img, "order.platforms", "linux/arm64", "write-back-method", "git", "git-branch", "main",
			"order.helm.image-tag", "image.tag", "order.colour", "blue", "other.allow-tags", "any")}, textbook,
			[]string{"order-service: registry.company.com/order-service semver"},
			[]string{"prod : note", "prod order.platforms: not translated", "prod write-back-method: not translated",
				"prod git-branch: not translated", "prod order.helm.image-tag: not translated",
				"prod order.colour: not translated", "prod other.allow-tags: not translated"}},
		{"templates with * and several Applications of one environment", []Application{
			application("eu", "clusters/production-eu/apps/web", "image-list", "web=x/web", "web.allow-tags", "regexp:^v"),
			application("us", "clusters/production-us/apps/web", "image-list", "web=x/web")},
			Layout{Overlays: []string{"clusters/{env}-*/apps/{app}"}, Environments: []Env{{"prod", "production"}}},
			[]string{"web: x/web semver allow=^v"},
			[]string{"us : not translated"}},
		{"Applications of one environment that agree", []Application{
			application("eu", "clusters/production-eu/apps/web", "image-list", "web=x/web", "web.allow-tags", "regexp:^v"),
			application("us", "clusters/production-us/apps/web", "image-list", "web=x/web", "web.allow-tags", "regexp:^v")},
			Layout{Overlays: []string{"clusters/{env}-*/apps/{app}"}, Environments: []Env{{"prod", "production"}}},
			[]string{"web: x/web semver allow=^v"}, nil},
		{"environments inferred from the paths", []Application{
			application("p", "apps/web/overlays/production", "image-list", "web=x/web", "web.allow-tags", "regexp:^v"),
			application("d", "apps/web/overlays/dev", "image-list", "web=x/web")}, DefaultLayout(),
			[]string{"web: x/web semver", "web in production: allow=^v"}, nil},
		{"an alias given twice", []Application{application("prod", "apps/order-service/overlays/production",
			"image-list", "a=x/one, a=x/two", "a.update-strategy", "digest")}, textbook,
			[]string{"order-service: x/one digest", "order-service: x/two semver"},
			[]string{"prod : note", "prod image-list: not translated"}},
		{"no image-list", []Application{
			application("prod", "apps/order-service/overlays/production", "order.allow-tags", "any"),
			application("dev", "apps/order-service/overlays/development", "image-list", img)}, textbook,
			[]string{"order-service: registry.company.com/order-service semver"},
			[]string{"dev : note", "prod order.allow-tags: not translated"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr, err := Translate(tt.apps, tt.layout)
			if err != nil {
				t.Fatal(err)
			}
			if got := summary(tr); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("apps:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
			if got := noteKeys(tr); !reflect.DeepEqual(got, tt.notes) {
				t.Errorf("notes:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.notes, "\n"))
			}
			if _, err := Render(tr, nil); err != nil {
				t.Errorf("render: %v", err)
			}
		})
	}
}

func TestTranslateErrors(t *testing.T) {
	tests := []struct {
		name string
		apps []Application
		want error
		why  string // the one note's reason, for ErrNothingTranslated
	}{
		{"no Applications", nil, ErrNoAnnotations, ""},
		{"no annotations", []Application{application("a", "apps/x/overlays/dev")}, ErrNoAnnotations, ""},
		{"no path matches", []Application{application("a", "charts/x", "image-list", "x/x")}, ErrNothingTranslated,
			"path charts/x matches no overlays template (apps/{app}/overlays/{env}); its annotations are not translated"},
		{"no path", []Application{application("a", "", "image-list", "x/x")}, ErrNothingTranslated,
			"no spec.source.path or spec.sources[].path to find the app and environment from; its annotations are not translated"},
		{"an unknown environment directory", []Application{application("a", "apps/x/overlays/qa", "image-list", "x/x")}, ErrNothingTranslated,
			`path apps/x/overlays/qa: no environment of the policy has the dir "qa"; its annotations are not translated`},
		{"no image", []Application{application("a", "apps/x/overlays/dev", "image-list", "Bad Image")}, ErrNothingTranslated,
			`image-list entry "Bad Image": "Bad Image" is not an image repository name`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr, err := Translate(tt.apps, textbook)
			if !errors.Is(err, tt.want) {
				t.Fatalf("error %v, want %v", err, tt.want)
			}
			if tt.why != "" && (len(tr.Notes) != 1 || tr.Notes[0].Reason != tt.why) {
				t.Errorf("notes %v, want one: %s", tr.Notes, tt.why)
			}
		})
	}
}
