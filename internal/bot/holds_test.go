package bot

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stagehand-gitops/stagehand/internal/chatops"
)

// TestHolds: while web is held in staging, a merge into dev opens no
// staging pull request and Promote refuses; dev itself still moves.
func TestHolds(t *testing.T) {
	w := newWorld(t, worldOptions{})
	body := chatops.RenderHolds(chatops.Holds{{App: "web", Env: "staging", By: "alice", Since: w.clock.Now(), Reason: "database migration"}})
	n, err := w.sim.CreateIssue("alice", configRepo, chatops.HoldsTitle, body)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.sim.AddLabel("alice", configRepo, n, chatops.LabelHolds); err != nil {
		t.Fatal(err)
	}
	w.settle()
	w.publish("v1.1.0")
	if dev := w.pulls()[0]; !dev.Merged {
		t.Fatalf("a hold on staging stopped dev: %+v", dev)
	}
	w.sched.advance(2 * time.Hour)
	w.settle()
	if _, ok := w.open()["stagehand/staging/web"]; ok {
		t.Fatal("a staging pull request opened while staging is held")
	}
	var sawHeld bool
	for _, d := range w.decisions() {
		sawHeld = sawHeld || d == "web/staging: skipped: held"
	}
	if !sawHeld {
		t.Fatalf("decisions %q", w.decisions())
	}
	outs, err := w.bot.Promote(context.Background(), configRepo, "web", "staging", "sre")
	if err != nil || len(outs) != 1 || outs[0].Skip == nil || !strings.Contains(outs[0].Skip.Reason, "database migration") {
		t.Fatalf("Promote while held: %+v, %v", outs, err)
	}
}
