package promote

import (
	"strings"
	"testing"
	"testing/fstest"
)

// clustersPolicy spreads prod over one overlay per cluster, found by a
// template with a * segment, beside the textbook layout with dir:.
const clustersPolicy = `version: 1
overlays:
  - apps/{app}/overlays/{env}
  - clusters/{env}-*/apps/{app}
environments:
  - {name: dev, dir: development}
  - {name: prod, dir: production}
`

// TestPlanPushEditsEveryOverlayOfTheEnvironment checks that one proposal
// (one commit, one pull request) edits every overlay of the app in the
// environment, whether or not it names the image yet, leaves the other
// environments alone, and lists each file in the body and commit message.
func TestPlanPushEditsEveryOverlayOfTheEnvironment(t *testing.T) {
	img := "images:\n  - name: registry.company.com/order-service\n    newTag: v1.2.3\n"
	tree := fstest.MapFS{
		".stagehand.yaml": {Data: []byte(clustersPolicy)},
		"apps/order-service/overlays/development/kustomization.yaml":   {Data: []byte("images:\n  - name: registry.company.com/order-service\n    newTag: v1.2.4\n")},
		"apps/order-service/overlays/production/kustomization.yaml":    {Data: []byte(img)},
		"clusters/production-eu/apps/order-service/kustomization.yaml": {Data: []byte("# eu\nimages:\n- name: registry.company.com/order-service\n  newName: eu.registry.company.com/order-service\n  newTag: v1.2.3\n")},
		"clusters/production-us/apps/order-service/kustomization.yaml": {Data: []byte("resources: [../../../../apps/order-service/overlays/production]\n")},
		"clusters/development-x/apps/order-service/kustomization.yaml": {Data: []byte(img)},
	}
	pol, _ := load(t, tree)
	plan, err := PlanPush(pol, tree, Request{Push: Push{Image: "registry.company.com/order-service", Tag: "v1.2.4"}, Env: "prod"})
	if err != nil || len(plan.Proposals) != 1 || len(plan.Skips) != 0 {
		t.Fatalf("plan = %+v, %v; want one proposal", plan, err)
	}
	p := plan.Proposals[0]
	want := map[string]string{
		"apps/order-service/overlays/production/kustomization.yaml":    "images:\n  - name: registry.company.com/order-service\n    newTag: v1.2.4\n",
		"clusters/production-eu/apps/order-service/kustomization.yaml": "# eu\nimages:\n- name: registry.company.com/order-service\n  newName: eu.registry.company.com/order-service\n  newTag: v1.2.4\n",
		"clusters/production-us/apps/order-service/kustomization.yaml": "resources: [../../../../apps/order-service/overlays/production]\nimages:\n- name: registry.company.com/order-service\n  newTag: v1.2.4\n",
	}
	if len(p.Files) != len(want) {
		t.Fatalf("files = %d, want %d: %+v", len(p.Files), len(want), p.Files)
	}
	for i, f := range p.Files {
		if i > 0 && p.Files[i-1].Path >= f.Path {
			t.Errorf("files not sorted: %s after %s", f.Path, p.Files[i-1].Path)
		}
		if w, ok := want[f.Path]; !ok || string(f.After) != w {
			t.Errorf("%s after =\n%s\nwant\n%s", f.Path, f.After, w)
		}
		if !strings.Contains(p.Body, "- `"+f.Path+"`\n") {
			t.Errorf("body does not list %s:\n%s", f.Path, p.Body)
		}
		if !strings.Contains(p.CommitMessage, "in "+f.Path+".\n") {
			t.Errorf("commit message does not name %s:\n%s", f.Path, p.CommitMessage)
		}
	}
}
