package bot

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/stagehand-gitops/stagehand/internal/githubsim"
	"github.com/stagehand-gitops/stagehand/internal/promote"
	"github.com/stagehand-gitops/stagehand/internal/queue"
	"github.com/stagehand-gitops/stagehand/internal/server"
)

// TestHardStopConverges: Stagehand stops dead at each point of opening the
// staging pull request: after the webhook that should open it was accepted
// (202) and before its job ran, after the branch was created and before its
// commit, after the commit and before the pull request, after the pull
// request and before its labels. Each stop leaves what it leaves; a fresh
// process on the same GitHub converges at start, with no branch whose tip
// is not its pull request's head and no pull request without its labels,
// and a second start writes nothing.
func TestHardStopConverges(t *testing.T) {
	tests := []struct {
		name string
		// op is the GitHub operation that never answers: the process
		// stopped while it was in flight. Empty: it stopped after the
		// webhook was accepted, before the job ran.
		op string
		// left is what the stop leaves in the repository.
		left func(t *testing.T, w *world)
	}{
		{name: "after the delivery was accepted", left: func(t *testing.T, w *world) {
			if b := w.branches(); slices.Contains(b, "stagehand/staging/web") {
				t.Fatalf("the accepted delivery ran: branches %v", b)
			}
		}},
		{name: "between the branch and its commit", op: "repos/create-or-update-file-contents", left: func(t *testing.T, w *world) {
			if sha, _ := w.sim.RefSHA(configRepo, "heads/stagehand/staging/web"); sha == "" {
				t.Fatal("no branch was left behind")
			}
		}},
		{name: "between the commit and the pull request", op: "pulls/create", left: func(t *testing.T, w *world) {
			if _, ok := w.open()["stagehand/staging/web"]; ok {
				t.Fatal("the pull request opened")
			}
			if !strings.Contains(w.file("stagehand/staging/web", "apps/web/overlays/staging/kustomization.yaml"), "v1.1.0") {
				t.Fatal("the branch does not hold the commit")
			}
		}},
		{name: "between the pull request and its labels", op: "issues/add-labels", left: func(t *testing.T, w *world) {
			if pr, ok := w.open()["stagehand/staging/web"]; !ok || len(pr.Labels) != 0 {
				t.Fatalf("want an unlabelled pull request, have %+v (open %v)", pr, ok)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t, worldOptions{})
			w.publish("v1.1.0")
			dev := w.pulls()[0]
			if !dev.Merged {
				t.Fatalf("dev not merged: %+v", dev)
			}
			// dev has soaked; the status that it is healthy is what opens staging.
			w.sched.advance(time.Hour)
			w.settle()
			if tt.op == "" {
				w.acceptOnly()
			} else {
				// Every try fails, also those the client retries by itself.
				w.sim.SetFaults(githubsim.Faults{Errors: 100, Operations: []string{tt.op}})
			}
			if err := w.sim.SetStatus("alice", configRepo, dev.MergeCommitSHA, "argocd/dev", "success", "Healthy"); err != nil {
				t.Fatal(err)
			}
			errs := w.settleErrors()
			w.sim.SetFaults(githubsim.Faults{})
			if tt.op != "" && len(errs) == 0 {
				t.Fatalf("nothing failed at %s; decisions %q", tt.op, w.decisions())
			}
			tt.left(t, w)
			// What a stop inside the write leaves is what the check below catches.
			if err := w.halfWritten(); (err != nil) != (tt.op != "") {
				t.Fatalf("before the restart: %v; want half-written %v", err, tt.op != "")
			}

			w.restart()
			pr, ok := w.open()["stagehand/staging/web"]
			if !ok || !strings.HasPrefix(pr.Title, "Promote web to staging") {
				t.Fatalf("no staging pull request after the restart: %+v; decisions %q", w.open(), w.decisions())
			}
			if err := w.halfWritten(); err != nil {
				t.Fatal(err)
			}
			w.sim.ResetCalls()
			w.restart()
			if c := w.sim.Calls(); c.Writes != 0 {
				t.Fatalf("a second start wrote: %v", c.Log)
			}
		})
	}
}

// acceptOnly makes the webhook endpoint answer as Stagehand does (verified,
// 202) while its queue is gone: the process dies right after accepting.
func (w *world) acceptOnly() {
	w.t.Helper()
	sc := w.serverConfig
	sc.Handler, sc.Routes, sc.Registry, sc.Queue = w.bot, w.bot.Index(), prometheus.NewRegistry(), lostQueue{}
	srv, err := server.New(sc)
	if err != nil {
		w.t.Fatal(err)
	}
	w.serve(srv)
}

// lostQueue accepts every job and runs none.
type lostQueue struct{}

func (lostQueue) Enqueue(queue.Job) error { return nil }

// branches lists the config repository's branches.
func (w *world) branches() []string {
	w.t.Helper()
	b, err := w.sim.Branches(configRepo)
	if err != nil {
		w.t.Fatal(err)
	}
	return b
}

// halfWritten reports what a stop left half-written in the config
// repository: a promotion branch whose tip is no pull request's head, an
// open promotion pull request without its labels, or two open pull
// requests from one branch.
func (w *world) halfWritten() error {
	return halfWritten(w.sim, configRepo)
}

func halfWritten(sim *githubsim.Sim, repo string) error {
	prs, err := sim.PullRequests(repo)
	if err != nil {
		return err
	}
	branches, err := sim.Branches(repo)
	if err != nil {
		return err
	}
	var problems []string
	open := map[string]int{}
	for _, pr := range prs {
		env, _, ok := promotionBranch(pr.Head)
		if !ok || pr.State != "open" {
			continue
		}
		if open[pr.Head]++; open[pr.Head] == 2 {
			problems = append(problems, fmt.Sprintf("two open pull requests from %s", pr.Head))
		}
		for _, l := range promote.Labels(env) {
			if !slices.Contains(pr.Labels, l) {
				problems = append(problems, fmt.Sprintf("#%d (%s) lacks the label %s: %v", pr.Number, pr.Head, l, pr.Labels))
			}
		}
	}
	for _, b := range branches {
		if _, _, ok := promotionBranch(b); !ok {
			continue
		}
		tip, err := sim.RefSHA(repo, "heads/"+b)
		if err != nil {
			return err
		}
		if !slices.ContainsFunc(prs, func(pr githubsim.PullRequest) bool { return pr.Head == b && pr.HeadSHA == tip }) {
			problems = append(problems, fmt.Sprintf("branch %s at %.7s is no pull request's head", b, tip))
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("half-written in %s:\n%s", repo, strings.Join(problems, "\n"))
	}
	return nil
}

// promotionBranch splits a promotion branch name, stagehand/<env>/<app>.
func promotionBranch(branch string) (env, app string, ok bool) {
	rest, ok := strings.CutPrefix(branch, "stagehand/")
	if !ok {
		return "", "", false
	}
	env, app, ok = strings.Cut(rest, "/")
	return env, app, ok && !strings.Contains(app, "/")
}
