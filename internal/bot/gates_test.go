package bot

import (
	"context"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-github/v62/github"

	"github.com/stagehand-gitops/stagehand/internal/event"
	"github.com/stagehand-gitops/stagehand/internal/forge"
	"github.com/stagehand-gitops/stagehand/internal/githubsim"
)

// TestChecksForgedCommitDate: a soak counts from when GitHub merged the
// pull request that brought the version, never from a commit's own date,
// which whoever pushes sets.
func TestChecksForgedCommitDate(t *testing.T) {
	prod, staging := "apps/web/overlays/prod/kustomization.yaml", "apps/web/overlays/staging/kustomization.yaml"
	tests := []struct {
		name    string
		viaPull bool // the forged commit reaches main through a merged pull request
		status  string
		reason  string
	}{
		{"pushed to main, dated two days back", false, "failure", "reached the base branch without a pull request"},
		{"merged in a pull request, dated two days back", true, "in_progress", "soaking in staging: 1h0m0s left of 1h0m0s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := checksWorld(t)
			back := w.clock.Now().Add(-48 * time.Hour)
			if !tt.viaPull {
				w.forgedCommit("dev", "main", map[string]string{staging: checksOverlay("v1.2.0")}, back)
			} else {
				w.forgedCommit("dev", "forged", map[string]string{staging: checksOverlay("v1.2.0")}, back)
				n, err := w.sim.OpenPR("dev", configRepo, "forged", "main", "Staging v1.2.0", "")
				if err != nil {
					t.Fatal(err)
				}
				w.settle()
				if _, err := w.sim.Merge("alice", configRepo, n, "merge"); err != nil {
					t.Fatal(err)
				}
			}
			w.settle()
			w.propose("prod-v1.2.0", map[string]string{prod: checksOverlay("v1.2.0")})
			run := w.checkRun("prod-v1.2.0", "stagehand/prod")
			got := run.Conclusion
			if run.Status != "completed" {
				got = run.Status
			}
			if got != tt.status || !strings.Contains(run.Summary, tt.reason) {
				t.Fatalf("stagehand/prod is %s, want %s saying %q:\n%s", got, tt.status, tt.reason, run.Summary)
			}
		})
	}
}

// forgedCommit commits files on branch (created from main when missing)
// through the Git Data API as login, with author and committer dated when,
// as anyone who can push may.
func (w *world) forgedCommit(login, branch string, files map[string]string, when time.Time) string {
	w.t.Helper()
	ctx := context.Background()
	gh, err := forge.NewClient(w.sim.URL(), w.sim.Token(login), http.DefaultTransport)
	if err != nil {
		w.t.Fatal(err)
	}
	owner, name, _ := strings.Cut(configRepo, "/")
	main, err := w.sim.RefSHA(configRepo, "main")
	if err != nil {
		w.t.Fatal(err)
	}
	parent, _, err := gh.Git.GetCommit(ctx, owner, name, main)
	if err != nil {
		w.t.Fatal(err)
	}
	var entries []*github.TreeEntry
	for p, content := range files {
		entries = append(entries, &github.TreeEntry{Path: github.String(p), Mode: github.String("100644"), Type: github.String("blob"), Content: github.String(content)})
	}
	tree, _, err := gh.Git.CreateTree(ctx, owner, name, parent.GetTree().GetSHA(), entries)
	if err != nil {
		w.t.Fatal(err)
	}
	sig := &github.CommitAuthor{Name: github.String(login), Email: github.String(login + "@example.com"), Date: &github.Timestamp{Time: when}}
	c, _, err := gh.Git.CreateCommit(ctx, owner, name, &github.Commit{Message: github.String("forged date"), Tree: tree,
		Parents: []*github.Commit{{SHA: github.String(main)}}, Author: sig, Committer: sig}, nil)
	if err != nil {
		w.t.Fatal(err)
	}
	ref := &github.Reference{Ref: github.String("refs/heads/" + branch), Object: &github.GitObject{SHA: c.SHA}}
	if branch == "main" {
		_, _, err = gh.Git.UpdateRef(ctx, owner, name, ref, false)
	} else {
		_, _, err = gh.Git.CreateRef(ctx, owner, name, ref)
	}
	if err != nil {
		w.t.Fatal(err)
	}
	return c.GetSHA()
}

// TestChecksHealth: with requireHealthy, stagehand/prod fails until the
// commit that brought the version into staging is reported healthy, by a
// commit status or a deployment status on it; a success posted elsewhere
// does not count. The success re-runs the check.
func TestChecksHealth(t *testing.T) {
	pol := strings.Replace(checksPolicy, "    soak: 1h\n", "    requireHealthy: true\n", 1)
	prod := "apps/web/overlays/prod/kustomization.yaml"
	tests := []struct {
		name   string
		report func(w *world, merged string)
	}{
		{"commit status", func(w *world, merged string) {
			if err := w.sim.SetStatus("ci", configRepo, merged, "argocd/staging", "success", "Healthy"); err != nil {
				w.t.Fatal(err)
			}
		}},
		{"deployment status", func(w *world, merged string) {
			id, err := w.sim.CreateDeployment("ci", configRepo, merged, "staging")
			if err != nil {
				w.t.Fatal(err)
			}
			if err := w.sim.SetDeploymentStatus("ci", configRepo, id, "success"); err != nil {
				w.t.Fatal(err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := checksWorldWith(t, pol)
			w.propose("prod-v1.1.0", map[string]string{prod: checksOverlay("v1.1.0")})
			run := w.checkRun("prod-v1.1.0", "stagehand/prod")
			if run.Conclusion != "failure" || !strings.Contains(run.Summary, "staging has not reported `v1.1.0` healthy") {
				t.Fatalf("stagehand/prod before any health report: %s %s\n%s", run.Status, run.Conclusion, run.Summary)
			}
			checksGolden(t, filepath.Join("testdata", "checks", "health-fail.md"), run.Summary)
			// A success on the pull request's own head is not staging's health.
			head, err := w.sim.RefSHA(configRepo, "prod-v1.1.0")
			if err != nil {
				t.Fatal(err)
			}
			tt.report(w, head)
			w.settle()
			if run := w.checkRun("prod-v1.1.0", "stagehand/prod"); run.Conclusion != "failure" {
				t.Fatalf("a success on another commit passed the health rule: %s %s\n%s", run.Status, run.Conclusion, run.Summary)
			}
			tt.report(w, w.stagingMerge())
			w.settle()
			run = w.checkRun("prod-v1.1.0", "stagehand/prod")
			if run.Conclusion != "success" || !strings.Contains(run.Summary, "staging reports `v1.1.0` healthy") {
				t.Fatalf("stagehand/prod once staging is healthy: %s %s\n%s", run.Status, run.Conclusion, run.Summary)
			}
		})
	}
}

// stagingMerge is the merge commit of the pull request that brought staging
// its version.
func (w *world) stagingMerge() string {
	w.t.Helper()
	for _, pr := range w.pulls() {
		if strings.HasPrefix(pr.Head, "staging-") && pr.Merged {
			return pr.MergeCommitSHA
		}
	}
	w.t.Fatal("no merged staging pull request")
	return ""
}

// TestChecksCallBudget measures the GitHub calls of one evaluation of a
// prod pull request's checks (order and soak read staging's history) and
// of the same with the rollback label a non-promoter added.
func TestChecksCallBudget(t *testing.T) {
	w := checksWorld(t)
	prod := "apps/web/overlays/prod/kustomization.yaml"
	n := w.propose("prod-v1.1.0", map[string]string{prod: checksOverlay("v1.1.0")})
	w.sim.SetFaults(githubsim.Faults{WebhookDrop: 1 << 20})
	for _, tt := range []struct {
		name  string
		label string
		calls int
	}{
		{"prod pull request", "", 7},
		{"with a rollback label", "rollback", 9},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if tt.label != "" {
				if err := w.sim.AddLabel("dev", configRepo, n, tt.label); err != nil {
					t.Fatal(err)
				}
			}
			w.sim.ResetCalls()
			d := event.Delivery{ID: "budget-" + tt.name, Event: EventChecks, Repo: configRepo, InstallationID: w.sim.InstallationID(), Payload: ChecksDue{Number: n}}
			if err := w.bot.Handle(context.Background(), d); err != nil {
				t.Fatal(err)
			}
			c := w.sim.Calls()
			t.Logf("%d calls, %d writes: %v", c.Total(), c.Writes, c.Log)
			if c.Total() > tt.calls {
				t.Errorf("%d calls, want at most %d: %v", c.Total(), tt.calls, c.Log)
			}
		})
	}
}
