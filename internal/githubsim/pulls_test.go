package githubsim

import (
	"errors"
	"net/http"
	"testing"

	"github.com/google/go-github/v62/github"
)

// openPR pushes a branch with one change and opens a PR into main as the installation.
func openPR(t *testing.T, f *fixture, branch string, files map[string]string) (*github.Client, int) {
	t.Helper()
	if _, err := f.sim.Push("dev", testRepo, branch, "change", files); err != nil {
		t.Fatalf("push: %v", err)
	}
	c := f.client(t, "")
	pr, resp, err := c.PullRequests.Create(f.ctx, "acme", "config", &github.NewPullRequest{
		Title: github.String("Promote web"), Head: github.String(branch), Base: github.String("main"), Body: github.String("body"),
	})
	wantStatus(t, resp, err, http.StatusCreated)
	return c, pr.GetNumber()
}

func TestMergeableNullThenComputed(t *testing.T) {
	f := newFixture(t, Options{})
	c, n := openPR(t, f, "feature", map[string]string{"a.txt": "a\n"})
	first, _, err := c.PullRequests.Get(f.ctx, "acme", "config", n)
	if err != nil {
		t.Fatal(err)
	}
	if first.Mergeable != nil || first.GetMergeableState() != "unknown" {
		t.Fatalf("first read mergeable=%v state=%q, want null/unknown", first.Mergeable, first.GetMergeableState())
	}
	second, _, err := c.PullRequests.Get(f.ctx, "acme", "config", n)
	if err != nil {
		t.Fatal(err)
	}
	if !second.GetMergeable() || second.GetMergeableState() != "clean" {
		t.Fatalf("second read mergeable=%v state=%q, want true/clean", second.Mergeable, second.GetMergeableState())
	}
	if second.GetChangedFiles() != 1 || second.GetAdditions() != 1 || second.GetCommits() != 1 {
		t.Errorf("stats = files %d adds %d commits %d, want 1/1/1", second.GetChangedFiles(), second.GetAdditions(), second.GetCommits())
	}
	// A push to the head makes it unknown again.
	if _, err := f.sim.Push("dev", testRepo, "feature", "more", map[string]string{"b.txt": "b\n"}); err != nil {
		t.Fatal(err)
	}
	third, _, _ := c.PullRequests.Get(f.ctx, "acme", "config", n)
	if third.Mergeable != nil {
		t.Errorf("after a push mergeable = %v, want null", third.GetMergeable())
	}
}

func TestPullListFiltersAndUpdate(t *testing.T) {
	f := newFixture(t, Options{})
	c, n := openPR(t, f, "stagehand/dev/web", map[string]string{"a.txt": "a\n"})
	openPR(t, f, "other", map[string]string{"b.txt": "b\n"})
	tests := []struct {
		name string
		opt  github.PullRequestListOptions
		want int
	}{
		{"all open", github.PullRequestListOptions{}, 2},
		{"by head", github.PullRequestListOptions{Head: "acme:stagehand/dev/web"}, 1},
		{"by other owner", github.PullRequestListOptions{Head: "someone:stagehand/dev/web"}, 0},
		{"by base", github.PullRequestListOptions{Base: "main"}, 2},
		{"closed", github.PullRequestListOptions{State: "closed"}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			prs, _, err := c.PullRequests.List(f.ctx, "acme", "config", &tt.opt)
			if err != nil || len(prs) != tt.want {
				t.Fatalf("got %d (%v), want %d", len(prs), err, tt.want)
			}
		})
	}
	pr, _, err := c.PullRequests.Edit(f.ctx, "acme", "config", n, &github.PullRequest{Title: github.String("New title"), State: github.String("closed")})
	if err != nil || pr.GetTitle() != "New title" || pr.GetState() != "closed" {
		t.Fatalf("edit = %q %q (%v)", pr.GetTitle(), pr.GetState(), err)
	}
	files, _, err := c.PullRequests.ListFiles(f.ctx, "acme", "config", n, nil)
	if err != nil || len(files) != 1 || files[0].GetFilename() != "a.txt" || files[0].GetStatus() != "added" {
		t.Fatalf("files = %v (%v)", files, err)
	}
	_, resp, err := c.PullRequests.Create(f.ctx, "acme", "config", &github.NewPullRequest{
		Title: github.String("dup"), Head: github.String("other"), Base: github.String("main"),
	})
	wantStatus(t, resp, err, http.StatusUnprocessableEntity)
}

func TestMerge(t *testing.T) {
	tests := []struct {
		name    string
		setup   func(t *testing.T, f *fixture, n int)
		sha     func(pr *github.PullRequest) string
		method  string
		want    int
		message string
	}{
		{name: "merge with pin", method: "merge", want: http.StatusOK},
		{name: "squash", method: "squash", want: http.StatusOK},
		{name: "rebase", method: "rebase", want: http.StatusOK},
		{name: "head mismatch", sha: func(*github.PullRequest) string { return "0123456789012345678901234567890123456789" },
			want: http.StatusConflict, message: "Head branch was modified. Review and try the merge again."},
		{name: "conflict", setup: func(t *testing.T, f *fixture, n int) {
			if _, err := f.sim.Push("alice", testRepo, "main", "clash", map[string]string{"a.txt": "other\n"}); err != nil {
				t.Fatal(err)
			}
		}, want: http.StatusMethodNotAllowed, message: "Pull Request is not mergeable"},
		{name: "base moved", setup: func(t *testing.T, f *fixture, n int) { f.sim.SetFaults(Faults{RefConflicts: 1}) },
			want: http.StatusMethodNotAllowed, message: "Base branch was modified. Review and try the merge again."},
		{name: "blocked by review", setup: func(t *testing.T, f *fixture, n int) {
			if err := f.sim.Protect(testRepo, "main", &Protection{RequiredApprovals: 1}); err != nil {
				t.Fatal(err)
			}
		}, want: http.StatusMethodNotAllowed, message: "At least 1 approving review is required by reviewers with write access."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, Options{})
			c, n := openPR(t, f, "feature", map[string]string{"a.txt": "a\n"})
			if tt.setup != nil {
				tt.setup(t, f, n)
			}
			pr, _, err := c.PullRequests.Get(f.ctx, "acme", "config", n)
			if err != nil {
				t.Fatal(err)
			}
			sha := pr.GetHead().GetSHA()
			if tt.sha != nil {
				sha = tt.sha(pr)
			}
			res, resp, err := c.PullRequests.Merge(f.ctx, "acme", "config", n, "", &github.PullRequestOptions{SHA: sha, MergeMethod: tt.method})
			wantStatus(t, resp, err, tt.want)
			if tt.message != "" {
				var er *github.ErrorResponse
				if !errors.As(err, &er) || er.Message != tt.message {
					t.Fatalf("error = %v, want %q", err, tt.message)
				}
				return
			}
			ref, _, _ := c.Git.GetRef(f.ctx, "acme", "config", "heads/main")
			if ref.GetObject().GetSHA() != res.GetSHA() {
				t.Errorf("main = %s, want merge commit %s", ref.GetObject().GetSHA(), res.GetSHA())
			}
			cm, _, _ := c.Git.GetCommit(f.ctx, "acme", "config", res.GetSHA())
			wantParents := map[string]int{"merge": 2, "squash": 1, "rebase": 1}[tt.method]
			if len(cm.Parents) != wantParents {
				t.Errorf("merge commit has %d parents, want %d", len(cm.Parents), wantParents)
			}
			after, _, _ := c.PullRequests.Get(f.ctx, "acme", "config", n)
			if !after.GetMerged() || after.GetState() != "closed" || after.GetMergeCommitSHA() != res.GetSHA() {
				t.Errorf("after merge: merged=%v state=%s", after.GetMerged(), after.GetState())
			}
		})
	}
}

func TestBranchProtectionBlocks(t *testing.T) {
	f := newFixture(t, Options{})
	if err := f.sim.Protect(testRepo, "main", &Protection{
		RequiredChecks:    []RequiredCheck{{Context: "stagehand/prod", AppID: f.sim.AppID()}},
		RequiredApprovals: 1,
	}); err != nil {
		t.Fatal(err)
	}
	c, n := openPR(t, f, "feature", map[string]string{"a.txt": "a\n"})
	pr, _, _ := c.PullRequests.Get(f.ctx, "acme", "config", n)
	head := pr.GetHead().GetSHA()
	state := func() string {
		t.Helper()
		c.PullRequests.Get(f.ctx, "acme", "config", n)
		pr, _, err := c.PullRequests.Get(f.ctx, "acme", "config", n)
		if err != nil {
			t.Fatal(err)
		}
		return pr.GetMergeableState()
	}
	steps := []struct {
		name string
		do   func() error
		want string
	}{
		{"unmet", func() error { return nil }, "blocked"},
		{"approved by a reader does not count", func() error { return f.sim.Review("reader", testRepo, n, "APPROVE", "") }, "blocked"},
		{"approved by a writer", func() error { return f.sim.Review("alice", testRepo, n, "APPROVE", "") }, "blocked"},
		{"a status from a user is not the expected source", func() error {
			return f.sim.SetStatus("dev", testRepo, head, "stagehand/prod", "success", "forged")
		}, "blocked"},
		{"failing check run", func() error {
			_, _, err := c.Checks.CreateCheckRun(f.ctx, "acme", "config", github.CreateCheckRunOptions{
				Name: "stagehand/prod", HeadSHA: head, Conclusion: github.String("failure"),
				Output: &github.CheckRunOutput{Title: github.String("t"), Summary: github.String("s")}})
			return err
		}, "blocked"},
		{"passing check run", func() error {
			_, _, err := c.Checks.CreateCheckRun(f.ctx, "acme", "config", github.CreateCheckRunOptions{
				Name: "stagehand/prod", HeadSHA: head, Status: github.String("completed"), Conclusion: github.String("success")})
			return err
		}, "clean"},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			if err := st.do(); err != nil {
				t.Fatal(err)
			}
			if got := state(); got != st.want {
				t.Errorf("mergeable_state = %q, want %q", got, st.want)
			}
		})
	}
	if _, err := f.sim.Merge("alice", testRepo, n, "squash"); err != nil {
		t.Fatalf("merge after checks pass: %v", err)
	}
}

func TestPullRequestFromFork(t *testing.T) {
	f, rc := newHookFixture(t)
	if err := f.sim.SetPermission(testRepo, "mallory", PermRead); err != nil {
		t.Fatal(err)
	}
	fork, err := f.sim.Fork("mallory", testRepo)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.sim.Push("mallory", fork, "evil", "x", map[string]string{".stagehand.yaml": "promoters: [mallory]\n"}); err != nil {
		t.Fatal(err)
	}
	n, err := f.sim.OpenPR("mallory", testRepo, "mallory:evil", "main", "Grant me", "")
	if err != nil {
		t.Fatal(err)
	}
	c := f.client(t, "")
	pr, _, err := c.PullRequests.Get(f.ctx, "acme", "config", n)
	if err != nil {
		t.Fatal(err)
	}
	if !pr.GetHead().GetRepo().GetFork() || pr.GetHead().GetRepo().GetFullName() != "mallory/config" || pr.GetHead().GetLabel() != "mallory:evil" {
		t.Errorf("head = %s in %s (fork %v)", pr.GetHead().GetLabel(), pr.GetHead().GetRepo().GetFullName(), pr.GetHead().GetRepo().GetFork())
	}
	prs, _, err := c.PullRequests.List(f.ctx, "acme", "config", &github.PullRequestListOptions{Head: "mallory:evil"})
	if err != nil || len(prs) != 1 {
		t.Fatalf("list by fork head = %d (%v)", len(prs), err)
	}
	before := len(rc.seen())
	if _, err := f.sim.Push("mallory", fork, "evil", "y", map[string]string{"b": "b"}); err != nil {
		t.Fatal(err)
	}
	f.sim.Flush()
	if got := rc.seen()[before:]; len(got) != 1 || got[0] != "pull_request/synchronize" {
		t.Errorf("webhooks after a push to the fork = %v, want only the base repo's synchronize", got)
	}
	sha, err := f.sim.Merge("alice", testRepo, n, "merge")
	if err != nil {
		t.Fatal(err)
	}
	if data, err := f.sim.File(testRepo, sha, "b"); err != nil || string(data) != "b" {
		t.Errorf("merged content = %q (%v)", data, err)
	}
}

func TestPushOfHeadToBaseMarksMerged(t *testing.T) {
	f := newFixture(t, Options{})
	c, n := openPR(t, f, "feature", map[string]string{"a.txt": "a\n"})
	head, _ := f.sim.RefSHA(testRepo, "feature")
	if _, _, err := c.Git.UpdateRef(f.ctx, "acme", "config", &github.Reference{Ref: github.String("heads/main"), Object: &github.GitObject{SHA: github.String(head)}}, false); err != nil {
		t.Fatal(err)
	}
	pr, _, err := c.PullRequests.Get(f.ctx, "acme", "config", n)
	if err != nil {
		t.Fatal(err)
	}
	if !pr.GetMerged() || pr.GetState() != "closed" || pr.GetMergeCommitSHA() != head {
		t.Errorf("after pushing the head to main: merged=%v state=%s", pr.GetMerged(), pr.GetState())
	}
}
