package forge

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stagehand-gitops/stagehand/internal/githubsim"
)

// TestConvergeAfterFailure: an operation that fails half-way and is run
// again, by the same process or a fresh one, ends where one clean run
// would: one closing comment, every label, no blind overwrite of a branch.
func TestConvergeAfterFailure(t *testing.T) {
	ctx := context.Background()
	t.Run("a close that fails after its comment comments once when retried", func(t *testing.T) {
		e := newEnv(t, envOptions{})
		res, err := e.forge.Propose(ctx, testRepo, promotion("v1.1.0"))
		if err != nil {
			t.Fatal(err)
		}
		n := res.PR.GetNumber()
		// PATCH is retried by the transport: fail every attempt of the first close.
		e.sim.SetFaults(githubsim.Faults{Errors: 4, Operations: []string{"pulls/update"}})
		if err := e.forge.ClosePR(ctx, testRepo, n, "Closing: nothing left to merge."); err == nil {
			t.Fatal("close succeeded through injected errors")
		}
		e.sim.SetFaults(githubsim.Faults{})
		if err := e.coldForge(t).ClosePR(ctx, testRepo, n, "Closing: nothing left to merge."); err != nil {
			t.Fatal(err)
		}
		comments, err := e.sim.Comments(testRepo.String(), n)
		if err != nil {
			t.Fatal(err)
		}
		if len(comments) != 1 || !strings.Contains(comments[0].Body, "nothing left to merge") {
			t.Fatalf("comments %+v; want one closing comment", comments)
		}
		if pr := simPull(t, e, n); pr.State != "closed" {
			t.Fatalf("state %q", pr.State)
		}
	})
	for _, retry := range []string{"same process", "fresh process"} {
		t.Run("labels lost to a 5xx after the pull request opened are added by the next run: "+retry, func(t *testing.T) {
			e := newEnv(t, envOptions{})
			e.sim.SetFaults(githubsim.Faults{Errors: 1, Operations: []string{"issues/add-labels"}})
			if _, err := e.forge.Propose(ctx, testRepo, promotion("v1.1.0")); err == nil {
				t.Fatal("propose succeeded through an injected error")
			}
			e.sim.SetFaults(githubsim.Faults{})
			f := e.forge
			if retry == "fresh process" {
				f = e.coldForge(t)
			}
			res, err := f.Propose(ctx, testRepo, promotion("v1.1.0"))
			if err != nil {
				t.Fatal(err)
			}
			if res.Written {
				t.Errorf("the retry wrote a commit again")
			}
			pr := simPull(t, e, res.PR.GetNumber())
			if !slices.Equal(pr.Labels, []string{"env:dev", "stagehand"}) && !slices.Equal(pr.Labels, []string{"stagehand", "env:dev"}) {
				t.Fatalf("labels %v; want stagehand and env:dev", pr.Labels)
			}
			if prs, _ := e.sim.PullRequests(testRepo.String()); len(prs) != 1 {
				t.Fatalf("%d pull requests; want 1", len(prs))
			}
		})
	}
	t.Run("a supersede that finds the branch moved under it judges the new head instead of overwriting it", func(t *testing.T) {
		e := newEnv(t, envOptions{})
		if _, err := e.forge.Propose(ctx, testRepo, promotion("v1.1.0")); err != nil {
			t.Fatal(err)
		}
		// A second replica makes the same newer proposal while this one
		// writes its commit: the branch moves between read and write.
		other := e.coldForge(t)
		var started atomic.Bool
		var mu sync.Mutex // the hook runs on the simulator's goroutine
		var theirs ProposalResult
		var theirErr error
		e.sim.OnRequest(func(op string, _ *http.Request) {
			if op == "git/create-tree" && started.CompareAndSwap(false, true) {
				res, err := other.Propose(ctx, testRepo, promotion("v1.2.0"))
				mu.Lock()
				theirs, theirErr = res, err
				mu.Unlock()
			}
		})
		ours, err := e.forge.Propose(ctx, testRepo, promotion("v1.2.0"))
		e.sim.OnRequest(nil)
		mu.Lock()
		defer mu.Unlock()
		if err != nil || theirErr != nil {
			t.Fatal(err, theirErr)
		}
		if !theirs.Written {
			t.Fatalf("the other replica wrote nothing: %+v", theirs)
		}
		head, err := e.forge.Head(ctx, testRepo, "stagehand/dev/web")
		if err != nil {
			t.Fatal(err)
		}
		if ours.Written || ours.Commit != theirs.Commit || head != theirs.Commit {
			t.Fatalf("ours wrote %v at %s, theirs %s, head %s; want the branch left at theirs", ours.Written, ours.Commit, theirs.Commit, head)
		}
	})
}

// simPull returns the simulator's view of pull request n.
func simPull(t *testing.T, e *env, n int) githubsim.PullRequest {
	t.Helper()
	prs, err := e.sim.PullRequests(testRepo.String())
	if err != nil {
		t.Fatal(err)
	}
	for _, pr := range prs {
		if pr.Number == n {
			return pr
		}
	}
	t.Fatalf("no pull request #%d", n)
	return githubsim.PullRequest{}
}
