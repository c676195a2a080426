package githubsim

import (
	"strings"
	"testing"

	"github.com/google/go-github/v62/github"

	"github.com/stagehand-gitops/stagehand/internal/githubsim/contract"
)

// TestContractSweep calls every served operation once through go-github; the contract
// validator (wired by default) fails the test on any request or response GitHub's
// description does not allow.
func TestContractSweep(t *testing.T) {
	f := newFixture(t, Options{})
	if err := f.sim.Protect(testRepo, "main", &Protection{RequiredChecks: []RequiredCheck{{Context: "ci"}}, RequiredApprovals: 1}); err != nil {
		t.Fatal(err)
	}
	app := appClient(t, f)
	inst := f.client(t, "")
	alice := f.client(t, "alice")
	_, n := openPR(t, f, "feature", map[string]string{"a.txt": "a\n"})
	head, _ := f.sim.RefSHA(testRepo, "feature")
	run, _, err := inst.Checks.CreateCheckRun(f.ctx, "acme", "config", github.CreateCheckRunOptions{Name: "ci", HeadSHA: head,
		Output: &github.CheckRunOutput{Title: github.String("t"), Summary: github.String("s"), Annotations: annotations(2)}})
	if err != nil {
		t.Fatal(err)
	}
	cm, _, err := inst.Issues.CreateComment(f.ctx, "acme", "config", n, &github.IssueComment{Body: github.String("hi")})
	if err != nil {
		t.Fatal(err)
	}
	dep, _, err := inst.Repositories.CreateDeployment(f.ctx, "acme", "config", &github.DeploymentRequest{Ref: github.String("main"), RequiredContexts: &[]string{}})
	if err != nil {
		t.Fatal(err)
	}
	calls := []struct {
		name string
		call func() (*github.Response, error)
	}{
		{"apps/get-authenticated", func() (*github.Response, error) { _, r, err := app.Apps.Get(f.ctx, ""); return r, err }},
		{"apps/get-installation", func() (*github.Response, error) {
			_, r, err := app.Apps.GetInstallation(f.ctx, f.sim.InstallationID())
			return r, err
		}},
		{"rate-limit/get", func() (*github.Response, error) { _, r, err := inst.RateLimit.Get(f.ctx); return r, err }},
		{"repos/get-branch-protection", func() (*github.Response, error) {
			_, r, err := alice.Repositories.GetBranchProtection(f.ctx, "acme", "config", "main")
			return r, err
		}},
		{"repos/get-commit", func() (*github.Response, error) {
			_, r, err := inst.Repositories.GetCommit(f.ctx, "acme", "config", head, nil)
			return r, err
		}},
		{"issues/list-for-repo", func() (*github.Response, error) {
			_, r, err := inst.Issues.ListByRepo(f.ctx, "acme", "config", nil)
			return r, err
		}},
		{"issues/get", func() (*github.Response, error) {
			_, r, err := inst.Issues.Get(f.ctx, "acme", "config", n)
			return r, err
		}},
		{"issues/create", func() (*github.Response, error) {
			_, r, err := inst.Issues.Create(f.ctx, "acme", "config", &github.IssueRequest{Title: github.String("hold web"), Labels: &[]string{"hold"}})
			return r, err
		}},
		{"issues/update", func() (*github.Response, error) {
			_, r, err := inst.Issues.Edit(f.ctx, "acme", "config", n, &github.IssueRequest{Body: github.String("new body")})
			return r, err
		}},
		{"issues/set-labels", func() (*github.Response, error) {
			_, r, err := inst.Issues.ReplaceLabelsForIssue(f.ctx, "acme", "config", n, []string{"stagehand"})
			return r, err
		}},
		{"issues/get-comment", func() (*github.Response, error) {
			_, r, err := inst.Issues.GetComment(f.ctx, "acme", "config", cm.GetID())
			return r, err
		}},
		{"reactions/list-for-issue-comment", func() (*github.Response, error) {
			_, r, err := inst.Reactions.ListIssueCommentReactions(f.ctx, "acme", "config", cm.GetID(), nil)
			return r, err
		}},
		{"pulls/create-review", func() (*github.Response, error) {
			_, r, err := alice.PullRequests.CreateReview(f.ctx, "acme", "config", n, &github.PullRequestReviewRequest{Event: github.String("APPROVE")})
			return r, err
		}},
		{"pulls/list-reviews", func() (*github.Response, error) {
			_, r, err := inst.PullRequests.ListReviews(f.ctx, "acme", "config", n, nil)
			return r, err
		}},
		{"checks/get", func() (*github.Response, error) {
			_, r, err := inst.Checks.GetCheckRun(f.ctx, "acme", "config", run.GetID())
			return r, err
		}},
		{"checks/list-annotations", func() (*github.Response, error) {
			_, r, err := inst.Checks.ListCheckRunAnnotations(f.ctx, "acme", "config", run.GetID(), nil)
			return r, err
		}},
		{"checks/rerequest-run", func() (*github.Response, error) {
			return inst.Checks.ReRequestCheckRun(f.ctx, "acme", "config", run.GetID())
		}},
		{"repos/list-commit-statuses-for-ref", func() (*github.Response, error) {
			_, r, err := inst.Repositories.ListStatuses(f.ctx, "acme", "config", "main", nil)
			return r, err
		}},
		{"repos/get-deployment", func() (*github.Response, error) {
			_, r, err := inst.Repositories.GetDeployment(f.ctx, "acme", "config", dep.GetID())
			return r, err
		}},
		{"repos/create-deployment-status", func() (*github.Response, error) {
			_, r, err := inst.Repositories.CreateDeploymentStatus(f.ctx, "acme", "config", dep.GetID(), &github.DeploymentStatusRequest{State: github.String("success")})
			return r, err
		}},
		{"git/get-tree recursive", func() (*github.Response, error) {
			_, r, err := inst.Git.GetTree(f.ctx, "acme", "config", "main", true)
			return r, err
		}},
		{"git/get-blob", func() (*github.Response, error) {
			tree, _, err := inst.Git.GetTree(f.ctx, "acme", "config", "main", false)
			if err != nil {
				return nil, err
			}
			_, r, err := inst.Git.GetBlob(f.ctx, "acme", "config", tree.Entries[0].GetSHA())
			return r, err
		}},
		{"repos/get-branch", func() (*github.Response, error) {
			b, r, err := inst.Repositories.GetBranch(f.ctx, "acme", "config", "main", 0)
			if err == nil && !b.GetProtected() {
				t.Errorf("main is protected")
			}
			return r, err
		}},
		{"repos/get-branch with slashes", func() (*github.Response, error) {
			if _, err := f.sim.Push("dev", testRepo, "stagehand/dev/web", "x", map[string]string{"x": "x"}); err != nil {
				return nil, err
			}
			_, r, err := inst.Repositories.GetBranch(f.ctx, "acme", "config", "stagehand/dev/web", 0)
			return r, err
		}},
		{"pulls/list-commits", func() (*github.Response, error) {
			cs, r, err := inst.PullRequests.ListCommits(f.ctx, "acme", "config", n, nil)
			if err == nil && len(cs) != 1 {
				t.Errorf("PR commits = %d, want 1", len(cs))
			}
			return r, err
		}},
		{"issues/list-events", func() (*github.Response, error) {
			if err := f.sim.AddLabel("triager", testRepo, n, "stagehand/emergency"); err != nil {
				return nil, err
			}
			evs, r, err := inst.Issues.ListIssueEvents(f.ctx, "acme", "config", n, nil)
			if err == nil && (len(evs) == 0 || evs[len(evs)-1].GetActor().GetLogin() != "triager" || evs[len(evs)-1].GetLabel().GetName() != "stagehand/emergency") {
				t.Errorf("the last event should say triager added stagehand/emergency: %v", evs)
			}
			return r, err
		}},
		{"repos/get", func() (*github.Response, error) {
			_, r, err := inst.Repositories.Get(f.ctx, "acme", "config")
			return r, err
		}},
		{"pulls/get", func() (*github.Response, error) {
			_, r, err := inst.PullRequests.Get(f.ctx, "acme", "config", n)
			return r, err
		}},
	}
	for _, c := range calls {
		t.Run(c.name, func(t *testing.T) {
			if op := strings.Fields(c.name)[0]; !inContract(op) {
				t.Fatalf("%s is served but not in the trimmed API description: add it to contract.Operations and run make openapi", op)
			}
			resp, err := c.call()
			if statusOf(resp) >= 300 {
				t.Fatalf("status %d: %v", statusOf(resp), err)
			}
		})
	}
	if v := f.sim.Violations(); len(v) > 0 {
		t.Errorf("%d contract violations", len(v))
	}
}

// inContract reports whether the trimmed description holds an operation.
func inContract(op string) bool {
	for _, o := range contract.Operations {
		if o.ID == op {
			return true
		}
	}
	return false
}
