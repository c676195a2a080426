package bot

import (
	"strings"
	"testing"
)

// TestInvalidPolicyPush: a push that breaks the policy gets a failing
// stagehand/policy check with annotations, and routing keeps the last
// valid policy; fixing it gets a passing check.
func TestInvalidPolicyPush(t *testing.T) {
	w := newWorld(t, worldOptions{})
	broken := strings.Replace(testPolicy, "soak: 1h", "soak: forever", 1) + "  api:\n    image: [\n"
	sha, err := w.sim.Push("alice", configRepo, "main", "Break the policy\n", map[string]string{".stagehand.yaml": broken})
	if err != nil {
		t.Fatal(err)
	}
	w.settle()
	runs, err := w.sim.CheckRuns(configRepo, sha)
	if err != nil {
		t.Fatal(err)
	}
	var found bool
	for _, r := range runs {
		if r.Name == PolicyCheck {
			found = true
			if r.Conclusion != "failure" || r.Annotations == 0 || !strings.Contains(r.Summary, ".stagehand.yaml") {
				t.Errorf("policy check: %+v", r)
			}
		}
	}
	if !found {
		t.Fatalf("no %s check on %s: %+v", PolicyCheck, sha, runs)
	}
	if got := w.bot.Index().Targets("ghcr.io/acme/web"); len(got) != 1 || got[0].Repo != configRepo {
		t.Fatalf("routing after a broken policy: %+v", got)
	}
	w.publish("v1.1.0")
	if _, ok := w.open()["stagehand/dev/web"]; !ok && len(w.pulls()) == 0 {
		t.Fatalf("the old policy no longer routes; decisions %q", w.decisions())
	}

	fixed, err := w.sim.Push("alice", configRepo, "main", "Fix the policy\n", map[string]string{".stagehand.yaml": testPolicy})
	if err != nil {
		t.Fatal(err)
	}
	w.settle()
	runs, _ = w.sim.CheckRuns(configRepo, fixed)
	if len(runs) != 1 || runs[0].Name != PolicyCheck || runs[0].Conclusion != "success" {
		t.Fatalf("checks on the fix: %+v", runs)
	}
}

// TestAutoMergeOnGreen: with a required "ci" status, the dev pull request
// waits; the status that makes it green merges it, pinned to its head.
func TestAutoMergeOnGreen(t *testing.T) {
	w := newWorld(t, worldOptions{})
	w.protect()
	w.publish("v1.1.0")
	pr := w.open()["stagehand/dev/web"]
	if pr.Merged || pr.Number == 0 {
		t.Fatalf("dev pull request %+v", pr)
	}
	if err := w.sim.SetStatus("alice", configRepo, pr.HeadSHA, "ci", "pending", "running"); err != nil {
		t.Fatal(err)
	}
	w.settle()
	if w.pulls()[0].Merged {
		t.Fatal("merged while ci is pending")
	}
	if err := w.sim.SetStatus("alice", configRepo, pr.HeadSHA, "ci", "success", "passed"); err != nil {
		t.Fatal(err)
	}
	w.settle()
	got := w.pulls()[0]
	if !got.Merged {
		t.Fatalf("not merged on green; decisions %q", w.decisions())
	}
	if main := w.file("main", devOverlay); !strings.Contains(main, "newTag: v1.1.0") {
		t.Fatalf("main after the merge:\n%s", main)
	}
}

// TestCloseWhenBaseHoldsChange: a person puts the tag on main directly;
// the open pull request is closed with a comment saying why.
func TestCloseWhenBaseHoldsChange(t *testing.T) {
	w := newWorld(t, worldOptions{})
	w.protect()
	w.publish("v1.1.0")
	pr := w.open()["stagehand/dev/web"]
	edited := strings.Replace(seedFiles(testPolicy)[devOverlay], "v1.0.0", "v1.1.0", 1)
	if _, err := w.sim.Push("alice", configRepo, "main", "Hotfix dev\n", map[string]string{devOverlay: edited}); err != nil {
		t.Fatal(err)
	}
	w.settle()
	if _, ok := w.open()["stagehand/dev/web"]; ok {
		t.Fatalf("pull request still open; decisions %q", w.decisions())
	}
	comments, err := w.sim.Comments(configRepo, pr.Number)
	if err != nil {
		t.Fatal(err)
	}
	if len(comments) != 1 || !strings.Contains(comments[0].Body, "already runs v1.1.0") {
		t.Fatalf("comments %+v", comments)
	}
}
