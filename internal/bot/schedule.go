package bot

import (
	"context"
	"fmt"
	"time"

	"go.uber.org/zap"

	"github.com/stagehand-gitops/stagehand/internal/event"
)

// AfterFunc is the real Scheduler: a timer per recheck. Timers are lost on
// restart, which is fine: Start re-evaluates every repository and sets them
// again.
type AfterFunc struct {
	Now func() time.Time
}

// At runs fn at t (at once when t has passed).
func (a AfterFunc) At(t time.Time, fn func()) {
	time.AfterFunc(max(t.Sub(a.Now()), 0), fn)
}

// Recheck is the payload of an EventRecheck delivery.
type Recheck struct {
	// All re-evaluates every promotion of the repository (at start and
	// on installation), not only those a gate held back.
	All bool
}

// recheck is the delivery that re-evaluates a repository's gates.
func recheck(repo string, installation int64, why string, all bool) event.Delivery {
	return event.Delivery{ID: "recheck:" + repo + ":" + why, Event: EventRecheck, Repo: repo, InstallationID: installation,
		Payload: Recheck{All: all}}
}

// scheduleRecheck asks for a recheck of repo at t, once per (repo, t).
func (b *Bot) scheduleRecheck(st *repoState, t time.Time) {
	key := fmt.Sprintf("%s@%d", st.repo, t.Unix())
	b.mu.Lock()
	if b.pending[key] {
		b.mu.Unlock()
		return
	}
	b.pending[key] = true
	b.mu.Unlock()
	repo, inst := st.repo.String(), st.installation
	b.cfg.Schedule.At(t, func() {
		b.mu.Lock()
		delete(b.pending, key)
		b.mu.Unlock()
		if err := b.enqueue(recheck(repo, inst, t.UTC().Format(time.RFC3339), false)); err != nil {
			b.log.Warn("recheck not queued", zap.String("repo", repo), zap.Error(err))
		}
	})
}

// onRecheck re-evaluates the pending promotions of a repository.
func (b *Bot) onRecheck(ctx context.Context, d event.Delivery) error {
	st := b.index.get(d.Repo)
	if st == nil {
		return nil
	}
	only := b.waitingPairs(d.Repo)
	if r, ok := d.Payload.(Recheck); ok && r.All {
		only = nil
	} else if len(only) == 0 {
		return nil
	}
	f := b.cfg.Forges.Forge(st.installation)
	snap, err := f.SnapshotBranch(ctx, st.repo, st.defaultBranch)
	if err != nil {
		return err
	}
	return b.advance(ctx, d, f, st, snap, only)
}
