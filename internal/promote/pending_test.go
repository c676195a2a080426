package promote

import (
	"testing"
	"testing/fstest"

	"github.com/stagehand-gitops/stagehand/internal/policy"
)

func TestSupersedes(t *testing.T) {
	pol, err := policy.Parse(policy.FileName, []byte("version: 1\nenvironments:\n  - name: dev\napps:\n  web:\n    image: ghcr.io/acme/web\n"))
	if err != nil {
		t.Fatal(err)
	}
	tree := fstest.MapFS{"apps/web/overlays/dev/kustomization.yaml": {Data: []byte("images:\n- name: ghcr.io/acme/web\n  newTag: v1.0.0\n")}}
	tests := []struct {
		name    string
		push    string
		pending Version
		want    bool
	}{
		{"no pull request open", "v1.1.0", Version{}, true},
		{"a newer tag than the one proposed", "v1.3.0", Version{Tag: "v1.2.0"}, true},
		{"the same tag again", "v1.2.0", Version{Tag: "v1.2.0"}, true},
		{"an older tag than the one proposed", "v1.1.0", Version{Tag: "v1.2.0"}, false},
		{"9.1.45 beats 9.1.9", "v1.1.45", Version{Tag: "v1.1.9"}, true},
		{"a release beats its candidate", "v1.2.0", Version{Tag: "v1.2.0-rc.1"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, why, err := Supersedes(pol, tree, "web", "ghcr.io/acme/web", "dev", Push{Image: "ghcr.io/acme/web", Tag: tt.push}, tt.pending)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want || (!got && why == "") {
				t.Fatalf("Supersedes = %v (%q), want %v", got, why, tt.want)
			}
		})
	}
}
