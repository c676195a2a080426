package bot

import (
	"slices"
	"strings"
	"testing"
	"time"
)

// TestCommentRollbackGroup: after the train's release into prod, one
// /rollback of the group opens one rollback pull request whose one commit
// sets both members back to what prod ran before it; the promoters of
// every member are needed, and a second rollback proposes nothing new.
// The release is found however its pull request was merged: a merge
// commit, a squash (only the title is left) or a rebase.
func TestCommentRollbackGroup(t *testing.T) {
	for _, method := range []string{"merge", "squash", "rebase"} {
		t.Run(method, func(t *testing.T) { testRollbackGroup(t, method) })
	}
}

func testRollbackGroup(t *testing.T, method string) {
	w := trainWorld(t)
	n := w.issue()

	reactions, reply := w.say("sam", n, "/rollback shop in prod")
	if !slices.Equal(reactions, []string{"eyes", "confused"}) || !strings.Contains(reply, "hold no release of the group `shop`") {
		t.Errorf("a rollback before any release (reactions %v):\n%s", reactions, reply)
	}
	replyGolden(t, "group-rollback-no-release", reply)

	w.sched.advance(2 * time.Hour)
	w.say("sam", n, "/promote shop to prod")
	release, ok := w.open()["stagehand/prod/shop"]
	if !ok {
		t.Fatalf("no train pull request; decisions %q", w.decisions())
	}
	merged, err := w.sim.Merge("sam", configRepo, release.Number, method)
	if err != nil {
		t.Fatal(err)
	}
	w.settle()
	// The release is the train's commit, or the one a squash or a rebase
	// made of it on main.
	releaseSHA := release.HeadSHA
	if method != "merge" {
		releaseSHA = merged
	}

	_, reply = w.say("dev", n, "/rollback shop in prod")
	if !strings.Contains(reply, "only someone who may roll back every member of shop in prod may roll back the group") {
		t.Errorf("a developer's group rollback is not refused:\n%s", reply)
	}
	_, reply = w.say("sam", n, "/rollback shop in prod to v1.0.0")
	if !strings.Contains(reply, "a group rolls back to what each member ran before its last release into prod") {
		t.Errorf("a group rollback to a tag is not refused:\n%s", reply)
	}

	w.sim.ResetCalls()
	reactions, reply = w.say("sam", n, "/rollback shop in prod")
	calls := w.sim.Calls()
	t.Logf("/rollback shop: %d calls, %d writes: %v", calls.Total(), calls.Writes, calls.ByOperation)
	for _, op := range []string{"git/create-tree", "git/create-commit", "git/create-ref", "pulls/create"} {
		if calls.ByOperation[op] != 1 {
			t.Errorf("%s called %d times, want once: %v", op, calls.ByOperation[op], calls.ByOperation)
		}
	}
	pr, ok := w.open()[rollbackPrefix+"prod/shop"]
	if !ok || !slices.Equal(reactions, []string{"eyes", "rocket"}) {
		t.Fatalf("no group rollback pull request (reactions %v):\n%s", reactions, reply)
	}
	replyGolden(t, "group-rollback", strings.ReplaceAll(reply, shortSHA(releaseSHA), "<release>"))
	checksGolden(t, "testdata/group-rollback-body.md", strings.ReplaceAll(pr.Body, shortSHA(releaseSHA), "<release>"))
	if want := "Roll back shop in prod: web v1.1.0 → v1.0.0, api v3.1.0 → v3.0.0"; pr.Title != want {
		t.Errorf("title %q, want %q", pr.Title, want)
	}
	if !slices.Contains(pr.Labels, LabelRollback) || !slices.Contains(pr.Labels, "group:shop") {
		t.Errorf("labels %q", pr.Labels)
	}
	if got := w.file(pr.HeadSHA, chatProdOverlay); !strings.Contains(got, "newTag: v1.0.0") {
		t.Errorf("web's prod overlay on the rollback branch:\n%s", got)
	}
	if got := w.file(pr.HeadSHA, "apps/api/overlays/prod/kustomization.yaml"); got != apiOverlay("v3.0.0") {
		t.Errorf("api's prod overlay on the rollback branch:\n%s", got)
	}
	if msg := w.oneCommitOnMain(pr.HeadSHA, 2); !strings.Contains(msg, "Stagehand-Rollback-Of: "+releaseSHA+"\n") || !strings.Contains(msg, "Requested-by: sam\n") {
		t.Errorf("commit message:\n%s", msg)
	}
	// The downgrade of both members passes stagehand/prod as a rollback.
	if got := w.checkConclusion(pr.HeadSHA, "stagehand/prod"); got != "success" {
		t.Errorf("stagehand/prod on the group rollback: %s", got)
	}

	// Merged, the same command finds the same release and nothing to do.
	if _, err := w.sim.Merge("sam", configRepo, pr.Number, method); err != nil {
		t.Fatal(err)
	}
	w.settle()
	reactions, reply = w.say("sam", n, "/rollback shop in prod")
	if !strings.Contains(reply, "every member of shop already runs in prod what it ran before the release") || len(w.open()) != 0 {
		t.Errorf("a second rollback (reactions %v, %d open):\n%s", reactions, len(w.open()), reply)
	}
}
