package bot

import (
	"testing"

	"github.com/google/go-github/v62/github"

	"github.com/stagehand-gitops/stagehand/internal/event"
)

func TestRelevant(t *testing.T) {
	push := func(ref string, deleted bool) *event.PushEvent {
		return &event.PushEvent{Ref: ref, Deleted: deleted, Repo: event.PushRepository{DefaultBranch: "main"}}
	}
	tests := []struct {
		name    string
		d       event.Delivery
		want    bool
		because string
	}{
		{"push to the default branch", event.Delivery{Event: event.Push, Payload: push("refs/heads/main", false)}, true, ""},
		{"push to another branch", event.Delivery{Event: event.Push, Payload: push("refs/heads/stagehand/dev/web", false)}, false, "not a push to the default branch"},
		{"default branch deleted", event.Delivery{Event: event.Push, Payload: push("refs/heads/main", true)}, false, "not a push to the default branch"},
		{"successful status", event.Delivery{Event: event.Status, Payload: &github.StatusEvent{State: github.String("success")}}, true, ""},
		{"pending status", event.Delivery{Event: event.Status, Payload: &github.StatusEvent{State: github.String("pending")}}, false, "status pending makes nothing green"},
		{"failed deployment", event.Delivery{Event: event.DeploymentStatus, Action: "created", Payload: &github.DeploymentStatusEvent{
			DeploymentStatus: &github.DeploymentStatus{State: github.String("failure")}}}, false, "deployment status failure reports no health"},
		{"check suite requested", event.Delivery{Event: event.CheckSuite, Action: "requested"}, false, "action requested changes nothing"},
		{"check run succeeded", event.Delivery{Event: event.CheckRun, Action: "completed", Payload: &github.CheckRunEvent{
			CheckRun: &github.CheckRun{Conclusion: github.String("success")}}}, true, ""},
		{"someone else's pull request merged", event.Delivery{Event: event.PullRequest, Action: "closed", Payload: &github.PullRequestEvent{
			PullRequest: &github.PullRequest{Merged: github.Bool(true), Head: &github.PullRequestBranch{Ref: github.String("feature")}}}}, false, "not a promotion merged"},
		{"a promotion pull request opened", event.Delivery{Event: event.PullRequest, Action: "opened", Payload: &github.PullRequestEvent{
			PullRequest: &github.PullRequest{Head: &github.PullRequestBranch{Ref: github.String("stagehand/dev/web")}}}}, true, ""},
		{"a pull request edited", event.Delivery{Event: event.PullRequest, Action: "edited"}, false, "action edited changes nothing"},
		{"promote-next added", event.Delivery{Event: event.PullRequest, Action: "labeled", Payload: &github.PullRequestEvent{
			Label: &github.Label{Name: github.String(LabelPromoteNext)}}}, true, ""},
		{"another label added", event.Delivery{Event: event.PullRequest, Action: "labeled", Payload: &github.PullRequestEvent{
			Label: &github.Label{Name: github.String("bug")}}}, false, "label bug changes no promotion"},
		{"a comment", event.Delivery{Event: event.IssueComment, Action: "created"}, true, ""},
		{"a comment edited", event.Delivery{Event: event.IssueComment, Action: "edited"}, false, "action edited changes nothing"},
		{"a review", event.Delivery{Event: "pull_request_review", Action: "submitted"}, false, "event not handled"},
		{"a promotion merged", event.Delivery{Event: event.PullRequest, Action: "closed", Payload: &github.PullRequestEvent{
			PullRequest: &github.PullRequest{Merged: github.Bool(true), Head: &github.PullRequestBranch{Ref: github.String("stagehand/dev/web")}}}}, true, ""},
		{"a promotion closed unmerged", event.Delivery{Event: event.PullRequest, Action: "closed", Payload: &github.PullRequestEvent{
			PullRequest: &github.PullRequest{Merged: github.Bool(false), Head: &github.PullRequestBranch{Ref: github.String("stagehand/dev/web")}}}}, false, "not a promotion merged"},
		{"package published", event.Delivery{Event: event.RegistryPackage, Action: "published"}, true, ""},
		{"recheck", event.Delivery{Event: EventRecheck}, true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, why := relevant(tt.d)
			if got != tt.want || why != tt.because {
				t.Fatalf("relevant = %v, %q; want %v, %q", got, why, tt.want, tt.because)
			}
		})
	}
}

func TestParseBranch(t *testing.T) {
	tests := []struct {
		branch, env, app string
		ok               bool
	}{
		{"stagehand/dev/web", "dev", "web", true},
		{"stagehand/prod/order-service", "prod", "order-service", true},
		{"stagehand/dev", "", "", false},
		{"feature/dev/web", "", "", false},
		{"stagehand//web", "", "web", false},
	}
	for _, tt := range tests {
		t.Run(tt.branch, func(t *testing.T) {
			env, app, ok := parseBranch(tt.branch)
			if ok != tt.ok || (ok && (env != tt.env || app != tt.app)) {
				t.Fatalf("parseBranch = %q, %q, %v", env, app, ok)
			}
		})
	}
}

func TestChanges(t *testing.T) {
	commit := func(added, removed, modified []string) event.PushCommit {
		return event.PushCommit{Added: added, Removed: removed, Modified: modified}
	}
	head := func(c event.PushCommit) *event.PushCommit { return &c }
	tests := []struct {
		name           string
		ev             *event.PushEvent
		paths          int
		policy, layout bool
	}{
		{"an overlay edit", &event.PushEvent{Commits: []event.PushCommit{commit(nil, nil, []string{"apps/web/overlays/dev/kustomization.yaml"})}}, 1, false, false},
		{"the policy", &event.PushEvent{HeadCommit: head(commit(nil, nil, []string{".stagehand.yaml"}))}, 1, true, false},
		{"a new app", &event.PushEvent{Commits: []event.PushCommit{commit([]string{"apps/api/overlays/dev/kustomization.yaml", "apps/api/base/x.yaml"}, nil, nil)}}, 2, false, true},
		{"an overlay removed", &event.PushEvent{Commits: []event.PushCommit{commit(nil, []string{"apps/api/overlays/dev/Kustomization"}, nil)}}, 1, false, true},
		{"a base file added", &event.PushEvent{Commits: []event.PushCommit{commit([]string{"apps/web/base/cm.yaml"}, nil, nil)}}, 1, false, false},
		{"the same path in two commits", &event.PushEvent{
			Commits:    []event.PushCommit{commit(nil, nil, []string{"a"}), commit(nil, nil, []string{"a"})},
			HeadCommit: head(commit(nil, nil, []string{"a"}))}, 1, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			paths, pol, layout := changes(tt.ev)
			if len(paths) != tt.paths || pol != tt.policy || layout != tt.layout {
				t.Fatalf("changes = %v, %v, %v", paths, pol, layout)
			}
		})
	}
}
