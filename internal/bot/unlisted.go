package bot

import (
	"errors"
	"fmt"

	"github.com/stagehand-gitops/stagehand/internal/checks"
	"github.com/stagehand-gitops/stagehand/internal/registry"
)

// unlistedVerdict is env's neutral check while it waits for a registry that
// could not list the tags of its channel. A registry that refuses Stagehand
// is named, with where its credentials go: that is the usual cause, and
// the one a person can fix.
func unlistedVerdict(app, env string, why error) checks.Verdict {
	fix := "Check that Stagehand reaches the registry. If the registry needs credentials, give Stagehand " + registry.CredentialsHelp + "."
	var denied *registry.AccessError
	if errors.As(why, &denied) {
		fix = fmt.Sprintf("`%s` refuses %s. Give Stagehand %s. It reads them on every try: no restart is needed.",
			denied.Registry, denied.Refused(), registry.CredentialsHelp)
	}
	return checks.Verdict{Name: checks.CheckName(env), Env: env, Status: checks.Completed, Conclusion: checks.Neutral,
		Title: fmt.Sprintf("%s waits: the registry could not be listed", app),
		Summary: fmt.Sprintf("%s carries the version from the previous environment, so Stagehand needs the tags of %s's channel. "+
			"Listing them failed, and %s waits; Stagehand tries again every minute and on the next event.\n\n"+
			"Reason: `%s`\n\n%s\n", env, env, app, why, fix)}
}
