package source_test

import (
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/stagehand-gitops/stagehand/internal/helmrelease"
	"github.com/stagehand-gitops/stagehand/internal/helmvalues"
	"github.com/stagehand-gitops/stagehand/internal/manifest"
	"github.com/stagehand-gitops/stagehand/internal/setter"
	"github.com/stagehand-gitops/stagehand/internal/source"
)

func TestSetRefuses(t *testing.T) {
	values := helmvalues.Editor{File: "values.yaml"}
	tag := source.Want{Tag: source.Value("v2")}
	cases := []struct {
		name string
		ed   source.Editor
		data string
		want source.Want
		err  error
		msg  string
	}{
		{"missing key names file and path", values, "image:\n  repository: a\n", tag, source.ErrNotFound, `values.yaml:2: no key "tag": image not found, looking for image.tag`},
		{"empty values", values, "# nothing\n", tag, source.ErrNotFound, "values.yaml: the values are empty"},
		{"not a string", values, "image:\n  repository: a\n  tag: {a: b}\n", tag, source.ErrInvalid, "values.yaml:3: image.tag is not a string"},
		{"alias value", values, "v: &v v1\nimage:\n  repository: a\n  tag: *v\n", tag, source.ErrUnsupported, "reached through the alias *v at line 4"},
		{"through an aliased mapping", values, "base: &b\n  repository: a\n  tag: v1\nimage: *b\n", tag, source.ErrUnsupported, "reached through the alias *b"},
		{"through a merge key", values, "base: &b\n  tag: v1\nimage:\n  <<: *b\n  repository: a\n", tag, source.ErrUnsupported, "reached through the alias *b"},
		{"anchored value", values, "image:\n  repository: a\n  tag: &t v1\nother: *t\n", tag, source.ErrUnsupported, "carries the anchor &t"},
		{"block scalar", values, "image:\n  repository: a\n  tag: |\n    v1\n", tag, source.ErrUnsupported, "block scalar"},
		{"tagged value", values, "image:\n  repository: a\n  tag: !!str 1.10\n", tag, source.ErrUnsupported, "anchored or tagged scalar"},
		{"plain value over two lines", values, "image:\n  repository: a\n  tag: v1\n    x\n", tag, source.ErrUnsupported, "does not stand on one line"},
		{"malformed YAML", values, "image: [\n", tag, source.ErrInvalid, "values.yaml:1: did not find expected node content"},
		{"control character", values, "image:\n  repository: a\n  tag: v1\n", source.Want{Tag: source.Value("v\n2")}, source.ErrInvalidEdit, "control character"},
		{"digest without a field", values, "image:\n  repository: a\n  tag: v1\n", source.Want{Digest: source.Value("sha256:1")}, source.ErrNotFound, "no digest field beside image.repository"},
		{"bad path", helmvalues.Editor{File: "v.yaml", Paths: []helmvalues.Paths{{Tag: "a..b"}}}, "a: 1\n", tag, source.ErrInvalidEdit, `path "a..b": empty key`},
		{"no release", helmrelease.Editor{File: "r.yaml", Name: "web"}, "kind: HelmRelease\napiVersion: helm.toolkit.fluxcd.io/v2\nmetadata: {name: api}\n", tag, source.ErrNotFound, "no HelmRelease or Application with Helm values named web"},
		{"release without the path", helmrelease.Editor{File: "r.yaml"}, "kind: HelmRelease\napiVersion: helm.toolkit.fluxcd.io/v2\nmetadata: {name: web}\nspec:\n  values:\n    image: {repository: a}\n", tag, source.ErrNotFound, "r.yaml:6: no key \"tag\": image not found, looking for spec.values.image.tag, in HelmRelease web"},
		{"no container", manifest.Editor{File: "d.yaml", Repository: "ghcr.io/acme/web"}, "kind: Deployment\nspec:\n  template:\n    spec:\n      containers: [{name: a, image: 'ghcr.io/acme/api:1'}]\n", tag, source.ErrNotFound, "d.yaml: no container with image ghcr.io/acme/web in 1 pod specs"},
		{"no setter", setter.Editor{File: "d.yaml", Policy: "flux-system:web"}, "image: a:1 # {\"$imagepolicy\": \"flux-system:api\"}\n", tag, source.ErrNotFound, "no setter comment for the image policy flux-system:web"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, changed, err := tc.ed.Set([]byte(tc.data), tc.want)
			if !errors.Is(err, tc.err) || err == nil || !strings.Contains(err.Error(), tc.msg) {
				t.Fatalf("err = %v, want %v holding %q", err, tc.err, tc.msg)
			}
			if out != nil || changed {
				t.Errorf("a failed edit returned changed=%v and %q", changed, out)
			}
		})
	}
}

func TestSetUnchanged(t *testing.T) {
	data := []byte("image:\n  repository: a\n  tag: 1.10 # a float to YAML, kept as written\n")
	out, changed, err := helmvalues.Editor{File: "v.yaml"}.Set(data, source.Want{Tag: source.Value("1.10"), Digest: source.Value("")})
	if err != nil || changed || &out[0] != &data[0] {
		t.Fatalf("changed=%v err=%v; a no-op edit must return the input itself", changed, err)
	}
}

func TestRead(t *testing.T) {
	cases := []struct {
		name string
		ed   source.Editor
		data string
		want []string // image@line
	}{
		{"values with registry", helmvalues.Editor{File: "v.yaml"}, "image:\n  registry: r.io\n  repository: a/b\n  tag: v1\n", []string{"r.io/a/b:v1 v.yaml:4"}},
		{"read through an alias", helmvalues.Editor{File: "v.yaml"}, "base: &b\n  repository: a\n  tag: v1\nimage: *b\n", []string{"a:v1 v.yaml:3"}},
		{"null tag", helmvalues.Editor{File: "v.yaml"}, "image:\n  repository: a\n  tag: ~\n", []string{"a v.yaml:3"}},
		{"two releases", helmrelease.Editor{File: "r.yaml"}, "kind: HelmRelease\napiVersion: helm.toolkit.fluxcd.io/v2\nspec: {values: {image: {repository: a, tag: '1'}}}\n---\nkind: HelmRelease\napiVersion: helm.toolkit.fluxcd.io/v2beta1\nspec:\n  values:\n    image: {repository: a, tag: '2'}\n", []string{"a:1 r.yaml:3", "a:2 r.yaml:9"}},
		{"init and app containers", manifest.Editor{File: "p.yaml", Repository: "a"}, "kind: Pod\nspec:\n  containers:\n  - image: a:2\n  initContainers:\n  - image: a:1@sha256:0\n", []string{"a:1@sha256:0 p.yaml:6", "a:2 p.yaml:4"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			imgs, err := tc.ed.Read([]byte(tc.data))
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, img := range imgs {
				got = append(got, img.String()+" "+img.File+":"+strconv.Itoa(img.Line))
			}
			if strings.Join(got, ",") != strings.Join(tc.want, ",") {
				t.Errorf("read %q, want %q", got, tc.want)
			}
		})
	}
}
