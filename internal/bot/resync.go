package bot

import (
	"context"
	"errors"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/google/go-github/v62/github"
	"go.uber.org/zap"

	"github.com/stagehand-gitops/stagehand/internal/event"
	"github.com/stagehand-gitops/stagehand/internal/forge"
	"github.com/stagehand-gitops/stagehand/internal/policy"
	"github.com/stagehand-gitops/stagehand/internal/promote"
	"github.com/stagehand-gitops/stagehand/internal/registry"
	"github.com/stagehand-gitops/stagehand/internal/tags"
)

// EventResync converges one repository with what git, GitHub and the
// registries say now, whatever events were lost (see Resync).
const EventResync = "stagehand_resync"

// resyncDelivery is the delivery that resyncs a repository; round tells
// the passes apart in logs.
func resyncDelivery(repo string, installation int64, round string) event.Delivery {
	return event.Delivery{ID: "resync:" + repo + ":" + round, Event: EventResync, Repo: repo, InstallationID: installation}
}

// EnqueueResync queues one resync job per indexed repository, on the queue
// the webhooks use, keyed by repository: a resync never races a delivery
// for the same repository. round names the pass in the delivery IDs.
func (b *Bot) EnqueueResync(round string) error {
	var errs []error
	for _, name := range b.index.Repos() {
		st := b.index.get(name)
		if st == nil {
			continue
		}
		errs = append(errs, b.enqueue(resyncDelivery(name, st.installation, round)))
	}
	return errors.Join(errs...)
}

// Resync converges one repository, level-triggered, through the paths the
// webhooks take: the policy is read again if the default branch moved
// since it was read; a tag the registry holds that the first environment
// should run and no event brought opens (or updates) its pull request;
// every promotion whose gates now hold is advanced; open promotion pull
// requests the default branch already holds are closed; and Stagehand's
// own branches that closed or merged pull requests left behind are
// deleted. An unchanged repository costs two GitHub calls at most, both
// revalidated with their ETag (a 304 is free): the default branch's head
// and the open pull requests. It is the handler of EventResync; tests call
// it directly.
func (b *Bot) Resync(ctx context.Context, repo string) error {
	st := b.index.get(repo)
	if st == nil {
		return nil
	}
	return b.runResync(ctx, resyncDelivery(repo, st.installation, "call"))
}

// onResync handles an EventResync delivery.
func (b *Bot) onResync(ctx context.Context, d event.Delivery) error {
	return b.runResync(ctx, d)
}

func (b *Bot) runResync(ctx context.Context, d event.Delivery) error {
	st := b.index.get(d.Repo)
	if st == nil {
		return nil // the repository left, or lost its policy
	}
	start := b.cfg.Now()
	err := b.resync(ctx, d, st)
	if err != nil {
		b.metrics.resyncErrors.WithLabelValues("github").Inc()
	}
	b.metrics.resyncs.WithLabelValues(result(err)).Inc()
	b.metrics.resyncSeconds.Observe(b.cfg.Now().Sub(start).Seconds())
	return err
}

func (b *Bot) resync(ctx context.Context, d event.Delivery, st *repoState) error {
	f := b.cfg.Forges.Forge(st.installation)
	snap, err := f.SnapshotBranch(ctx, st.repo, st.defaultBranch)
	if err != nil {
		return err
	}
	if b.policyStale(d.Repo, st, snap.Commit()) {
		// The branch moved since the policy was read: a push whose
		// webhook was lost may have changed it. The read is cached by
		// blob, so an unchanged policy costs little, and once per commit.
		if err := b.refreshRepo(ctx, f, st.installation, st.repo, st.defaultBranch, snap.Commit()); err != nil {
			b.mu.Lock()
			delete(b.policyRead, d.Repo) // a failed read is tried again
			b.mu.Unlock()
			return err
		}
		if st = b.index.get(d.Repo); st == nil {
			return nil // no policy any more
		}
	}
	open, err := f.OpenProposals(ctx, st.repo, branchPrefix)
	if err != nil {
		return err
	}
	var errs []error
	for _, ev := range b.polledTags(ctx, d, st, snap, open) {
		b.metrics.converged.WithLabelValues("tag").Inc()
		b.decision(d, "", "", "resync: tag found by polling", zap.String("ref", ev.Ref()))
		errs = append(errs, b.onImage(ctx, imageDelivery(d.ID, ev, Target{Repo: d.Repo, InstallationID: st.installation})))
	}
	errs = append(errs, b.advance(ctx, d, f, st, snap, nil))
	errs = append(errs, b.closeStaleOpen(ctx, d, f, st, snap, open))
	errs = append(errs, b.sweepBranches(ctx, d, f, st, open))
	return errors.Join(errs...)
}

// policyStale reports whether the policy was read at another commit than
// head, and no resync has read it at head yet; it records that one has.
func (b *Bot) policyStale(repo string, st *repoState, head string) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if head == st.commit || b.policyRead[repo] == head {
		return false
	}
	b.policyRead[repo] = head
	return true
}

// polledTags lists the tags of each image of the repository whose poll is
// due, and returns, for the first environment of the apps that track it
// (auto promotion), the tag the policy would choose when the environment
// does not run it and no open pull request proposes it already. A
// registry that cannot be listed is logged and counted; its images wait
// for the next poll.
func (b *Bot) polledTags(ctx context.Context, d event.Delivery, st *repoState, snap *forge.Snapshot, open []*github.PullRequest) []registry.ImagePushed {
	if b.cfg.Tags == nil {
		return nil
	}
	first := st.pol.Environments[0].Name
	titles := map[string]string{}
	for _, pr := range open {
		titles[pr.GetHead().GetRef()] = pr.GetTitle()
	}
	var out []registry.ImagePushed
	for _, img := range pollImages(st.pol) {
		names, err := b.tagList.list(ctx, b.cfg.Tags, d.Repo, img.name, img.poll, b.cfg.Now())
		if err != nil {
			b.metrics.resyncErrors.WithLabelValues("registry").Inc()
			b.decision(d, "", "", "resync: tags not listed", zap.String("image", img.name), zap.Error(err))
			continue
		}
		if names == nil {
			continue // not due
		}
		cands := make([]tags.Candidate, len(names))
		for i, n := range names {
			cands[i] = tags.Candidate{Tag: n}
		}
		chosen := map[string]bool{}
		for _, ref := range st.pol.AppsForImage(img.name) {
			if e, _ := st.pol.Env(ref.App, first); e.Promotion == policy.Manual {
				continue
			}
			c, err := promote.Choose(st.pol, snap, ref.App, ref.Image, first, cands, false)
			if err != nil || !c.Decision.Found || c.Decision.Chosen.Tag == c.Current.Version.Tag {
				continue
			}
			to := promote.Version{Tag: c.Decision.Chosen.Tag}
			title := titles[promote.BranchName(first, ref.App)]
			if title != "" && strings.HasSuffix(title, "→ "+to.String()) {
				continue // the open pull request proposes it
			}
			chosen[c.Decision.Chosen.Tag] = true
		}
		for _, tag := range slices.Sorted(maps.Keys(chosen)) {
			host, repository, _ := strings.Cut(img.name, "/")
			out = append(out, registry.ImagePushed{Host: host, Repository: repository, Tag: tag, Source: "resync"})
		}
	}
	return out
}

// polledImage is one registry repository a policy tracks, with the
// shortest poll interval any of its images asks for.
type polledImage struct {
	name string // normalised: host/repository
	poll time.Duration
}

func pollImages(pol *policy.Policy) []polledImage {
	byName := map[string]int{}
	var out []polledImage
	for _, a := range pol.Apps {
		for _, img := range a.Images {
			n := policy.NormalizeImage(img.Name)
			if i, ok := byName[n]; ok {
				out[i].poll = min(out[i].poll, img.Poll)
				continue
			}
			byName[n] = len(out)
			out = append(out, polledImage{name: n, poll: img.Poll})
		}
	}
	return out
}

// closeStaleOpen closes the open promotion pull requests that are stale
// by what their branch holds, not only by their title: the default branch
// already holds the version the branch proposes, or a newer one (a merge
// whose push webhook was lost, a person's own edit), or the branch no
// longer changes the app's environment at all (someone reset it). The
// heads are read through the object cache, so an unchanged pull request
// costs no call after its first resync.
func (b *Bot) closeStaleOpen(ctx context.Context, d event.Delivery, f *forge.Forge, st *repoState, snap *forge.Snapshot, open []*github.PullRequest) error {
	var errs []error
	for _, pr := range open {
		env, app, ok := strings.Cut(strings.TrimPrefix(pr.GetHead().GetRef(), branchPrefix), "/")
		if !ok {
			continue
		}
		a, ok := st.pol.App(app)
		if !ok || st.pol.EnvIndex(env) < 0 {
			continue
		}
		closed, err := b.closeStalePR(ctx, d, f, st, snap, pr, a, env)
		errs = append(errs, err)
		if closed {
			b.metrics.converged.WithLabelValues("stale").Inc()
		}
	}
	return errors.Join(errs...)
}

// closeStalePR closes one open pull request of app in env when it is
// stale, and reports whether it did.
func (b *Bot) closeStalePR(ctx context.Context, d event.Delivery, f *forge.Forge, st *repoState, snap *forge.Snapshot, pr *github.PullRequest, a policy.App, env string) (bool, error) {
	same := true // every image of the app is on the branch as on the base
	var last promote.Version
	for _, img := range a.Images {
		cur, err := promote.Current(st.pol, snap, a.Name, img.Name, env)
		if err != nil {
			return false, nil // no overlay on the base, or one that does not parse: nothing to compare with
		}
		pending, err := b.pendingVersion(ctx, f, st, pr, a.Name, img.Name, env)
		if err != nil {
			return false, err
		}
		if !strings.HasSuffix(pr.GetTitle(), "→ "+pending.String()) {
			// Not the image the pull request proposes, or its branch
			// no longer proposes what its title says.
			same = same && pending == cur.Version
			last = cur.Version
			continue
		}
		return b.closeStale(ctx, d, f, st, snap, pr, pending, a.Name, img.Name, env)
	}
	if !same || len(a.Images) == 0 {
		return false, nil
	}
	why := staleComment(staleNoChange, st.defaultBranch, a.Name, env, last, promote.Version{})
	if err := f.ClosePR(ctx, st.repo, pr.GetNumber(), why); err != nil {
		return false, err
	}
	b.decision(d, a.Name, env, "closed: branch no longer changes the environment", zap.Int("pr", pr.GetNumber()))
	return true, nil
}

// sweepBranches deletes Stagehand's branches that no open pull request
// uses, when the newest pull request from the branch was Stagehand's own,
// is closed or merged, and the branch still points at its head: nothing
// anyone pushed since is lost, and no branch of anyone else is touched. A
// branch with no pull request at all is left alone (another replica may
// be about to open it).
func (b *Bot) sweepBranches(ctx context.Context, d event.Delivery, f *forge.Forge, st *repoState, open []*github.PullRequest) error {
	branches, err := f.Branches(ctx, st.repo, branchPrefix)
	if err != nil {
		return err
	}
	self, err := b.ownLogin(ctx)
	if err != nil || self == "" {
		return err
	}
	var errs []error
	for name, sha := range branches {
		if slices.ContainsFunc(open, func(pr *github.PullRequest) bool { return pr.GetHead().GetRef() == name }) {
			continue
		}
		last, err := f.LastPull(ctx, st.repo, name)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if last == nil || last.GetState() != "closed" || last.GetUser().GetLogin() != self || last.GetHead().GetSHA() != sha {
			continue
		}
		if err := f.DeleteBranch(ctx, st.repo, name); err != nil {
			errs = append(errs, err)
			continue
		}
		b.metrics.converged.WithLabelValues("branch").Inc()
		b.decision(d, "", "", "resync: deleted a branch left behind", zap.String("branch", name), zap.Int("pr", last.GetNumber()))
	}
	return errors.Join(errs...)
}

// tagCache keeps each image's tag list, so that repositories sharing an
// image share one listing, and each repository lists an image at most
// once per the image's poll interval: a registry's rate limit (Docker
// Hub's) sees about one request per image per poll. A failed listing is
// kept like a good one, so the registry is not asked again before the
// next poll; a rate limit's (registry.RateLimitError) is kept until the
// registry said to come back, however many polls that is.
type tagCache struct {
	mu sync.Mutex
	// minAge is how long any listing is reused (Config.PollInterval),
	// so one pass over every repository lists an image once.
	minAge  time.Duration
	entries map[string]tagEntry
	// polled is when each repository last polled each image.
	polled map[string]map[string]time.Time
}

type tagEntry struct {
	at   time.Time
	tags []string
	err  error
	// until is when a registry that rate-limited asked to be asked again.
	until time.Time
}

func newTagCache(minAge time.Duration) *tagCache {
	return &tagCache{minAge: minAge, entries: map[string]tagEntry{}, polled: map[string]map[string]time.Time{}}
}

// pollSlack absorbs the loop's jitter: a poll is due a tenth early.
func pollSlack(poll time.Duration) time.Duration { return poll - poll/10 }

// list returns image's tags when repo's poll of it is due, nil when it is
// not, and the registry's error when the listing failed. A listing younger
// than the poll (or than minAge) is reused instead of asking the registry.
func (c *tagCache) list(ctx context.Context, l TagLister, repo, image string, poll time.Duration, now time.Time) ([]string, error) {
	c.mu.Lock()
	if last, ok := c.polled[repo][image]; ok && now.Sub(last) < pollSlack(poll) {
		c.mu.Unlock()
		return nil, nil
	}
	if c.polled[repo] == nil {
		c.polled[repo] = map[string]time.Time{}
	}
	c.polled[repo][image] = now
	e, ok := c.entries[image]
	c.mu.Unlock()
	if ok && (now.Sub(e.at) < max(pollSlack(poll), c.minAge) || now.Before(e.until)) {
		return e.tags, e.err
	}
	names, err := l.ListTags(ctx, image)
	if names == nil && err == nil {
		names = []string{}
	}
	e = tagEntry{at: now, tags: names, err: err}
	if rl := (*registry.RateLimitError)(nil); errors.As(err, &rl) {
		e.until = rl.Until // the registry said when: not before
	}
	c.mu.Lock()
	c.entries[image] = e
	c.mu.Unlock()
	return names, err
}

// forget drops what is kept for a repository that left.
func (c *tagCache) forget(repo string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.polled, repo)
}
