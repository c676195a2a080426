package forge

import (
	"context"
	"fmt"
	"io/fs"
	"testing"
	"time"

	"github.com/google/go-github/v62/github"
)

func TestPathHistory(t *testing.T) {
	e := newEnv(t, envOptions{})
	ctx := context.Background()
	var shas []string
	for i := range 3 {
		res, err := e.forge.Commit(ctx, testRepo, "main", "", fmt.Sprintf("bump %d\n", i), promotion(fmt.Sprintf("v1.%d.0", i+1)).Edit, CommitOptions{})
		if err != nil {
			t.Fatal(err)
		}
		shas = append(shas, res.SHA)
		if _, err := e.forge.Commit(ctx, testRepo, "main", "", "other\n", func(fs.FS) (map[string][]byte, error) {
			return map[string][]byte{fmt.Sprintf("other-%d", i): []byte("x\n")}, nil
		}, CommitOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	for _, tt := range []struct {
		limit int
		want  []string
	}{{1, shas[2:]}, {2, []string{shas[2], shas[1]}}, {10, []string{shas[2], shas[1], shas[0], e.head}}} {
		t.Run(fmt.Sprint(tt.limit), func(t *testing.T) {
			got, err := e.forge.PathHistory(ctx, testRepo, "main", devOverlay, tt.limit)
			if err != nil {
				t.Fatal(err)
			}
			var have []string
			for _, c := range got {
				have = append(have, c.GetSHA())
			}
			if fmt.Sprint(have) != fmt.Sprint(tt.want) {
				t.Fatalf("history %v, want %v", have, tt.want)
			}
		})
	}
}

func TestHealthy(t *testing.T) {
	tests := []struct {
		name   string
		report func(ctx context.Context, gh *github.Client, sha string) error
		env    string
		want   bool
	}{
		{"nothing reported", func(context.Context, *github.Client, string) error { return nil }, "", false},
		{"a successful commit status", func(ctx context.Context, gh *github.Client, sha string) error {
			_, _, err := gh.Repositories.CreateStatus(ctx, testRepo.Owner, testRepo.Name, sha,
				&github.RepoStatus{State: github.String("success"), Context: github.String("argocd/dev")})
			return err
		}, "", true},
		{"a failing commit status", func(ctx context.Context, gh *github.Client, sha string) error {
			_, _, err := gh.Repositories.CreateStatus(ctx, testRepo.Owner, testRepo.Name, sha,
				&github.RepoStatus{State: github.String("failure"), Context: github.String("argocd/dev")})
			return err
		}, "", false},
		{"a successful deployment to the environment", deploy("dev", "success"), "dev", true},
		{"a deployment to another environment", deploy("prod", "success"), "dev", false},
		{"a failed deployment", deploy("dev", "failure"), "dev", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, envOptions{})
			ctx := context.Background()
			if err := tt.report(ctx, e.forge.Client(), e.head); err != nil {
				t.Fatal(err)
			}
			got, err := e.forge.Healthy(ctx, testRepo, e.head, tt.env)
			if err != nil || got != tt.want {
				t.Fatalf("Healthy = %v, %v; want %v", got, err, tt.want)
			}
		})
	}
}

func deploy(env, state string) func(context.Context, *github.Client, string) error {
	return func(ctx context.Context, gh *github.Client, sha string) error {
		d, _, err := gh.Repositories.CreateDeployment(ctx, testRepo.Owner, testRepo.Name, &github.DeploymentRequest{
			Ref: github.String(sha), Environment: github.String(env), AutoMerge: github.Bool(false), RequiredContexts: &[]string{},
		})
		if err != nil {
			return err
		}
		_, _, err = gh.Repositories.CreateDeploymentStatus(ctx, testRepo.Owner, testRepo.Name, d.GetID(),
			&github.DeploymentStatusRequest{State: github.String(state)})
		return err
	}
}

func TestOpenProposalsAndDeleteBranch(t *testing.T) {
	e := newEnv(t, envOptions{})
	ctx := context.Background()
	for _, p := range []Proposal{promotion("v1.1.0"), withBranch(promotion("v1.1.0"), "feature/manual")} {
		if _, err := e.forge.Propose(ctx, testRepo, p); err != nil {
			t.Fatal(err)
		}
	}
	restarted := e.coldForge(t)
	prs, err := restarted.OpenProposals(ctx, testRepo, "stagehand/")
	if err != nil || len(prs) != 1 || prs[0].GetHead().GetRef() != "stagehand/dev/web" {
		t.Fatalf("proposals %v, %v", prs, err)
	}
	e.calls()
	if _, err := restarted.Propose(ctx, testRepo, promotion("v1.1.0")); err != nil {
		t.Fatal(err)
	}
	// Knowing the branch, the restarted process does not try to create it.
	if c := e.calls(); c.Writes != 0 {
		t.Fatalf("calls after listing proposals: %v", c.Log)
	}
	for range 2 { // deleting twice is fine
		if err := e.forge.DeleteBranch(ctx, testRepo, "feature/manual"); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.forge.Head(ctx, testRepo, "feature/manual"); !errorsIsNotExist(err) {
		t.Fatalf("branch still there: %v", err)
	}
}

func withBranch(p Proposal, branch string) Proposal {
	p.Branch = branch
	return p
}

// TestLanded: a commit's time on the branch is the merged_at of the pull
// request that brought it, whether asked about the pull request's own
// commit or its merge commit; a commit pushed to the branch directly has
// none. Arrival reports that time, not the commit's date.
func TestLanded(t *testing.T) {
	e := newEnv(t, envOptions{})
	ctx := context.Background()
	proposed, err := e.sim.Push("dev", testRepo.String(), "feature", "bump", map[string]string{devOverlay: "resources:\n- ../../base\nimages:\n- name: ghcr.io/acme/web\n  newTag: v1.1.0\n"})
	if err != nil {
		t.Fatal(err)
	}
	n, err := e.sim.OpenPR("dev", testRepo.String(), "feature", "main", "Bump", "")
	if err != nil {
		t.Fatal(err)
	}
	_ = e.clock.Sleep(ctx, 3*time.Hour)
	merged := e.clock.Now()
	mergeCommit, err := e.sim.Merge("alice", testRepo.String(), n, "merge")
	if err != nil {
		t.Fatal(err)
	}
	_ = e.clock.Sleep(ctx, time.Hour)
	for _, tt := range []struct {
		name, sha string
		want      Landing
		ok        bool
	}{
		{"the pull request's commit", proposed, Landing{PR: n, Commit: mergeCommit, When: merged}, true},
		{"the merge commit", mergeCommit, Landing{PR: n, Commit: mergeCommit, When: merged}, true},
		{"a direct push", e.head, Landing{}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e.sim.ResetCalls()
			got, ok, err := e.forge.Landed(ctx, testRepo, "main", tt.sha)
			if err != nil {
				t.Fatal(err)
			}
			if ok != tt.ok || got.PR != tt.want.PR || got.Commit != tt.want.Commit || !got.When.Equal(tt.want.When) {
				t.Errorf("Landed = %+v %v, want %+v %v", got, ok, tt.want, tt.ok)
			}
			assertOps(t, e.sim.Calls(), map[string]int{"repos/list-pull-requests-associated-with-commit": 1})
		})
	}
	arr, err := e.forge.Arrival(ctx, testRepo, "main", []string{devOverlay})
	if err != nil {
		t.Fatal(err)
	}
	if arr.SHA != mergeCommit || !arr.When.Equal(merged) {
		t.Errorf("Arrival = %+v, want %s at %s", arr, mergeCommit, merged)
	}
}
