package bot

import (
	"context"
	"strings"
	"testing"

	"github.com/stagehand-gitops/stagehand/internal/event"
	"github.com/stagehand-gitops/stagehand/internal/githubsim"
)

// TestPromoteTagReadError: when GitHub cannot serve an older revision of
// staging's overlay (a 5xx), "/promote web@<tag> to prod" fails with the
// read error; it does not answer that staging never ran the tag.
func TestPromoteTagReadError(t *testing.T) {
	w := chatWorld(t)
	n := w.issue()
	// Staging ran v1.1.1 in a commit Stagehand never read (its push was
	// lost), then took v1.2.0, which Stagehand saw.
	w.sim.SetFaults(githubsim.Faults{WebhookDrop: 1})
	if _, err := w.sim.Push("alice", configRepo, "main", "staging v1.1.1", map[string]string{chatStagingOverlay: checksOverlay("v1.1.1")}); err != nil {
		t.Fatal(err)
	}
	w.settle()
	w.sim.SetFaults(githubsim.Faults{})
	if _, err := w.sim.Push("alice", configRepo, "main", "staging v1.2.0", map[string]string{chatStagingOverlay: checksOverlay("v1.2.0")}); err != nil {
		t.Fatal(err)
	}
	w.settle()
	// Planning a staging change reads staging's overlay as it is now (and
	// dev's history), not its older revisions.
	w.say("sam", n, "/promote web@v1.0.0 to staging")
	w.sim.SetFaults(githubsim.Faults{Errors: 1 << 20, Operations: []string{"repos/get-content", "git/get-blob", "git/get-tree"}})
	reactions, reply := w.say("sam", n, "/promote web@v1.1.1 to prod")
	w.sim.SetFaults(githubsim.Faults{})
	if strings.Contains(reply, "never ran in staging") || !strings.Contains(reply, "failed") {
		t.Fatalf("a read error became a refusal: reactions %v, reply:\n%s", reactions, reply)
	}
	if !strings.Contains(reply, "what web ran in staging at") || !strings.Contains(reply, "502") {
		t.Errorf("reactions %v, reply does not give the read error:\n%s", reactions, reply)
	}
}

// TestChecksReadError: when GitHub answers 5xx to every read of the trees,
// the prod check does not keep or reach a verdict: it fails as "Could not
// evaluate" with the reason, and the delivery is an error, so it is retried.
func TestChecksReadError(t *testing.T) {
	w := checksWorld(t)
	n := w.propose("prod-v1.1.0", map[string]string{"apps/web/overlays/prod/kustomization.yaml": checksOverlay("v1.1.0") + "# again\n"})
	if run := w.checkRun("prod-v1.1.0", "stagehand/prod"); run.Status != "in_progress" {
		t.Fatalf("stagehand/prod before the outage: %s %s", run.Status, run.Conclusion)
	}
	w.sim.SetFaults(githubsim.Faults{WebhookDrop: 1 << 20})
	w.forgedCommit("dev", "main", map[string]string{"README.md": "# config\n"}, w.clock.Now()) // a new base commit, not read yet
	w.sim.SetFaults(githubsim.Faults{Errors: 1 << 20, Operations: []string{"repos/get-content", "git/get-blob", "git/get-tree"}})
	d := event.Delivery{ID: "outage", Event: EventChecks, Repo: configRepo, InstallationID: w.sim.InstallationID(), Payload: ChecksDue{Number: n}}
	err := w.bot.Handle(context.Background(), d)
	w.sim.SetFaults(githubsim.Faults{})
	if err == nil || !strings.Contains(err.Error(), "502") {
		t.Fatalf("Handle = %v, want the read error", err)
	}
	run := w.checkRun("prod-v1.1.0", "stagehand/prod")
	if run.Conclusion != "failure" || run.Title != "Could not evaluate" || !strings.Contains(run.Summary, "502") {
		t.Fatalf("stagehand/prod during the outage: %s %s %q\n%s", run.Status, run.Conclusion, run.Title, run.Summary)
	}
	// The retry, once GitHub answers, judges the pull request again.
	if err := w.bot.Handle(context.Background(), d); err != nil {
		t.Fatal(err)
	}
	if run := w.checkRun("prod-v1.1.0", "stagehand/prod"); run.Status != "in_progress" {
		t.Fatalf("stagehand/prod after the outage: %s %s\n%s", run.Status, run.Conclusion, run.Summary)
	}
}
