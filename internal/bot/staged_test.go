package bot

import (
	"context"
	"strings"
	"testing"
	"time"
)

const stagingOverlay = "apps/web/overlays/staging/kustomization.yaml"

// TestStagedPromotion plays dev → staging → prod: the dev pull request
// auto-merges; staging waits for its soak and for dev to be healthy (no
// pull request meanwhile), then opens on the scheduler's recheck; prod is
// manual and opens only through Promote.
func TestStagedPromotion(t *testing.T) {
	w := newWorld(t, worldOptions{})
	w.sim.ResetCalls()
	w.publish("v1.1.0")
	c := w.sim.Calls()
	t.Logf("event → dev PR → merge → staging gates: %d calls (%d writes)", c.Total(), c.Writes)

	var dev = w.pulls()[0]
	if !dev.Merged || dev.Head != "stagehand/dev/web" {
		t.Fatalf("dev pull request not auto-merged: %+v\ndecisions %q", dev, w.decisions())
	}
	if got := w.file("main", devOverlay); !strings.Contains(got, "newTag: v1.1.0") {
		t.Fatalf("main's dev overlay:\n%s", got)
	}
	if _, ok := w.open()["stagehand/staging/web"]; ok {
		t.Fatal("staging pull request opened before its soak")
	}
	if times := w.sched.times(); len(times) == 0 || !times[0].Equal(w.clock.Now().Add(time.Hour)) {
		t.Fatalf("recheck timers %v, want one at the end of the soak (%v)", times, w.clock.Now().Add(time.Hour))
	}

	// The soak ends, but dev is not reported healthy yet: still no PR.
	w.sched.advance(time.Hour)
	w.settle()
	if _, ok := w.open()["stagehand/staging/web"]; ok {
		t.Fatal("staging pull request opened while dev is not healthy")
	}

	// Argo CD reports the dev merge commit deployed.
	dep, err := w.sim.CreateDeployment("alice", configRepo, dev.MergeCommitSHA, "dev")
	if err != nil {
		t.Fatal(err)
	}
	if err := w.sim.SetDeploymentStatus("alice", configRepo, dep, "success"); err != nil {
		t.Fatal(err)
	}
	w.settle()
	staging, ok := w.open()["stagehand/staging/web"]
	if !ok {
		t.Fatalf("no staging pull request after soak and health; decisions %q", w.decisions())
	}
	if staging.Title != "Promote web to staging: v1.0.0 → v1.1.0" {
		t.Errorf("staging title %q", staging.Title)
	}
	if got := w.file(staging.HeadSHA, stagingOverlay); !strings.Contains(got, "newTag: v1.1.0 # keep this comment") {
		t.Errorf("staging overlay on the branch:\n%s", got)
	}

	// A person merges staging; prod is manual: nothing opens by itself.
	if _, err := w.sim.Merge("alice", configRepo, staging.Number, "merge"); err != nil {
		t.Fatal(err)
	}
	w.settle()
	if _, ok := w.open()["stagehand/prod/web"]; ok {
		t.Fatal("prod pull request opened for a manual environment")
	}
	outs, err := w.bot.Promote(context.Background(), configRepo, "web", "prod", "sre")
	if err != nil {
		t.Fatal(err)
	}
	w.settle()
	prod, ok := w.open()["stagehand/prod/web"]
	if !ok || len(outs) != 1 || outs[0].PR != prod.Number {
		t.Fatalf("Promote: %+v; open %v", outs, w.open())
	}
	if prod.Title != "Promote web to prod: v1.0.0 → v1.1.0" {
		t.Errorf("prod title %q", prod.Title)
	}
	// Calling it again converges on the same pull request.
	again, err := w.bot.Promote(context.Background(), configRepo, "web", "prod", "sre")
	if err != nil || len(again) != 1 || again[0].PR != prod.Number || again[0].Written {
		t.Fatalf("second Promote: %+v, %v", again, err)
	}
}

// TestGateUnmet: while staging's soak runs, pushes and statuses open no
// pull request; the commit status that makes dev healthy does not shorten
// the soak.
func TestGateUnmet(t *testing.T) {
	w := newWorld(t, worldOptions{})
	w.publish("v1.1.0")
	dev := w.pulls()[0]
	t.Logf("dev merged as %s", dev.MergeCommitSHA)
	if err := w.sim.SetStatus("alice", configRepo, dev.MergeCommitSHA, "argocd/dev", "success", "Healthy"); err != nil {
		t.Fatal(err)
	}
	w.settle()
	w.sched.advance(59 * time.Minute)
	w.settle()
	if _, err := w.sim.Push("alice", configRepo, "main", "Touch the base\n", map[string]string{"apps/web/base/deployment.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  labels: {a: b}\n"}); err != nil {
		t.Fatal(err)
	}
	w.settle()
	if _, ok := w.open()["stagehand/staging/web"]; ok {
		t.Fatalf("staging pull request opened before the soak ended; decisions %q", w.decisions())
	}
	w.sched.advance(time.Minute)
	w.settle()
	if _, ok := w.open()["stagehand/staging/web"]; !ok {
		t.Fatalf("no staging pull request when the soak ended; decisions %q", w.decisions())
	}
}

// TestPromoteNextOnMerge: a promotion pull request labelled to go on (a
// "/promote" before it merged) opens the next environment's pull request
// when it merges, gates or not: a person asked.
func TestPromoteNextOnMerge(t *testing.T) {
	w := newWorld(t, worldOptions{})
	w.protect()
	w.publish("v1.1.0")
	dev := w.open()["stagehand/dev/web"]
	if err := w.sim.AddLabel("alice", configRepo, dev.Number, LabelPromoteNext); err != nil {
		t.Fatal(err)
	}
	if err := w.sim.SetStatus("alice", configRepo, dev.HeadSHA, "ci", "success", "passed"); err != nil {
		t.Fatal(err)
	}
	w.settle()
	if !w.pulls()[0].Merged {
		t.Fatalf("dev not merged on green; decisions %q", w.decisions())
	}
	staging, ok := w.open()["stagehand/staging/web"]
	if !ok || staging.Title != "Promote web to staging: v1.0.0 → v1.1.0" {
		t.Fatalf("no staging pull request after the labelled merge: %+v; decisions %q", w.open(), w.decisions())
	}
}

// TestFreezeLifts: staging is frozen for the next half hour; the merge into
// dev opens nothing, and the recheck at the end of the freeze opens the
// staging pull request.
func TestFreezeLifts(t *testing.T) {
	pol := `version: 1
environments:
  - name: dev
    autoMerge: true
  - name: staging
    freeze:
      - from: "2026-03-02T08:30:00Z"
        to: "2026-03-02T09:30:00Z"
  - name: prod
    promotion: manual
apps:
  web:
    image: ghcr.io/acme/web
`
	w := newWorld(t, worldOptions{files: seedFiles(pol)})
	w.publish("v1.1.0")
	if _, ok := w.open()["stagehand/staging/web"]; ok {
		t.Fatal("staging opened while frozen")
	}
	end := time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)
	if times := w.sched.times(); len(times) != 1 || !times[0].Equal(end) {
		t.Fatalf("recheck timers %v, want one at the end of the freeze %v", times, end)
	}
	w.sched.advance(end.Sub(w.clock.Now()))
	w.settle()
	if _, ok := w.open()["stagehand/staging/web"]; !ok {
		t.Fatalf("no staging pull request after the freeze; decisions %q", w.decisions())
	}
}
