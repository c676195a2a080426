package bot

import (
	"context"
	"strings"
	"testing"

	"github.com/stagehand-gitops/stagehand/internal/githubsim"
	"github.com/stagehand-gitops/stagehand/internal/registry"
)

// TestCallBudget measures the GitHub calls the handler of one image event
// makes: a new tag that opens the dev pull request (dev does not
// auto-merge here), the same tag again, and a newer one. GitHub's webhooks
// are dropped meanwhile, so that what they would set off (checks) is not
// counted.
func TestCallBudget(t *testing.T) {
	pol := strings.Replace(testPolicy, "    autoMerge: true\n", "", 1)
	w := newWorld(t, worldOptions{files: seedFiles(pol)})
	w.sim.SetFaults(githubsim.Faults{WebhookDrop: 1 << 20})
	tests := []struct {
		name          string
		tag           string
		calls, writes int
	}{
		{"new tag opens the dev pull request", "v1.1.0", 8, 4},
		{"same tag again", "v1.1.0", 7, 0},
		{"newer tag updates the pull request", "v1.2.0", 9, 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w.sim.ResetCalls()
			ev := registry.ImagePushed{Host: "ghcr.io", Repository: "acme/web", Tag: tt.tag, Source: "generic"}
			if err := w.bot.Handle(context.Background(), imageDelivery("budget-"+tt.tag, ev, Target{Repo: configRepo, InstallationID: w.sim.InstallationID()})); err != nil {
				t.Fatal(err)
			}
			c := w.sim.Calls()
			t.Logf("%d calls, %d writes: %v", c.Total(), c.Writes, c.Log)
			if c.Total() > tt.calls || c.Writes != tt.writes {
				t.Errorf("%d calls (%d writes), want at most %d with %d writes: %v", c.Total(), c.Writes, tt.calls, tt.writes, c.Log)
			}
		})
	}
	if prs := w.pulls(); len(prs) != 1 || prs[0].Title != "Promote web to dev: v1.0.0 → v1.2.0" {
		t.Fatalf("pull requests %+v", prs)
	}
}
