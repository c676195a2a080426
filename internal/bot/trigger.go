package bot

import (
	"strings"

	"github.com/google/go-github/v62/github"

	"github.com/stagehand-gitops/stagehand/internal/event"
)

// triggers lists, per event, the actions that can change a promotion;
// "" stands for events without an action. Everything else is skipped
// before any call to GitHub.
var triggers = map[string][]string{
	event.Push:                     {""},
	event.PullRequest:              {"opened", "reopened", "synchronize", "ready_for_review", "closed", "labeled"},
	event.IssueComment:             {"created"},
	event.Status:                   {""},
	event.DeploymentStatus:         {"created"},
	event.CheckSuite:               {"completed"},
	event.CheckRun:                 {"completed"},
	event.Installation:             {"created", "new_permissions_accepted", "unsuspend", "deleted", "suspend"},
	event.InstallationRepositories: {"added", "removed"},
	event.Package:                  {"published", "updated"},
	event.RegistryPackage:          {"published", "updated"},
	EventImagePushed:               {""},
	EventRecheck:                   {""},
	EventResync:                    {""},
}

// relevant reports whether d can change anything, and why not.
func relevant(d event.Delivery) (bool, string) {
	actions, ok := triggers[d.Event]
	if !ok {
		return false, "event not handled"
	}
	if !contains(actions, d.Action) {
		return false, "action " + d.Action + " changes nothing"
	}
	switch p := d.Payload.(type) {
	case *event.PushEvent:
		def := p.Repo.DefaultBranch
		if p.GetDeleted() || def == "" || p.GetRef() != "refs/heads/"+def {
			return false, "not a push to the default branch"
		}
	case *github.StatusEvent:
		if p.GetState() != "success" {
			return false, "status " + p.GetState() + " makes nothing green"
		}
	case *github.DeploymentStatusEvent:
		if p.GetDeploymentStatus().GetState() != "success" {
			return false, "deployment status " + p.GetDeploymentStatus().GetState() + " reports no health"
		}
	case *github.CheckSuiteEvent:
		if p.GetCheckSuite().GetConclusion() != "success" {
			return false, "check suite did not succeed"
		}
	case *github.CheckRunEvent:
		if p.GetCheckRun().GetConclusion() != "success" {
			return false, "check run did not succeed"
		}
	case *github.PullRequestEvent:
		if d.Action == "closed" && !(p.GetPullRequest().GetMerged() && strings.HasPrefix(p.GetPullRequest().GetHead().GetRef(), branchPrefix)) {
			return false, "not a promotion merged"
		}
		if d.Action == "labeled" && !strings.EqualFold(p.GetLabel().GetName(), LabelPromoteNext) {
			return false, "label " + p.GetLabel().GetName() + " changes no promotion"
		}
	}
	return true, ""
}

// branchPrefix starts every promotion branch: stagehand/<env>/<app>.
const branchPrefix = "stagehand/"

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
