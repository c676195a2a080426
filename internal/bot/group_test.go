package bot

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-github/v62/github"

	"github.com/stagehand-gitops/stagehand/internal/chatops"
	"github.com/stagehand-gitops/stagehand/internal/githubsim"
)

// trainPolicy groups web and api for prod, where a version must have run
// in staging for an hour and only the @acme/sre team may promote.
const trainPolicy = `version: 1
environments:
  - name: dev
  - name: staging
  - name: prod
    promotion: manual
    soak: 1h
    promoters: ["@acme/sre"]
apps:
  web:
    image: ghcr.io/acme/web
  api:
    image: ghcr.io/acme/api
groups:
  shop:
    apps: [web, api]
    envs: [prod]
`

// apiOverlay is the api app's overlay with its image at tag.
func apiOverlay(tag string) string {
	return "resources:\n- ../../base\nimages:\n- name: ghcr.io/acme/api\n  newTag: " + tag + "\n"
}

// trainFiles is the seed of pol with a second app, api, at v3.0.0 in
// every environment.
func trainFiles(pol string) map[string]string {
	files := seedFiles(pol)
	files["apps/api/base/kustomization.yaml"] = files["apps/web/base/kustomization.yaml"]
	files["apps/api/base/deployment.yaml"] = files["apps/web/base/deployment.yaml"]
	for _, env := range []string{"dev", "staging", "prod"} {
		files["apps/api/overlays/"+env+"/kustomization.yaml"] = apiOverlay("v3.0.0")
	}
	return files
}

// bumpBoth brings web to v1.1.0 and api to v3.1.0 in env through a pull
// request alice merges: its merge time is when a soak starts.
func (w *world) bumpBoth(files map[string]string, env string) {
	w.t.Helper()
	web := "apps/web/overlays/" + env + "/kustomization.yaml"
	if _, err := w.sim.Push("alice", configRepo, "releases", env+" releases", map[string]string{
		web: strings.Replace(files[web], "v1.0.0", "v1.1.0", 1),
		"apps/api/overlays/" + env + "/kustomization.yaml": apiOverlay("v3.1.0"),
	}); err != nil {
		w.t.Fatal(err)
	}
	n, err := w.sim.OpenPR("alice", configRepo, "releases", "main", env+" releases", "")
	if err != nil {
		w.t.Fatal(err)
	}
	w.settle()
	if _, err := w.sim.Merge("alice", configRepo, n, "merge"); err != nil {
		w.t.Fatal(err)
	}
	w.settle()
}

// trainWorld has both members one release ahead in staging, and sam of
// the @acme/sre team.
func trainWorld(t *testing.T) *world {
	t.Helper()
	files := trainFiles(trainPolicy)
	w := newWorld(t, worldOptions{files: files})
	w.sim.AddUser("sam")
	if err := w.sim.SetPermission(configRepo, "sam", githubsim.PermWrite); err != nil {
		t.Fatal(err)
	}
	w.sim.AddTeamMember("acme", "sre", "sam", "member")
	w.bumpBoth(files, "staging")
	return w
}

// oneCommitOnMain checks that sha is one commit on main's head that
// changes files files, as GitHub's commit API reports it, and returns its
// message.
func (w *world) oneCommitOnMain(sha string, files int) string {
	w.t.Helper()
	gh, err := github.NewClient(nil).WithAuthToken(w.sim.AddUser("alice")).WithEnterpriseURLs(w.sim.URL(), w.sim.URL())
	if err != nil {
		w.t.Fatal(err)
	}
	c, _, err := gh.Repositories.GetCommit(context.Background(), "acme", "config", sha, nil)
	if err != nil {
		w.t.Fatal(err)
	}
	main, _ := w.sim.RefSHA(configRepo, "heads/main")
	if len(c.Parents) != 1 || c.Parents[0].GetSHA() != main || len(c.Files) != files {
		w.t.Errorf("%s is not one commit of %d files on main: parents %v, %d files", sha, files, c.Parents, len(c.Files))
	}
	return c.GetCommit().GetMessage()
}

// TestCommentPromoteGroup: the train waits for every member's soak, says
// which member holds it back, then moves both members in one commit.
func TestCommentPromoteGroup(t *testing.T) {
	w := trainWorld(t)
	n := w.issue()

	_, reply := w.say("dev", n, "/promote shop to prod")
	if !strings.Contains(reply, "only someone who may promote every member of shop into prod") {
		t.Errorf("a developer's group promotion is not refused:\n%s", reply)
	}

	w.sched.advance(30 * time.Minute)
	reactions, reply := w.say("sam", n, "/promote shop to prod")
	if _, ok := w.open()["stagehand/prod/shop"]; ok || !slices.Equal(reactions, []string{"eyes", "confused"}) {
		t.Fatalf("a held train opened a pull request (reactions %v)", reactions)
	}
	replyGolden(t, "group-held", reply)
	_, reply = w.say("sam", n, "/status shop")
	if !strings.Contains(reply, "- `shop` → `prod`: ⏳ held back by `web` (soaking in staging: 30m0s left of 1h0m0s), `api` (soaking in staging: 30m0s left of 1h0m0s)") {
		t.Errorf("/status does not say which member holds the train:\n%s", reply)
	}
	replyGolden(t, "group-status-held", reply)

	_, reply = w.say("sam", n, "/promote web to prod")
	if !strings.Contains(reply, "web moves into prod with its group shop: `/promote shop to prod`") {
		t.Errorf("a member alone is not turned to its group:\n%s", reply)
	}

	w.sched.advance(time.Hour)
	w.sim.ResetCalls()
	reactions, reply = w.say("sam", n, "/promote shop to prod")
	// Counted: both members' edits are one tree, one commit and one ref.
	calls := w.sim.Calls()
	t.Logf("/promote shop: %d calls, %d writes: %v", calls.Total(), calls.Writes, calls.ByOperation)
	for _, op := range []string{"git/create-tree", "git/create-commit", "git/create-ref", "pulls/create"} {
		if calls.ByOperation[op] != 1 {
			t.Errorf("%s called %d times, want once: %v", op, calls.ByOperation[op], calls.ByOperation)
		}
	}
	pr, ok := w.open()["stagehand/prod/shop"]
	if !ok || !slices.Equal(reactions, []string{"eyes", "rocket"}) {
		t.Fatalf("no train pull request (reactions %v); decisions %q", reactions, w.decisions())
	}
	replyGolden(t, "group-promote", reply)
	if got := w.file(pr.HeadSHA, chatProdOverlay); !strings.Contains(got, "newTag: v1.1.0") {
		t.Errorf("web's prod overlay on the branch:\n%s", got)
	}
	if got := w.file(pr.HeadSHA, "apps/api/overlays/prod/kustomization.yaml"); !strings.Contains(got, "newTag: v3.1.0") {
		t.Errorf("api's prod overlay on the branch:\n%s", got)
	}
	msg := w.oneCommitOnMain(pr.HeadSHA, 2)
	if !strings.Contains(msg, "Stagehand-Group: shop\n") {
		t.Errorf("commit message:\n%s", msg)
	}
	checksGolden(t, "testdata/group-body.md", pr.Body)

	// Asked again, the same pull request: nothing new is written.
	w.say("sam", n, "/promote shop to prod")
	if prs := w.open(); len(prs) != 1 {
		t.Errorf("%d open pull requests after a second /promote, want the train's 1", len(prs))
	}

	// A hold of the group holds every member, and labels the train's
	// pull request; lifting it takes the label off.
	_, reply = w.say("dev", n, "/hold shop in prod waiting for the migration")
	if !strings.Contains(reply, "Held `shop` in `prod`") {
		t.Fatalf("/hold shop:\n%s", reply)
	}
	if pr := w.open()["stagehand/prod/shop"]; !slices.Contains(pr.Labels, chatops.LabelHold) {
		t.Errorf("the train's pull request has labels %q, want %s", pr.Labels, chatops.LabelHold)
	}
	// Its check names each held member and why.
	if run := w.checkRun("stagehand/prod/shop", "stagehand/prod"); run.Conclusion != "failure" || !strings.Contains(run.Summary, "✗ **hold** (web in prod, ghcr.io/acme/web): web is on hold in prod by @dev: waiting for the migration") {
		t.Errorf("stagehand/prod on the held train: %s\n%s", run.Conclusion, run.Summary)
	}
	_, reply = w.say("sam", n, "/promote shop to prod")
	if !strings.Contains(reply, "web holds the group shop back") {
		t.Errorf("a held member does not hold the train:\n%s", reply)
	}
	_, reply = w.say("sam", n, "/status shop")
	if !strings.Contains(reply, "- `shop` → `prod`: ⏳ held back by `web` (web is on hold in prod (by @dev): waiting for the migration), `api` (api is on hold in prod (by @dev): waiting for the migration)") {
		t.Errorf("/status does not say the hold holds the train:\n%s", reply)
	}
	replyGolden(t, "group-status-on-hold", reply)
	_, reply = w.say("sam", n, "/unhold shop in prod")
	if pr := w.open()["stagehand/prod/shop"]; slices.Contains(pr.Labels, chatops.LabelHold) || !strings.Contains(reply, "Lifted the hold on `shop`") {
		t.Errorf("after /unhold: labels %q, reply:\n%s", pr.Labels, reply)
	}
}

// TestAdvanceGroup: into an auto environment of a group, the merge that
// brings the members into the environment before opens the train's one
// pull request, not one per member.
func TestAdvanceGroup(t *testing.T) {
	files := trainFiles(strings.Replace(trainPolicy, "    envs: [prod]\n", "    envs: [staging]\n", 1))
	w := newWorld(t, worldOptions{files: files})
	w.bumpBoth(files, "dev")
	open := w.open()
	pr, ok := open["stagehand/staging/shop"]
	if !ok || len(open) != 1 {
		t.Fatalf("open pull requests %v, want only the train's; decisions %q", open, w.decisions())
	}
	for path, tag := range map[string]string{"apps/web/overlays/staging/kustomization.yaml": "v1.1.0", "apps/api/overlays/staging/kustomization.yaml": "v3.1.0"} {
		if got := w.file(pr.HeadSHA, path); !strings.Contains(got, "newTag: "+tag) {
			t.Errorf("%s on the branch:\n%s", path, got)
		}
	}
}
