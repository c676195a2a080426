package overlay

import (
	"errors"
	"strings"
	"testing"
	"testing/fstest"
)

func TestRenderRefusesWhatIsNotInTheTree(t *testing.T) {
	deploy := "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app\n"
	cases := []struct {
		name, kustomization string
		line                int
		value               string
	}{
		{"url resource", "resources:\n  - base.yaml\n  - https://github.com/acme/evil//config?ref=main\n", 3, "https://github.com/acme/evil//config?ref=main"},
		{"git resource", "resources:\n  - git@github.com:acme/evil.git\n", 2, "git@github.com:acme/evil.git"},
		{"path above the root", "resources:\n  - ../../../../etc\n", 2, "../../../../etc"},
		{"patch from a url", "resources:\n  - base.yaml\npatches:\n  - path: https://example.com/p.yaml\n", 4, "https://example.com/p.yaml"},
		{"generator file from a url", "configMapGenerator:\n  - name: c\n    files:\n      - https://example.com/f\n", 4, "https://example.com/f"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tree := fstest.MapFS{
				"app/kustomization.yaml": {Data: []byte(tc.kustomization)},
				"app/base.yaml":          {Data: []byte(deploy)},
			}
			_, err := Render(tree, "app")
			var re *RemoteError
			if !errors.As(err, &re) {
				t.Fatalf("err = %v, want a *RemoteError", err)
			}
			if re.File != "app/kustomization.yaml" || re.Line != tc.line || re.Value != tc.value {
				t.Errorf("RemoteError = %+v, want line %d value %q", re, tc.line, tc.value)
			}
		})
	}
}

func TestRenderReadsOnlyWhatTheOverlayReaches(t *testing.T) {
	tree := fstest.MapFS{
		"apps/x/base/kustomization.yaml":         {Data: []byte("resources:\n  - deploy.yaml\n")},
		"apps/x/base/deploy.yaml":                {Data: []byte("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: x\n")},
		"apps/x/overlays/dev/kustomization.yaml": {Data: []byte("resources:\n  - ../../base\nimages:\n  - name: x\n    newTag: v1\n")},
		// Unreachable and broken: building dev must not read it.
		"apps/y/base/kustomization.yaml": {Data: []byte("resources: [missing.yaml]\n")},
	}
	r := reachable(tree, "apps/x/overlays/dev")
	if len(r.remote) != 0 || len(r.dirs) != 2 {
		t.Fatalf("reach = %+v, want the overlay and its base", r)
	}
	if _, err := Render(tree, "apps/x/overlays/dev"); err != nil {
		t.Fatal(err)
	}
	want := "apps/x/base/deploy.yaml apps/x/base/kustomization.yaml apps/x/overlays/dev/kustomization.yaml"
	if got := strings.Join(Reads(tree, "apps/x/overlays/dev"), " "); got != want {
		t.Errorf("Reads = %s, want %s", got, want)
	}
}
