package bot

import (
	"strings"
	"testing"

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
