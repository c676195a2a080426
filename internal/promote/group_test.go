package promote

import (
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/stagehand-gitops/stagehand/internal/golden"
	"github.com/stagehand-gitops/stagehand/internal/policy"
)

const trainPolicy = `version: 1
environments:
  - name: dev
  - name: staging
  - name: prod
    soak: 24h
apps:
  order-service: {image: ghcr.io/acme/order-service}
  payment-service: {image: ghcr.io/acme/payment-service}
  web:
    images: [ghcr.io/acme/web, ghcr.io/acme/web-assets]
groups:
  checkout:
    apps: [order-service, payment-service, web]
`

func trainOverlay(images ...string) *fstest.MapFile {
	var b strings.Builder
	b.WriteString("resources:\n  - ../../base\nimages:\n")
	for i := 0; i+1 < len(images); i += 2 {
		b.WriteString("  - name: ghcr.io/acme/" + images[i] + "\n    newTag: " + images[i+1] + "\n")
	}
	return &fstest.MapFile{Data: []byte(b.String())}
}

// trainTree has staging one release ahead of prod for every member.
func trainTree() fstest.MapFS {
	return fstest.MapFS{
		"apps/order-service/overlays/staging/kustomization.yaml":   trainOverlay("order-service", "v1.3.0"),
		"apps/order-service/overlays/prod/kustomization.yaml":      trainOverlay("order-service", "v1.2.3"),
		"apps/payment-service/overlays/staging/kustomization.yaml": trainOverlay("payment-service", "v2.1.0"),
		"apps/payment-service/overlays/prod/kustomization.yaml":    trainOverlay("payment-service", "v2.0.9"),
		"apps/web/overlays/staging/kustomization.yaml":             trainOverlay("web", "v5.1.0", "web-assets", "v5.1.0"),
		"apps/web/overlays/prod/kustomization.yaml":                trainOverlay("web", "v5.0.0", "web-assets", "v5.0.0"),
	}
}

var trainNow = time.Date(2026, 11, 2, 12, 0, 0, 0, time.UTC)

func soaked(ago time.Duration) Facts { return Facts{Since: trainNow.Add(-ago)} }

func mustTrainPolicy(t *testing.T) *policy.Policy {
	t.Helper()
	pol, err := policy.Parse(".stagehand.yaml", []byte(trainPolicy))
	if err != nil {
		t.Fatal(err)
	}
	return pol
}

func TestPlanGroupReady(t *testing.T) {
	pol := mustTrainPolicy(t)
	gp := GroupPromotion{Group: "checkout", Env: "prod", Now: trainNow, Delivery: "d-1", Facts: map[string]Facts{
		"order-service": soaked(30 * time.Hour), "payment-service": soaked(25 * time.Hour), "web": soaked(48 * time.Hour),
	}}
	g, skip, err := PlanGroup(pol, trainTree(), gp)
	if err != nil || skip != nil {
		t.Fatalf("PlanGroup = %+v, %v", skip, err)
	}
	if g.Held || g.Branch != "stagehand/prod/checkout" || len(g.Files) != 3 {
		t.Fatalf("held %v, branch %q, %d files; want ready, stagehand/prod/checkout, 3 files", g.Held, g.Branch, len(g.Files))
	}
	// web's two images share one overlay: both edits are in it.
	web := string(g.Files[2].After)
	if g.Files[2].Path != "apps/web/overlays/prod/kustomization.yaml" || strings.Count(web, "v5.1.0") != 2 || strings.Contains(web, "v5.0.0") {
		t.Errorf("web's overlay:\n%s", web)
	}
	if want := "Release checkout to prod: order-service v1.2.3 → v1.3.0, payment-service v2.0.9 → v2.1.0, web v5.0.0 → v5.1.0"; g.Title != want {
		t.Errorf("title = %q\nwant    %q", g.Title, want)
	}
	if strings.Join(g.Labels, ",") != "stagehand,env:prod,group:checkout" {
		t.Errorf("labels = %q", g.Labels)
	}
	golden.CheckString(t, filepath.Join("testdata", "group-body-ready.md"), g.Body)
	golden.CheckString(t, filepath.Join("testdata", "group-commit.txt"), g.CommitMessage)

	// The same inputs give the same proposal: replicas converge.
	again, _, _ := PlanGroup(pol, trainTree(), gp)
	if again.Body != g.Body || again.Branch != g.Branch || again.CommitMessage != g.CommitMessage {
		t.Error("a second plan differs")
	}
}

func TestPlanGroupHeld(t *testing.T) {
	pol := mustTrainPolicy(t)
	tree := trainTree()
	// order-service already runs staging's version in prod: unchanged.
	tree["apps/order-service/overlays/prod/kustomization.yaml"] = trainOverlay("order-service", "v1.3.0")
	// web-assets has no version in staging yet.
	tree["apps/web/overlays/staging/kustomization.yaml"] = trainOverlay("web", "v5.1.0")
	gp := GroupPromotion{Group: "checkout", Env: "prod", Now: trainNow, Facts: map[string]Facts{
		"payment-service": soaked(3 * time.Hour), "web": soaked(48 * time.Hour),
	}}
	g, skip, err := PlanGroup(pol, tree, gp)
	if err != nil || skip != nil {
		t.Fatalf("PlanGroup = %+v, %v", skip, err)
	}
	holding := g.Holding()
	if !g.Held || len(holding) != 2 || holding[0].App != "payment-service" || holding[1].App != "web" {
		t.Fatalf("held %v by %+v; want payment-service and web", g.Held, holding)
	}
	if want := trainNow.Add(21 * time.Hour); !g.Until.Equal(want) {
		t.Errorf("until = %v, want %v", g.Until, want)
	}
	golden.CheckString(t, filepath.Join("testdata", "group-body-held.md"), g.Body)
}

func TestPlanGroupNothingToMove(t *testing.T) {
	pol := mustTrainPolicy(t)
	tree := trainTree()
	for _, app := range []string{"order-service", "payment-service", "web"} {
		tree["apps/"+app+"/overlays/prod/kustomization.yaml"] = tree["apps/"+app+"/overlays/staging/kustomization.yaml"]
	}
	_, skip, err := PlanGroup(pol, tree, GroupPromotion{Group: "checkout", Env: "prod", Now: trainNow})
	if err != nil || skip == nil || !skip.UpToDate {
		t.Fatalf("skip %+v, err %v; want an up-to-date skip", skip, err)
	}
}

func TestPlanGroupRefuses(t *testing.T) {
	pol := mustTrainPolicy(t)
	for _, tt := range []struct{ group, env, want string }{
		{"checkout", "dev", "group checkout does not move into dev together (its environments: staging, prod)"},
		{"web", "prod", `unknown group "web"`},
	} {
		_, _, err := PlanGroup(pol, trainTree(), GroupPromotion{Group: tt.group, Env: tt.env, Now: trainNow})
		if err == nil || err.Error() != tt.want {
			t.Errorf("PlanGroup(%s, %s) = %v, want %s", tt.group, tt.env, err, tt.want)
		}
		_, _, err = PlanGroupRollback(pol, trainTree(), GroupRollback{Group: tt.group, Env: tt.env})
		if err == nil || err.Error() != tt.want {
			t.Errorf("PlanGroupRollback(%s, %s) = %v, want %s", tt.group, tt.env, err, tt.want)
		}
	}
}
