package bot

import (
	"context"
	"fmt"

	"github.com/google/go-github/v62/github"

	"github.com/stagehand-gitops/stagehand/internal/event"
)

// onPullRequest merges an auto-merge promotion pull request that is
// already green when it is opened, updated or labelled.
func (b *Bot) onPullRequest(ctx context.Context, d event.Delivery) error {
	ev, ok := d.Payload.(*github.PullRequestEvent)
	if !ok {
		return fmt.Errorf("pull_request delivery %s carries %T", d.ID, d.Payload)
	}
	st := b.index.get(d.Repo)
	if st == nil {
		return nil
	}
	pr := ev.GetPullRequest()
	env, app, ok := parseBranch(pr.GetHead().GetRef())
	if !ok || pr.GetBase().GetRef() != st.defaultBranch {
		return nil
	}
	if e, ok := st.pol.Env(app, env); !ok || !e.AutoMerge {
		return nil
	}
	_, err := b.tryMerge(ctx, d, b.cfg.Forges.Forge(st.installation), st, app, env, pr.GetNumber(), pr.GetHead().GetSHA())
	return err
}
