package githubsim

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-github/v62/github"
)

func annotations(n int) []*github.CheckRunAnnotation {
	out := make([]*github.CheckRunAnnotation, n)
	for i := range out {
		out[i] = &github.CheckRunAnnotation{Path: github.String("a.yaml"), StartLine: github.Int(i + 1), EndLine: github.Int(i + 1),
			AnnotationLevel: github.String("failure"), Message: github.String(fmt.Sprintf("problem %d", i))}
	}
	return out
}

func TestCheckRuns(t *testing.T) {
	f := newFixture(t, Options{})
	c := f.client(t, "")
	out := func(n int) *github.CheckRunOutput {
		return &github.CheckRunOutput{Title: github.String("t"), Summary: github.String("s"), Annotations: annotations(n)}
	}
	run, resp, err := c.Checks.CreateCheckRun(f.ctx, "acme", "config", github.CreateCheckRunOptions{
		Name: "stagehand/dev", HeadSHA: f.base, Status: github.String("in_progress"), Output: out(50)})
	wantStatus(t, resp, err, http.StatusCreated)
	tests := []struct {
		name    string
		opts    github.UpdateCheckRunOptions
		want    int
		invalid []string // contract violations the request makes on purpose
	}{
		{"50 more annotations", github.UpdateCheckRunOptions{Name: "stagehand/dev", Output: out(50)}, http.StatusOK, nil},
		{"51 annotations", github.UpdateCheckRunOptions{Name: "stagehand/dev", Output: out(51)}, http.StatusUnprocessableEntity,
			[]string{"maximum number of items is 50"}},
		{"completed without conclusion", github.UpdateCheckRunOptions{Name: "stagehand/dev", Status: github.String("completed")},
			http.StatusUnprocessableEntity, []string{"request body"}},
		{"summary too long", github.UpdateCheckRunOptions{Name: "stagehand/dev", Output: &github.CheckRunOutput{
			Title: github.String("t"), Summary: github.String(strings.Repeat("x", maxCheckText+1))}},
			http.StatusUnprocessableEntity, []string{"maximum string length is 65535"}},
		{"complete", github.UpdateCheckRunOptions{Name: "stagehand/dev", Conclusion: github.String("success")}, http.StatusOK, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(f.sim.Violations())
			for _, v := range tt.invalid {
				f.sim.ExpectViolation(v)
			}
			defer func() {
				if got := len(f.sim.Violations()) - before; got < len(tt.invalid) {
					t.Errorf("contract violations = %d, want at least %d: the request should break the spec", got, len(tt.invalid))
				}
			}()
			_, resp, err := c.Checks.UpdateCheckRun(f.ctx, "acme", "config", run.GetID(), tt.opts)
			wantStatus(t, resp, err, tt.want)
		})
	}
	list, _, err := c.Checks.ListCheckRunsForRef(f.ctx, "acme", "config", "main", nil)
	if err != nil || list.GetTotal() != 1 {
		t.Fatalf("list = %v (%v)", list, err)
	}
	got := list.CheckRuns[0]
	if got.GetConclusion() != "success" || got.GetOutput().GetAnnotationsCount() != 100 || got.GetApp().GetID() != f.sim.AppID() {
		t.Errorf("run = %s annotations %d app %d", got.GetConclusion(), got.GetOutput().GetAnnotationsCount(), got.GetApp().GetID())
	}
	suites, _, err := c.Checks.ListCheckSuitesForRef(f.ctx, "acme", "config", f.base, nil)
	if err != nil || suites.GetTotal() != 1 || suites.CheckSuites[0].GetConclusion() != "success" {
		t.Fatalf("suites = %v (%v)", suites, err)
	}
	// Only Apps create check runs.
	_, resp, err = f.client(t, "alice").Checks.CreateCheckRun(f.ctx, "acme", "config", github.CreateCheckRunOptions{Name: "x", HeadSHA: f.base})
	wantStatus(t, resp, err, http.StatusForbidden)
	// Check names with slashes in the ref work too.
	if _, err := f.sim.Push("dev", testRepo, "stagehand/dev/web", "x", map[string]string{"x": "x"}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.Checks.ListCheckRunsForRef(f.ctx, "acme", "config", "stagehand/dev/web", nil); err != nil {
		t.Errorf("list for a branch with slashes: %v", err)
	}
}

func TestStatusesAndDeployments(t *testing.T) {
	f := newFixture(t, Options{})
	c := f.client(t, "")
	for _, st := range []struct{ ctx, state string }{{"ci", "pending"}, {"ci", "success"}, {"argo", "success"}} {
		_, resp, err := c.Repositories.CreateStatus(f.ctx, "acme", "config", f.base, &github.RepoStatus{State: github.String(st.state), Context: github.String(st.ctx)})
		wantStatus(t, resp, err, http.StatusCreated)
	}
	combined, _, err := c.Repositories.GetCombinedStatus(f.ctx, "acme", "config", "main", nil)
	if err != nil || combined.GetState() != "success" || combined.GetTotalCount() != 2 {
		t.Fatalf("combined = %s %d (%v)", combined.GetState(), combined.GetTotalCount(), err)
	}
	dep, resp, err := c.Repositories.CreateDeployment(f.ctx, "acme", "config", &github.DeploymentRequest{
		Ref: github.String("main"), Environment: github.String("dev"), RequiredContexts: &[]string{}})
	wantStatus(t, resp, err, http.StatusCreated)
	if dep.GetSHA() != f.base {
		t.Errorf("deployment sha = %s, want %s", dep.GetSHA(), f.base)
	}
	if err := f.sim.SetDeploymentStatus("dev", testRepo, dep.GetID(), "success"); err != nil {
		t.Fatal(err)
	}
	deps, _, err := c.Repositories.ListDeployments(f.ctx, "acme", "config", &github.DeploymentsListOptions{SHA: f.base, Environment: "dev"})
	if err != nil || len(deps) != 1 {
		t.Fatalf("deployments = %d (%v)", len(deps), err)
	}
	sts, _, err := c.Repositories.ListDeploymentStatuses(f.ctx, "acme", "config", dep.GetID(), nil)
	if err != nil || len(sts) != 1 || sts[0].GetState() != "success" {
		t.Fatalf("deployment statuses = %v (%v)", sts, err)
	}
}

func TestCommentsLabelsReactions(t *testing.T) {
	f := newFixture(t, Options{})
	_, n := openPR(t, f, "feature", map[string]string{"a.txt": "a\n"})
	c := f.client(t, "")
	cm, resp, err := c.Issues.CreateComment(f.ctx, "acme", "config", n, &github.IssueComment{Body: github.String("<!-- stagehand -->hello")})
	wantStatus(t, resp, err, http.StatusCreated)
	_, resp, err = c.Issues.EditComment(f.ctx, "acme", "config", cm.GetID(), &github.IssueComment{Body: github.String("edited")})
	wantStatus(t, resp, err, http.StatusOK)
	if _, err := f.sim.Comment("reader", testRepo, n, "/promote web to prod"); err != nil {
		t.Fatalf("a reader may comment: %v", err)
	}
	list, _, err := c.Issues.ListComments(f.ctx, "acme", "config", n, nil)
	if err != nil || len(list) != 2 || list[0].GetBody() != "edited" {
		t.Fatalf("comments = %d (%v)", len(list), err)
	}
	_, resp, err = c.Reactions.CreateIssueCommentReaction(f.ctx, "acme", "config", list[1].GetID(), "eyes")
	wantStatus(t, resp, err, http.StatusCreated)
	_, resp, err = c.Reactions.CreateIssueCommentReaction(f.ctx, "acme", "config", list[1].GetID(), "eyes")
	wantStatus(t, resp, err, http.StatusOK)
	labels, resp, err := addLabels(f, c, n, "stagehand", "env:dev")
	wantStatus(t, resp, err, http.StatusOK)
	if len(labels) != 2 {
		t.Fatalf("labels = %d", len(labels))
	}
	resp, err = c.Issues.RemoveLabelForIssue(f.ctx, "acme", "config", n, "env:dev")
	wantStatus(t, resp, err, http.StatusOK)
	_, resp, err = addLabels(f, f.client(t, "reader"), n, "x")
	wantStatus(t, resp, err, http.StatusForbidden)
	labels, _, _ = c.Issues.ListLabelsByIssue(f.ctx, "acme", "config", n, nil)
	if len(labels) != 1 || labels[0].GetName() != "stagehand" {
		t.Errorf("labels after removal = %v", labels)
	}
	long := make([]byte, maxCommentBody+1)
	for i := range long {
		long[i] = 'x'
	}
	_, resp, err = c.Issues.CreateComment(f.ctx, "acme", "config", n, &github.IssueComment{Body: github.String(string(long))})
	wantStatus(t, resp, err, http.StatusUnprocessableEntity)
}

func createRunOpts(sha string) github.CreateCheckRunOptions {
	return github.CreateCheckRunOptions{Name: "stagehand/dev", HeadSHA: sha, Status: github.String("in_progress")}
}

// addLabels sends {"labels": [...]}, the body form GitHub's description documents
// (go-github's AddLabelsToIssue sends a bare array, which the description does not allow).
func addLabels(f *fixture, c *github.Client, n int, names ...string) ([]*github.Label, *github.Response, error) {
	req, err := c.NewRequest(http.MethodPost, fmt.Sprintf("repos/acme/config/issues/%d/labels", n), map[string][]string{"labels": names})
	if err != nil {
		return nil, nil, err
	}
	var out []*github.Label
	resp, err := c.Do(f.ctx, req, &out)
	return out, resp, err
}
