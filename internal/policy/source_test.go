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
