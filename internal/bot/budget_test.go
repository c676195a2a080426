package bot

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-github/v62/github"

	"github.com/stagehand-gitops/stagehand/internal/event"
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
		// GitHub's API cannot make a forced move conditional, so the move
		// is made under a lock ref (two writes: create and delete) and the
		// branch is read again inside it.
		{"newer tag updates the pull request", "v1.2.0", 12, 6},
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

// TestMergedBranchDeleted: the branch of a merged promotion pull request is
// deleted, so the next tag for the app creates it afresh at the cost of a
// new proposal; a late webhook for the merge leaves a branch that has moved
// on (and its open pull request) alone.
func TestMergedBranchDeleted(t *testing.T) {
	pol := strings.Replace(testPolicy, "    autoMerge: true\n", "", 1)
	const branch = "stagehand/dev/web"
	tests := []struct {
		name string
		late bool // the merge's webhook arrives after the next tag's proposal
	}{
		{"merge webhook in order deletes the branch", false},
		{"late merge webhook keeps the newer proposal", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t, worldOptions{files: seedFiles(pol)})
			w.publish("v1.1.0")
			first := w.open()[branch]
			if tt.late {
				w.sim.SetFaults(githubsim.Faults{WebhookDrop: 1 << 20})
			}
			if _, err := w.sim.Merge("alice", configRepo, first.Number, "merge"); err != nil {
				t.Fatal(err)
			}
			w.settle()
			if got := w.hasBranch(branch); got != tt.late {
				t.Fatalf("after the merge, branch %s exists: %v, want %v", branch, got, tt.late)
			}
			w.sim.SetFaults(githubsim.Faults{WebhookDrop: 1 << 20})
			w.sim.ResetCalls()
			ev := registry.ImagePushed{Host: "ghcr.io", Repository: "acme/web", Tag: "v1.2.0", Source: "generic"}
			if err := w.bot.Handle(context.Background(), imageDelivery("next", ev, Target{Repo: configRepo, InstallationID: w.sim.InstallationID()})); err != nil {
				t.Fatal(err)
			}
			c := w.sim.Calls()
			t.Logf("next tag after the merge: %d calls, %d writes: %v", c.Total(), c.Writes, c.Log)
			if !tt.late && (c.Total() > 8 || c.Writes != 4) {
				t.Errorf("next tag after the merge: %d calls (%d writes), want at most 8 with 4 writes: %v", c.Total(), c.Writes, c.Log)
			}
			second, ok := w.open()[branch]
			if !ok || second.Number == first.Number {
				t.Fatalf("open pull requests %+v, want a new one for %s", w.open(), branch)
			}
			if tt.late {
				// The merge's pull_request webhook, delivered only now.
				w.sim.SetFaults(githubsim.Faults{})
				merged := w.pulls()[0]
				d := pullRequestClosed(t, merged, w.sim.InstallationID())
				if err := w.bot.Handle(context.Background(), d); err != nil {
					t.Fatal(err)
				}
				w.settle()
			}
			if _, ok := w.open()[branch]; !ok || !w.hasBranch(branch) {
				t.Errorf("the newer proposal's pull request was closed: %+v", w.pulls())
			}
		})
	}
}

func (w *world) hasBranch(name string) bool {
	w.t.Helper()
	branches, err := w.sim.Branches(configRepo)
	if err != nil {
		w.t.Fatal(err)
	}
	return slices.Contains(branches, name)
}

// pullRequestClosed is the pull_request "closed" delivery GitHub sends when
// pr merges.
func pullRequestClosed(t *testing.T, pr githubsim.PullRequest, installation int64) event.Delivery {
	t.Helper()
	payload := &github.PullRequestEvent{Action: github.String("closed"), PullRequest: &github.PullRequest{
		Number: github.Int(pr.Number), State: github.String("closed"), Merged: github.Bool(true),
		Head: &github.PullRequestBranch{Ref: github.String(pr.Head), SHA: github.String(pr.HeadSHA)},
		Base: &github.PullRequestBranch{Ref: github.String(pr.Base)},
	}}
	return event.Delivery{ID: "late-merge", Event: "pull_request", Action: "closed", Repo: configRepo, InstallationID: installation, Payload: payload}
}
