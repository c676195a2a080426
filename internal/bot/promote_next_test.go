package bot

import (
	"slices"
	"strings"
	"testing"

	"github.com/stagehand-gitops/stagehand/internal/githubsim"
)

// stagingPull has chatWorld's dev pull request for v1.2.0 merged, so that
// staging's pull request is open (prod, after it, is manual and only
// @acme/sre may promote into it).
func stagingPull(t *testing.T, w *world) githubsim.PullRequest {
	t.Helper()
	w.publish("v1.2.0")
	dev, ok := w.open()["stagehand/dev/web"]
	if !ok {
		t.Fatalf("no dev pull request: %q", w.decisions())
	}
	if _, err := w.sim.Merge("alice", configRepo, dev.Number, "merge"); err != nil {
		t.Fatal(err)
	}
	w.settle()
	staging, ok := w.open()["stagehand/staging/web"]
	if !ok {
		t.Fatalf("no staging pull request: %q", w.decisions())
	}
	return staging
}

// labelReply returns Stagehand's comment about the label on a pull request.
func (w *world) labelReply(number int) string {
	w.t.Helper()
	comments, err := w.sim.Comments(configRepo, number)
	if err != nil {
		w.t.Fatal(err)
	}
	for _, c := range comments {
		if c.Author == "stagehand[bot]" && strings.Contains(c.Body, "<!-- stagehand:promote-next -->") {
			return c.Body
		}
	}
	return ""
}

// TestPromoteNextLabelAuthorized: the label that sends a merged change on
// to the next environment is a "/promote" into it, and only those who may
// promote there may add it. A developer's label on the staging pull
// request is refused in a reply and removed, and the merge opens nothing
// in prod; if its event is lost, the merge itself refuses it. An SRE's
// label opens the prod pull request on merge.
func TestPromoteNextLabelAuthorized(t *testing.T) {
	t.Run("refused", func(t *testing.T) {
		w := chatWorld(t)
		staging := stagingPull(t, w)
		if err := w.sim.AddLabel("dev", configRepo, staging.Number, LabelPromoteNext); err != nil {
			t.Fatal(err)
		}
		w.settle()
		reply := w.labelReply(staging.Number)
		if !strings.Contains(reply, "only the promoters of prod may promote into it") {
			t.Fatalf("reply:\n%s", reply)
		}
		replyGolden(t, "promote-next-refused", reply)
		if labels := w.open()["stagehand/staging/web"].Labels; slices.Contains(labels, LabelPromoteNext) {
			t.Errorf("labels %v: the refused label stayed", labels)
		}
		if _, err := w.sim.Merge("alice", configRepo, staging.Number, "merge"); err != nil {
			t.Fatal(err)
		}
		w.settle()
		if _, ok := w.open()["stagehand/prod/web"]; ok {
			t.Fatal("a developer's label opened the prod pull request")
		}
	})
	t.Run("event lost", func(t *testing.T) {
		w := chatWorld(t)
		staging := stagingPull(t, w)
		w.sim.SetFaults(githubsim.Faults{WebhookDrop: 1})
		if err := w.sim.AddLabel("dev", configRepo, staging.Number, LabelPromoteNext); err != nil {
			t.Fatal(err)
		}
		w.settle()
		w.sim.SetFaults(githubsim.Faults{})
		if _, err := w.sim.Merge("alice", configRepo, staging.Number, "merge"); err != nil {
			t.Fatal(err)
		}
		w.settle()
		if _, ok := w.open()["stagehand/prod/web"]; ok {
			t.Fatal("a developer's label opened the prod pull request on merge")
		}
		replyGolden(t, "promote-next-refused-on-merge", w.labelReply(staging.Number))
	})
	t.Run("by a promoter", func(t *testing.T) {
		w := chatWorld(t)
		staging := stagingPull(t, w)
		if err := w.sim.AddLabel("sam", configRepo, staging.Number, LabelPromoteNext); err != nil {
			t.Fatal(err)
		}
		w.settle()
		if reply := w.labelReply(staging.Number); reply != "" {
			t.Fatalf("an SRE's label was answered:\n%s", reply)
		}
		if _, err := w.sim.Merge("alice", configRepo, staging.Number, "merge"); err != nil {
			t.Fatal(err)
		}
		w.settle()
		if _, ok := w.open()["stagehand/prod/web"]; !ok {
			t.Fatalf("no prod pull request after an SRE's label: %q", w.decisions())
		}
	})
}
