package bot

import (
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/stagehand-gitops/stagehand/internal/githubsim"
)

// TestRestart: Stagehand is down while dev is reported healthy and the
// soak ends (the webhook is lost, the timer with it); a new process reads
// everything back from GitHub at start and opens the staging pull request.
func TestRestart(t *testing.T) {
	w := newWorld(t, worldOptions{})
	w.publish("v1.1.0")
	dev := w.pulls()[0]
	if !dev.Merged {
		t.Fatalf("dev not merged: %+v", dev)
	}
	w.sim.SetFaults(githubsim.Faults{WebhookDrop: 100})
	if err := w.sim.SetStatus("alice", configRepo, dev.MergeCommitSHA, "argocd/dev", "success", "Healthy"); err != nil {
		t.Fatal(err)
	}
	w.clock.mu.Lock()
	w.clock.now = w.clock.now.Add(2 * time.Hour)
	w.clock.mu.Unlock()
	w.settle()
	w.sim.SetFaults(githubsim.Faults{})
	if _, ok := w.open()["stagehand/staging/web"]; ok {
		t.Fatal("staging opened while Stagehand was down")
	}
	w.restart()
	if _, ok := w.open()["stagehand/staging/web"]; !ok {
		t.Fatalf("no staging pull request after the restart; decisions %q", w.decisions())
	}
	// A second restart changes nothing.
	w.sim.ResetCalls()
	w.restart()
	if c := w.sim.Calls(); c.Writes != 0 || len(w.pulls()) != 2 {
		t.Fatalf("second restart wrote: %v", c.Log)
	}
}

// TestRoutingRefresh: a push that adds an app directory (found from the
// layout) routes its image without a policy change; a repository the App
// is newly installed on is routed after the installation event.
func TestRoutingRefresh(t *testing.T) {
	discover := "version: 1\nenvironments:\n  - name: dev\n  - name: prod\n    promotion: manual\n"
	files := seedFiles(discover)
	w := newWorld(t, worldOptions{files: files})
	w.protect()
	api := "images:\n- name: ghcr.io/acme/api\n  newTag: v0.1.0\n"
	if _, err := w.sim.Push("alice", configRepo, "main", "Add api\n", map[string]string{
		"apps/api/overlays/dev/kustomization.yaml": api, "apps/api/overlays/prod/kustomization.yaml": api}); err != nil {
		t.Fatal(err)
	}
	w.settle()
	if err := w.sim.PublishContainer("ci", sourceRepo, "api", "v0.2.0", digestOf("v0.2.0")); err != nil {
		t.Fatal(err)
	}
	w.settle()
	if _, ok := w.open()["stagehand/dev/api"]; !ok {
		t.Fatalf("the new app's image is not routed; decisions %q", w.decisions())
	}

	if err := w.sim.CreateRepo(githubsim.RepoOptions{Owner: "acme", Name: "config-eu", Collaborators: map[string]githubsim.Permission{"alice": githubsim.PermAdmin}}); err != nil {
		t.Fatal(err)
	}
	fsys := fstest.MapFS{}
	for p, c := range seedFiles(testPolicy) {
		fsys[p] = &fstest.MapFile{Data: []byte(c)}
	}
	if _, err := w.sim.SeedFS("acme/config-eu", "main", fsys, "Initial commit\n"); err != nil {
		t.Fatal(err)
	}
	w.sim.InstallApp("alice")
	w.settle()
	if got := w.bot.Index().Targets("ghcr.io/acme/web"); len(got) != 2 || got[1].Repo != "acme/config-eu" {
		t.Fatalf("routes after the installation: %+v", got)
	}
	w.publish("v1.1.0")
	prs, err := w.sim.PullRequests("acme/config-eu")
	if err != nil || len(prs) != 1 || !strings.HasPrefix(prs[0].Title, "Promote web to dev") {
		t.Fatalf("acme/config-eu pull requests %+v, %v", prs, err)
	}
}

// TestDeclinedNotReopened: a staging pull request a person closed without
// merging is not opened again for the same change, not even by the full
// scan of a restart; a newer version opens a new one.
func TestDeclinedNotReopened(t *testing.T) {
	w := newWorld(t, worldOptions{})
	w.publish("v1.1.0")
	dev := w.pulls()[0]
	if err := w.sim.SetStatus("alice", configRepo, dev.MergeCommitSHA, "argocd/dev", "success", "Healthy"); err != nil {
		t.Fatal(err)
	}
	w.sched.advance(time.Hour)
	w.settle()
	staging, ok := w.open()["stagehand/staging/web"]
	if !ok {
		t.Fatalf("no staging pull request; decisions %q", w.decisions())
	}
	if err := w.sim.ClosePR("alice", configRepo, staging.Number); err != nil {
		t.Fatal(err)
	}
	w.settle()
	w.restart()
	if _, ok := w.open()["stagehand/staging/web"]; ok {
		t.Fatalf("a declined pull request was opened again; decisions %q", w.decisions())
	}
	if d := w.decisions(); !slices.Contains(d, "web/staging: skipped: declined before") {
		t.Fatalf("the restart did not see the declined pull request; decisions %q", d)
	}
	w.publish("v1.2.0")
	dev2 := w.pulls()[len(w.pulls())-1]
	if err := w.sim.SetStatus("alice", configRepo, dev2.MergeCommitSHA, "argocd/dev", "success", "Healthy"); err != nil {
		t.Fatal(err)
	}
	w.sched.advance(time.Hour)
	w.settle()
	if pr, ok := w.open()["stagehand/staging/web"]; !ok || pr.Title != "Promote web to staging: v1.0.0 → v1.2.0" {
		t.Fatalf("no staging pull request for the newer version: %+v; decisions %q", w.open(), w.decisions())
	}
}

// TestRoutingInstallationRepositories: a repository removed from the
// installation leaves the routing index (its image opens nothing); added
// back, it is read again and routed.
func TestRoutingInstallationRepositories(t *testing.T) {
	w := newWorld(t, worldOptions{})
	w.protect()
	if err := w.sim.SetInstalled("alice", configRepo, false); err != nil {
		t.Fatal(err)
	}
	w.settle()
	if got := w.bot.Index().Targets("ghcr.io/acme/web"); len(got) != 0 {
		t.Fatalf("routes after the repository was removed: %+v", got)
	}
	w.publish("v1.1.0")
	if prs := w.pulls(); len(prs) != 0 {
		t.Fatalf("a removed repository got pull requests: %+v", prs)
	}
	if err := w.sim.SetInstalled("alice", configRepo, true); err != nil {
		t.Fatal(err)
	}
	w.settle()
	if got := w.bot.Index().Targets("ghcr.io/acme/web"); len(got) != 1 || got[0].Repo != configRepo {
		t.Fatalf("routes after the repository was added back: %+v", got)
	}
	w.publish("v1.2.0")
	if _, ok := w.open()["stagehand/dev/web"]; !ok {
		t.Fatalf("no dev pull request after the repository was added back; decisions %q", w.decisions())
	}
}
