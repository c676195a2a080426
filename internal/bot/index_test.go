package bot

import (
	"reflect"
	"testing"
	"testing/fstest"

	"github.com/stagehand-gitops/stagehand/internal/forge"
	"github.com/stagehand-gitops/stagehand/internal/policy"
)

func mustPolicy(t testing.TB, src string, files map[string]string) *policy.Policy {
	t.Helper()
	pol, err := policy.Parse(policy.FileName, []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	fsys := fstest.MapFS{}
	for p, c := range files {
		fsys[p] = &fstest.MapFile{Data: []byte(c)}
	}
	if err := pol.Discover(fsys); err != nil {
		t.Fatal(err)
	}
	return pol
}

func TestIndex(t *testing.T) {
	listed := mustPolicy(t, testPolicy, nil)
	discovered := mustPolicy(t, "version: 1\nenvironments:\n  - name: dev\n", map[string]string{
		"apps/web/overlays/dev/kustomization.yaml": "images:\n- name: web\n  newName: ghcr.io/acme/web\n  newTag: v1\n",
		"apps/db/overlays/dev/kustomization.yaml":  "images:\n- name: postgres\n  newTag: \"16\"\n",
	})
	x := NewIndex()
	x.set("acme/config", &repoState{repo: forge.Repo{Owner: "acme", Name: "config"}, installation: 1, pol: listed})
	x.set("acme/other", &repoState{repo: forge.Repo{Owner: "acme", Name: "other"}, installation: 2, pol: discovered})
	tests := []struct {
		image string
		want  []Target
	}{
		{"ghcr.io/acme/web", []Target{{Repo: "acme/config", InstallationID: 1}, {Repo: "acme/other", InstallationID: 2}}},
		{"ghcr.io/Acme/web:v2", []Target{{Repo: "acme/config", InstallationID: 1}, {Repo: "acme/other", InstallationID: 2}}},
		{"docker.io/library/postgres", []Target{{Repo: "acme/other", InstallationID: 2}}},
		{"postgres", []Target{{Repo: "acme/other", InstallationID: 2}}},
		{"ghcr.io/acme/nobody", nil},
	}
	for _, tt := range tests {
		t.Run(tt.image, func(t *testing.T) {
			if got := x.Targets(tt.image); !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("Targets = %+v, want %+v", got, tt.want)
			}
		})
	}
	x.removeInstallation(2)
	if got := x.Targets("postgres"); got != nil {
		t.Fatalf("after removing the installation: %+v", got)
	}
	if repos, images := x.counts(); repos != 1 || images != 1 {
		t.Fatalf("counts %d, %d", repos, images)
	}
}
