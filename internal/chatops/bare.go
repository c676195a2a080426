package chatops

import (
	"fmt"
	"strings"

	"github.com/stagehand-gitops/stagehand/internal/policy"
)

// Pull describes where a bare /promote was written.
type Pull struct {
	// Number is the issue or pull request number.
	Number int
	// IsPR is false for a comment on an issue.
	IsPR bool
	// Branch is the pull request's head branch.
	Branch string
	// Merged is true when the pull request is merged.
	Merged bool
}

// branchPrefix starts every promotion branch: stagehand/<env>/<app>.
const branchPrefix = "stagehand/"

// ResolveBare turns a bare /promote on a Stagehand promotion pull request
// into the promotion of the same app to the next environment, to run once
// the pull request is merged (After). Other commands pass through.
func ResolveBare(pol *policy.Policy, c Command, pr Pull) (Command, *Refusal) {
	if c.Name != CmdPromote || c.App != "" {
		return c, nil
	}
	usage := "name the app and environment: `/promote <app> to <env>`"
	env, app, ok := strings.Cut(strings.TrimPrefix(pr.Branch, branchPrefix), "/")
	if !pr.IsPR || !strings.HasPrefix(pr.Branch, branchPrefix) || !ok || env == "" || app == "" {
		return c, &Refusal{Code: RefusedNotHere,
			Reason:  "a bare `/promote` works only on a Stagehand promotion pull request",
			Instead: usage}
	}
	if pol == nil {
		return c, &Refusal{Code: RefusedNoPolicy, Reason: "the default branch has no valid " + policy.FileName,
			Instead: "fix " + policy.FileName + " on the default branch"}
	}
	if pol.EnvIndex(env) < 0 {
		return c, &Refusal{Code: RefusedUnknown,
			Reason:  fmt.Sprintf("this pull request promotes into `%s`, which %s no longer lists", env, policy.FileName),
			Instead: usage}
	}
	next := pol.Next(env)
	if next == "" {
		return c, &Refusal{Code: RefusedNotHere,
			Reason:  fmt.Sprintf("`%s` is the last environment: there is nothing after it to promote to", env),
			Instead: "nothing to do; merging this pull request finishes the promotion"}
	}
	c.App, c.Env, c.After = app, next, pr.Number
	return c, nil
}
