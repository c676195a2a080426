package bot

import (
	"context"
	"errors"

	"go.uber.org/zap"

	"github.com/stagehand-gitops/stagehand/internal/event"
	"github.com/stagehand-gitops/stagehand/internal/forge"
)

// tryMerge merges a promotion pull request on green: mergeable_state clean
// (every required check successful, nothing blocking) with its head pinned
// to sha (the head Stagehand wrote; empty means the head read now). A pull
// request that is not green yet is left for the status and check events
// that make it green.
func (b *Bot) tryMerge(ctx context.Context, d event.Delivery, f *forge.Forge, st *repoState, app, env string, number int, sha string) (bool, error) {
	pr, err := f.MergeState(ctx, st.repo, number)
	if err != nil {
		return false, err
	}
	if pr.GetState() != "open" {
		return false, nil
	}
	head := pr.GetHead().GetSHA()
	if sha != "" && head != sha {
		b.decision(d, app, env, "not merged: head moved", zap.Int("pr", number), zap.String("head", head))
		return false, nil
	}
	if state := pr.GetMergeableState(); state != "clean" {
		b.decision(d, app, env, "waiting to merge: not green", zap.Int("pr", number), zap.String("mergeable_state", state))
		return false, nil
	}
	_, err = f.Merge(ctx, st.repo, number, head, forge.MergeOptions{})
	if errors.Is(err, forge.ErrNotMergeable) || errors.Is(err, forge.ErrHeadMoved) {
		b.decision(d, app, env, "not merged: "+err.Error(), zap.Int("pr", number))
		return false, nil
	}
	if err != nil {
		return false, err
	}
	b.decision(d, app, env, "merged", zap.Int("pr", number), zap.String("sha", head))
	return true, nil
}
