package bot

import (
	"context"
	"fmt"
	"sync"

	"go.uber.org/zap"

	"github.com/stagehand-gitops/stagehand/internal/chatops"
	"github.com/stagehand-gitops/stagehand/internal/event"
	"github.com/stagehand-gitops/stagehand/internal/forge"
)

// holds reads the repository's holds from the pinned holds issue that
// /hold and /unhold keep. No issue means no holds; rows the issue cannot
// parse are logged and the others still hold.
func (b *Bot) holds(ctx context.Context, d event.Delivery, f *forge.Forge, st *repoState) (chatops.Holds, error) {
	is, err := f.FindIssue(ctx, st.repo, chatops.LabelHolds, chatops.HoldsTitle)
	if err != nil || is == nil {
		return nil, err
	}
	h, err := chatops.ParseHolds(is.GetBody())
	if err != nil {
		b.log.Warn("holds issue partly unreadable", zap.String("delivery_id", d.ID), zap.String("repo", d.Repo),
			zap.Int("issue", is.GetNumber()), zap.Error(err))
	}
	return h, nil
}

// held says why app may not be promoted into env, or "".
func held(h chatops.Holds, app, env string) string {
	x, ok := h.Find(app, env)
	if !ok {
		return ""
	}
	where := env
	if x.Env == "" {
		where = "every environment"
	}
	why := fmt.Sprintf("%s is on hold in %s (by @%s)", app, where, x.By)
	if x.Reason != "" {
		why += ": " + x.Reason
	}
	return why
}

// lazyHolds reads the holds on first use only, so an event that proposes
// nothing costs no call for them.
func (b *Bot) lazyHolds(ctx context.Context, d event.Delivery, f *forge.Forge, st *repoState) func() (chatops.Holds, error) {
	return sync.OnceValues(func() (chatops.Holds, error) { return b.holds(ctx, d, f, st) })
}
