package bot

import (
	"context"
	"time"

	"go.uber.org/zap"

	"github.com/stagehand-gitops/stagehand/internal/event"
	"github.com/stagehand-gitops/stagehand/internal/queue"
)

// AfterFunc is the real Scheduler: time.AfterFunc on Now. Timers are lost
// on restart, which is fine: Start re-evaluates every repository and sets
// them again.
type AfterFunc struct {
	Now func() time.Time
}

// At runs fn at t (at once when t has passed); stop cancels it.
func (a AfterFunc) At(t time.Time, fn func()) (stop func()) {
	tm := time.AfterFunc(max(t.Sub(a.Now()), 0), fn)
	return func() { tm.Stop() }
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

// Kinds of due job: a repository has at most one of each.
const (
	dueRecheck = "recheck"
	dueRefresh = "refresh"
)

// repoTimer is the one timer of a repository, armed for the earliest of
// its due jobs.
type repoTimer struct {
	at   time.Time
	gen  int // which arming a firing timer belongs to
	stop func()
	jobs map[string]dueJob // by kind
}

type dueJob struct {
	at  time.Time
	job queue.Job
}

// due asks for job to be queued at t. A repository has one timer, armed
// for its earliest job, and one job of each kind: asked again for a later
// time, a job keeps its earlier one. So a cause that makes every event ask
// for a retry (a registry that cannot be listed) keeps one loop going, not
// one per event, and the loop ends when handlers stop asking: when the
// cause ends.
func (b *Bot) due(repo, kind string, t time.Time, job queue.Job) {
	b.mu.Lock()
	defer b.mu.Unlock()
	rt := b.timers[repo]
	if rt == nil {
		rt = &repoTimer{jobs: map[string]dueJob{}}
		b.timers[repo] = rt
	}
	if j, ok := rt.jobs[kind]; ok && !t.Before(j.at) {
		return
	}
	rt.jobs[kind] = dueJob{at: t, job: job}
	if rt.stop == nil || t.Before(rt.at) {
		b.arm(repo, rt, t)
	}
}

// arm (re)sets a repository's timer to t. The caller holds b.mu.
func (b *Bot) arm(repo string, rt *repoTimer, t time.Time) {
	if rt.stop != nil {
		rt.stop()
	}
	rt.gen++
	gen := rt.gen
	rt.at = t
	rt.stop = b.cfg.Schedule.At(t, func() { b.fire(repo, gen) })
}

// fire queues a repository's jobs that are due and re-arms its timer for
// the others; a repository with nothing left due has no timer.
func (b *Bot) fire(repo string, gen int) {
	b.mu.Lock()
	rt := b.timers[repo]
	if rt == nil || rt.gen != gen {
		b.mu.Unlock()
		return // a timer replaced by an earlier one
	}
	rt.stop = nil
	now := b.cfg.Now()
	var ready []queue.Job
	var next time.Time
	for kind, j := range rt.jobs {
		if !j.at.After(now) {
			ready = append(ready, j.job)
			delete(rt.jobs, kind)
		} else if next.IsZero() || j.at.Before(next) {
			next = j.at
		}
	}
	if next.IsZero() {
		delete(b.timers, repo)
	} else {
		b.arm(repo, rt, next)
	}
	b.mu.Unlock()
	for _, job := range ready {
		if err := b.cfg.Queue.Enqueue(job); err != nil {
			b.log.Warn("due job not queued", zap.String("repo", repo), zap.String("event", job.Event), zap.Error(err))
		}
	}
}

// forgetDue drops what is due for key (a repository, or
// "installation/<id>") and stops its timer: it left the routing index.
func (b *Bot) forgetDue(key string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if rt := b.timers[key]; rt != nil && rt.stop != nil {
		rt.stop()
	}
	delete(b.timers, key)
}

// scheduleRecheck asks for a recheck of st's repository at t.
func (b *Bot) scheduleRecheck(st *repoState, t time.Time) {
	d := recheck(st.repo.String(), st.installation, t.UTC().Format(time.RFC3339), false)
	b.due(d.Repo, dueRecheck, t, b.job(d))
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
