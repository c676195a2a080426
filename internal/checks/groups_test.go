package checks

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/stagehand-gitops/stagehand/internal/promote"
)

// trainPolicy is artifactPolicy with a second app, api, moving into prod
// with web as the group shop.
var trainPolicy = replace(artifactPolicy, "apps:\n", "apps:\n  api:\n    image: ghcr.io/acme/api\n") + "groups:\n  shop:\n    apps: [web, api]\n    envs: [prod]\n"

// trainBase is artifactBase with the group, and api one release ahead in
// staging (v2.0.0, entered three hours ago) of prod (v1.9.0).
func trainBase() fstest.MapFS {
	m := repo(trainPolicy, map[string]string{"dev": "v1.3.0", "staging": "v1.2.0", "production": "v1.1.0"})
	m["apps/api/base/kustomization.yaml"] = &fstest.MapFile{Data: []byte("resources:\n  - deployment.yaml\n")}
	m["apps/api/base/deployment.yaml"] = &fstest.MapFile{Data: []byte(strings.ReplaceAll(baseDeployment, "web", "api"))}
	for dir, tag := range map[string]string{"dev": "v2.0.0", "staging": "v2.0.0", "production": "v1.9.0"} {
		setAPITag(m, dir, tag)
	}
	return m
}

func apiOverlay(dir string) string { return "apps/api/overlays/" + dir + "/kustomization.yaml" }

func setAPITag(m fstest.MapFS, dir, tag string) {
	m[apiOverlay(dir)] = &fstest.MapFile{Data: []byte(fmt.Sprintf("resources:\n  - ../../base\nimages:\n  - name: ghcr.io/acme/api\n    newTag: %s\n", tag))}
}

// TestGroupPullRequest: a release train's pull request is one check per
// environment over every member; a member that skips staging fails it,
// and the summary and the annotation name that member.
func TestGroupPullRequest(t *testing.T) {
	tests := []struct {
		name, api string
		state     string
		notes     []string
	}{
		{"group-pass", "v2.0.0", "stagehand/prod=success", nil},
		{"group-member-skips-staging", "v2.1.0", "stagehand/prod=failure", []string{apiOverlay("production") + ":4"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base := trainBase()
			head := clone(base)
			setTag(head, "production", "v1.2.0")
			setAPITag(head, "production", tt.api)
			history := artifactHistory()
			history[Query{App: "api", Image: "ghcr.io/acme/api", Env: "staging", Version: promote.Version{Tag: "v2.0.0"}}] = Entry{Commit: "c0ffee0api", Since: now.Add(-3 * time.Hour)}
			rep, err := Evaluate(Input{Base: base, Head: head, Now: now, History: history, PR: PR{Number: 8, Author: "stagehand[bot]"}})
			if err != nil {
				t.Fatal(err)
			}
			if got := states(rep); !slices.Equal(got, []string{tt.state}) {
				t.Errorf("checks = %v, want %s", got, tt.state)
			}
			if got := notes(rep); !slices.Equal(got, tt.notes) {
				t.Errorf("annotations = %v, want %v", got, tt.notes)
			}
			goldenText(t, "evaluate/"+tt.name+".md", dump(rep))
		})
	}
}
