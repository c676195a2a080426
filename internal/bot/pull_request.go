package bot

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strconv"

	"github.com/google/go-github/v62/github"
	"go.uber.org/zap"

	"github.com/stagehand-gitops/stagehand/internal/event"
)

// onPullRequest merges an auto-merge promotion pull request that is
// already green when it is opened or updated; when one that carries
// LabelPromoteNext merges, it promotes the app on to the next environment.
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
	if d.Action == "labeled" {
		return b.onPromoteNextLabel(ctx, d, st, ev, app, env)
	}
	if d.Action == "closed" {
		if pr.GetMerged() {
			if err := b.deleteMergedBranch(ctx, d, st, pr, app, env); err != nil {
				return err
			}
		}
		return b.promoteNextAfterMerge(ctx, d, st, pr, app, env)
	}
	if e, ok := st.pol.Env(app, env); !ok || !e.AutoMerge {
		return nil
	}
	_, err := b.tryMerge(ctx, d, b.cfg.Forges.Forge(st.installation), st, app, env, pr.GetNumber(), pr.GetHead().GetSHA())
	return err
}

// promoteNextAfterMerge honours a "/promote" given on a promotion pull
// request before it merged (the label LabelPromoteNext): the app goes on to
// the next environment, even a manual one, as if asked now, when whoever
// added the label may promote into it.
func (b *Bot) promoteNextAfterMerge(ctx context.Context, d event.Delivery, st *repoState, pr *github.PullRequest, app, env string) error {
	if !slices.ContainsFunc(pr.Labels, func(l *github.Label) bool { return l.GetName() == LabelPromoteNext }) {
		return nil
	}
	f := b.cfg.Forges.Forge(st.installation)
	// The label's own event may have been lost or come late: who added it
	// is read again.
	by, err := f.LabelAddedBy(ctx, st.repo, pr.GetNumber(), LabelPromoteNext)
	if err != nil {
		return err
	}
	r, next, err := b.mayPromoteNext(ctx, f, st, pr, app, env, by)
	if err != nil {
		return err
	}
	if next == "" {
		b.decision(d, app, env, "skipped: no environment after "+env, zap.Int("pr", pr.GetNumber()))
		return nil
	}
	if r != nil {
		b.decision(d, app, next, "refused: "+string(r.Code), zap.String("user", by), zap.String("label", LabelPromoteNext), zap.Int("pr", pr.GetNumber()))
		return b.replyPromoteNext(ctx, f, st, pr.GetNumber(), promoteNextRefusal(by, next, r,
			fmt.Sprintf("This pull request merged with the label, and nothing went on to `%s`.", next)))
	}
	_, err = b.Promote(ctx, st.repo.String(), app, next, "promote-next-"+strconv.Itoa(pr.GetNumber()))
	return err
}

// deleteMergedBranch deletes the branch of a merged promotion pull request,
// so that the next tag for (app, env) creates it afresh instead of first
// failing to create it, finding no open pull request and moving it. It
// leaves a branch that moved on since the merge alone: a late webhook must
// not delete a newer proposal (deleting its branch would close its pull
// request).
func (b *Bot) deleteMergedBranch(ctx context.Context, d event.Delivery, st *repoState, pr *github.PullRequest, app, env string) error {
	f := b.cfg.Forges.Forge(st.installation)
	branch := pr.GetHead().GetRef()
	head, err := f.Head(ctx, st.repo, branch)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read merged branch %s: %w", branch, err)
	}
	if head != pr.GetHead().GetSHA() {
		return nil
	}
	if err := f.DeleteBranch(ctx, st.repo, branch); err != nil {
		return err
	}
	b.decision(d, app, env, "deleted merged branch", zap.Int("pr", pr.GetNumber()), zap.String("branch", branch))
	return nil
}
