package policy

import (
	"reflect"
	"testing"
	"testing/fstest"
)

const sourcesPolicy = `version: 1
environments:
  - {name: dev}
  - {name: staging}
  - {name: prod, dir: production}
apps:
  payment-service:
    image: ghcr.io/acme/payment-service
    values:
      file: apps/{app}/values-{env}.yaml
      image: {repository: image.repository, tag: image.tag}
  web:
    image: ghcr.io/acme/web
    helmRelease: {file: "clusters/{env}/*/web.yaml", name: web, image: web.image}
  cron:
    image: ghcr.io/acme/cron
    manifest: {file: "deploy/{env}/cron.yaml", container: job}
  flux:
    image: ghcr.io/acme/flux
    setter: {file: "clusters/{env}/flux.yaml", policy: "flux-system:flux"}
`

func TestParseSources(t *testing.T) {
	p, err := Parse("p.yaml", []byte(sourcesPolicy))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]Source{
		"payment-service": {Kind: SourceValues, File: "apps/{app}/values-{env}.yaml", Image: ImagePaths{Repository: "image.repository", Tag: "image.tag"}, Line: 9, Col: 5},
		"web":             {Kind: SourceHelmRelease, File: "clusters/{env}/*/web.yaml", Name: "web", Image: ImagePaths{Image: "web.image"}, Line: 14, Col: 5},
		"cron":            {Kind: SourceManifest, File: "deploy/{env}/cron.yaml", Container: "job", Line: 17, Col: 5},
		"flux":            {Kind: SourceSetter, File: "clusters/{env}/flux.yaml", Policy: "flux-system:flux", Line: 20, Col: 5},
	}
	for name, w := range want {
		a, ok := p.App(name)
		if !ok || a.Source == nil {
			t.Fatalf("app %s has no source", name)
		}
		if !reflect.DeepEqual(*a.Source, w) {
			t.Errorf("%s: source\n got %+v\nwant %+v", name, *a.Source, w)
		}
	}
}

func TestSourceFiles(t *testing.T) {
	p, err := Parse("p.yaml", []byte(sourcesPolicy))
	if err != nil {
		t.Fatal(err)
	}
	tree := fstest.MapFS{
		"apps/payment-service/values-dev.yaml":        {Data: []byte("image: {}\n")},
		"apps/payment-service/values-production.yaml": {Data: []byte("image: {}\n")},
		"clusters/dev/eu/web.yaml":                    {Data: []byte("kind: HelmRelease\n")},
		"clusters/dev/us/web.yaml":                    {Data: []byte("kind: HelmRelease\n")},
		"clusters/dev/us/other.yaml":                  {Data: []byte("kind: HelmRelease\n")},
		"deploy/staging/cron.yaml/oops":               {Data: []byte("a directory, not a file\n")},
	}
	for _, tc := range []struct {
		app, env string
		want     []string
	}{
		{"payment-service", "dev", []string{"apps/payment-service/values-dev.yaml"}},
		{"payment-service", "staging", nil},
		{"payment-service", "prod", []string{"apps/payment-service/values-production.yaml"}},
		{"web", "dev", []string{"clusters/dev/eu/web.yaml", "clusters/dev/us/web.yaml"}},
		{"cron", "staging", nil},
		{"unknown", "dev", nil},
	} {
		got, err := p.SourceFiles(tree, tc.app, tc.env)
		if err != nil {
			t.Fatalf("%s in %s: %v", tc.app, tc.env, err)
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s in %s: got %v, want %v", tc.app, tc.env, got, tc.want)
		}
	}
	if _, err := p.SourceFiles(tree, "web", "qa"); err == nil {
		t.Error("an unknown environment is no error")
	}
}

// TestParseLayout: the layout's source is every listed app's that declares
// none, with its own line; an app's own source wins.
func TestParseLayout(t *testing.T) {
	p, err := Parse("p.yaml", []byte(`version: 1
environments:
  - {name: dev}
  - {name: prod}
layout:
  values: {file: "envs/{env}/{app}/values.yaml", image: {tag: image.tag}}
apps:
  api:
    image: ghcr.io/acme/api
  web:
    image: ghcr.io/acme/web
    helmRelease: {file: "clusters/{env}/web.yaml"}
`))
	if err != nil {
		t.Fatal(err)
	}
	layout := Source{Kind: SourceValues, File: "envs/{env}/{app}/values.yaml", Image: ImagePaths{Tag: "image.tag"}, Line: 6, Col: 3}
	if p.Layout == nil || !reflect.DeepEqual(*p.Layout, layout) {
		t.Fatalf("layout %+v, want %+v", p.Layout, layout)
	}
	api, _ := p.App("api")
	web, _ := p.App("web")
	if api.Source == nil || !reflect.DeepEqual(*api.Source, layout) {
		t.Errorf("api: source %+v, want the layout's", api.Source)
	}
	if web.Source == nil || web.Source.Kind != SourceHelmRelease {
		t.Errorf("web: source %+v, want its own helmRelease", web.Source)
	}
	files, err := p.SourceFiles(fstest.MapFS{"envs/prod/api/values.yaml": {Data: []byte("image: {tag: v1}\n")}}, "api", "prod")
	if err != nil || !reflect.DeepEqual(files, []string{"envs/prod/api/values.yaml"}) {
		t.Errorf("api's files in prod: %v, %v", files, err)
	}
}
