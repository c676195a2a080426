package bot

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/cenkalti/backoff/v5"
	"go.uber.org/zap"

	"github.com/stagehand-gitops/stagehand/internal/event"
	"github.com/stagehand-gitops/stagehand/internal/forge"
)

// EventRefresh reads the policy of a repository, or of every repository
// of an installation, again after a read failed at start. Its payload is
// Refresh.
const EventRefresh = "stagehand_refresh"

// Refresh is the payload of an EventRefresh delivery.
type Refresh struct {
	Installation int64
	// Repo is the repository to read, with its default branch; the zero
	// Repo stands for every repository of the installation.
	Repo   forge.Repo
	Branch string
	// wait paces the attempts; each failure waits longer, up to a bound.
	wait *backoff.ExponentialBackOff
}

// delivery is the retry's delivery. It is keyed by the repository, so
// that it never races a webhook for the same repository.
func (r Refresh) delivery() event.Delivery {
	d := event.Delivery{Event: EventRefresh, InstallationID: r.Installation, Payload: r}
	if r.Repo.Name != "" {
		d.Repo = r.Repo.String()
	}
	d.ID = "refresh:" + d.Key()
	return d
}

// Bounds of the wait between two reads of a repository that failed: a
// 403 or an outage is not cured in a second, and a repository the App
// cannot read must not spend the rate limit of those it can.
const (
	refreshFirstWait = 5 * time.Second
	refreshMaxWait   = 5 * time.Minute
)

// retryRefresh asks for r to be read again after the next wait of its
// backoff, on the repository's (or installation's) one timer.
func (b *Bot) retryRefresh(r Refresh, why error) {
	if r.wait == nil {
		r.wait = backoff.NewExponentialBackOff()
		r.wait.InitialInterval, r.wait.MaxInterval = refreshFirstWait, refreshMaxWait
		r.wait.Reset()
	}
	wait := r.wait.NextBackOff()
	d := r.delivery()
	b.log.Warn("not in the routing index; reading it again later", zap.String("key", d.Key()),
		zap.Int64("installation_id", r.Installation), zap.Duration("in", wait), zap.Error(why))
	b.due(d.Key(), dueRefresh, b.cfg.Now().Add(wait), jobFor(d, b.onRefresh))
}

// onRefresh reads again what could not be read at start. What still
// fails is tried again later; what is read is indexed and its pending
// promotions re-evaluated, as Start would have done.
func (b *Bot) onRefresh(ctx context.Context, d event.Delivery) error {
	r, ok := d.Payload.(Refresh)
	if !ok {
		return fmt.Errorf("%s delivery %s carries %T", d.Event, d.ID, d.Payload)
	}
	f := b.cfg.Forges.Forge(r.Installation)
	repos := []string{r.Repo.String()}
	if r.Repo.Name != "" {
		if err := b.refreshRepo(ctx, f, r.Installation, r.Repo, r.Branch, ""); err != nil {
			b.retryRefresh(r, err)
			return nil
		}
	} else {
		failed, err := b.refreshInstallation(ctx, r.Installation)
		if err != nil {
			b.retryRefresh(r, err)
			return nil
		}
		for _, fl := range failed {
			b.retryRefresh(Refresh{Installation: r.Installation, Repo: fl.repo, Branch: fl.branch}, fl.err)
		}
		repos = b.index.Repos()
	}
	for _, name := range repos {
		if st := b.index.get(name); st != nil && st.installation == r.Installation {
			if err := b.enqueue(recheck(name, r.Installation, "refreshed-"+strconv.FormatInt(r.Installation, 10), true)); err != nil {
				return err
			}
		}
	}
	return nil
}
