// Package bot is Stagehand's event handling: one handler per event kind,
// each thin. A handler gathers facts (a snapshot of the config repository,
// its open pull requests, git history, statuses), asks the pure core
// (policy, promote) for a decision, and applies it through the forge.
//
// Nothing is kept but a routing index, rebuilt from git at any time: what
// runs where is what the overlays on the default branch say, what is in
// flight is the open pull requests, and gates are read from history and
// statuses. Handling an event twice converges to the same pull requests.
package bot

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"

	"github.com/stagehand-gitops/stagehand/internal/checks"
	"github.com/stagehand-gitops/stagehand/internal/event"
	"github.com/stagehand-gitops/stagehand/internal/forge"
	"github.com/stagehand-gitops/stagehand/internal/queue"
	"github.com/stagehand-gitops/stagehand/internal/registry"
	"github.com/stagehand-gitops/stagehand/internal/server"
)

// Events the bot makes for itself; they never come from GitHub.
const (
	// EventImagePushed carries a registry.ImagePushed for one config
	// repository: from the registry webhook route, or fanned out from a
	// GitHub package event.
	EventImagePushed = event.ImagePushed
	// EventRecheck re-evaluates the gates of a repository's pending
	// promotions, when a time-based gate lifts.
	EventRecheck = "stagehand_recheck"
)

// Forges gives the Forge that acts as one App installation.
type Forges interface {
	Forge(installationID int64) *forge.Forge
	// Forget drops what is kept for an installation that is gone.
	Forget(installationID int64)
}

// Resolver confirms a registry event against the registry: the tag must
// resolve, and the digest it resolves to wins. *registry.Resolver is one.
type Resolver interface {
	Confirm(ctx context.Context, ev registry.ImagePushed) (registry.ImagePushed, error)
}

// TagLister lists the tags of an image ("host/repository") in its
// registry; *registry.Resolver is one. Environments with carry: version
// need the tags of their own channel that no event brought.
type TagLister interface {
	ListTags(ctx context.Context, image string) ([]string, error)
}

// Labeler reads the OCI labels of an image ("host/repo:tag" or
// "host/repo@digest"); *registry.Resolver is one. With them a pull request
// links the source change between the two images.
type Labeler interface {
	Labels(ctx context.Context, ref string) (map[string]string, error)
}

// Header tells what a tag points at now, with one manifest HEAD;
// *registry.Resolver is one. A promotion body says with it whether a tag
// of another channel is the image the previous environment runs.
type Header interface {
	Head(ctx context.Context, image, tag string) (registry.Descriptor, error)
}

// Scheduler runs fn at t, without blocking the caller; stop cancels it.
type Scheduler interface {
	At(t time.Time, fn func()) (stop func())
}

// Config configures a Bot.
type Config struct {
	// Forges acts as each installation. Required.
	Forges Forges
	// Installations lists the App's installation IDs, to build the
	// routing index at start (Start). Required for Start.
	Installations func(ctx context.Context) ([]int64, error)
	// Queue takes the bot's own jobs: fanned-out image events and gate
	// rechecks, keyed by repository like every delivery. Required.
	Queue server.Enqueuer
	// Login returns the App's own login ("<slug>[bot]"), read at Start:
	// the bot ignores its comments and finds its own status comments by
	// it. Default: the Forges' Login, when they have one.
	Login func(ctx context.Context) (string, error)
	// Resolver, when set, confirms each registry event (trust, not
	// blindly: the tag must resolve; its index digest is recorded).
	Resolver Resolver
	// ConfirmWaits are the pauses before asking the registry again about a
	// tag that does not resolve yet (default 250ms, 1s, 3s; empty asks once).
	ConfirmWaits []time.Duration
	// Tags, when set, lists an image's tags for carry: version
	// environments; without it they wait for a registry event.
	Tags TagLister
	// Labels, when set, reads images' OCI labels for the source link.
	Labels Labeler
	// PollInterval is how long a resync reuses an image's tag list, so
	// that one pass over many repositories lists each image once; serve
	// sets half its resync interval (default 0: no reuse across
	// repositories). An image's poll in the policy spaces its listings
	// further apart.
	PollInterval time.Duration
	// Digests, when set, resolves the tags of a carry: version promotion
	// that neither an overlay nor the event pins, for its same-image line.
	Digests Header
	// Verifier, when set, checks images' signatures where the policy
	// requires them (verify:); without it such environments take nothing.
	Verifier Verifier
	// Charts, when set, renders a values file with its local chart for
	// the check (internal/helmrender); without it such a file is
	// reported as not rendered.
	Charts checks.Renderer
	// Now tells the time for gates (default time.Now).
	Now func() time.Time
	// Schedule runs rechecks when a gate lifts (default: AfterFunc on Now).
	Schedule Scheduler
	// Logger gets one line per decision (default: none).
	Logger *zap.Logger
	// Registerer receives the stagehand_bot_* metrics (default: none).
	Registerer prometheus.Registerer
}

// Bot handles deliveries; it implements server.Handler.
type Bot struct {
	cfg     Config
	log     *zap.Logger
	index   *Index
	metrics *metrics

	mu     sync.Mutex
	timers map[string]*repoTimer // by repository: its one timer and the jobs due
	// waiting holds, per repository, the promotions a gate holds back:
	// derived state, rebuilt by the full scan at start.
	waiting map[string]map[pair]bool
	// self is the App's own login, once Start has read it.
	self string
	// unlisted holds, per repository, why the registry could not list the
	// tags of a carry: version environment's channel (for /status).
	unlisted map[string]map[pair]string
	// skipped holds, per repository, why the plan of a promotion proposed
	// nothing, for the board.
	skipped map[string]map[pair]string
	// tagList holds the tag lists resyncs read from registries.
	tagList *tagCache
	// policyRead is, per repository, the last commit a resync read the
	// policy at, so an invalid policy is read (and reported) once.
	policyRead map[string]string
	// refused holds, per repository, the tags refused because their
	// signature did not verify (for /status), made at the first.
	refused map[string]map[pair][]refusedTag
}

var _ server.Handler = (*Bot)(nil)

// New returns a Bot and registers its metrics.
func New(cfg Config) (*Bot, error) {
	if cfg.Forges == nil || cfg.Queue == nil {
		return nil, errors.New("bot needs forges and a queue")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.ConfirmWaits == nil {
		cfg.ConfirmWaits = []time.Duration{250 * time.Millisecond, time.Second, 3 * time.Second}
	}
	if cfg.Schedule == nil {
		cfg.Schedule = AfterFunc{Now: cfg.Now}
	}
	if cfg.Logger == nil {
		cfg.Logger = zap.NewNop()
	}
	if l, ok := cfg.Forges.(interface {
		Login(context.Context) (string, error)
	}); ok && cfg.Login == nil {
		cfg.Login = l.Login
	}
	m, err := newMetrics(cfg.Registerer)
	if err != nil {
		return nil, err
	}
	b := &Bot{cfg: cfg, log: cfg.Logger, index: NewIndex(), metrics: m, timers: map[string]*repoTimer{}, waiting: map[string]map[pair]bool{},
		unlisted: map[string]map[pair]string{}, skipped: map[string]map[pair]string{}, tagList: newTagCache(cfg.PollInterval), policyRead: map[string]string{}}
	b.index.onChange(m.setIndex)
	return b, nil
}

// selfLogin returns the App's own login, or "" before Start read it.
func (b *Bot) selfLogin() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.self
}

// ownLogin returns the App's own login, reading it once if Start has not;
// "" when the bot has no way to learn it (then nothing is taken for the
// App's own work).
func (b *Bot) ownLogin(ctx context.Context) (string, error) {
	if self := b.selfLogin(); self != "" || b.cfg.Login == nil {
		return self, nil
	}
	self, err := b.cfg.Login(ctx)
	if err != nil {
		return "", fmt.Errorf("the App's login: %w", err)
	}
	b.mu.Lock()
	b.self = self
	b.mu.Unlock()
	return self, nil
}

// Index returns the routing index: which config repositories track an image.
func (b *Bot) Index() *Index { return b.index }

// Handle handles one delivery. Events that cannot change anything are
// skipped before any call to GitHub.
func (b *Bot) Handle(ctx context.Context, d event.Delivery) error {
	// Every pull request's stagehand/<env> checks; OnChecks picks its own events.
	cerr := b.OnChecks(ctx, d)
	if ok, why := relevant(d); !ok {
		b.log.Debug("skipped", zap.String("delivery_id", d.ID), zap.String("event", d.Event),
			zap.String("action", d.Action), zap.String("repo", d.Repo), zap.String("reason", why))
		return retryable(cerr)
	}
	var err error
	switch d.Event {
	case event.Push:
		err = b.onPush(ctx, d)
	case event.PullRequest:
		err = b.onPullRequest(ctx, d)
	case event.IssueComment:
		err = b.onIssueComment(ctx, d)
	case event.Status, event.DeploymentStatus, event.CheckSuite, event.CheckRun:
		err = b.onStatus(ctx, d)
	case event.Installation, event.InstallationRepositories:
		err = b.onInstallation(ctx, d)
	case event.Package, event.RegistryPackage:
		err = b.onPackage(ctx, d)
	case EventImagePushed:
		err = b.onImage(ctx, d)
	case EventRecheck:
		err = b.onRecheck(ctx, d)
	case EventResync:
		err = b.onResync(ctx, d)
	}
	err = errors.Join(err, cerr)
	b.metrics.handled.WithLabelValues(d.Event, result(err)).Inc()
	return retryable(err)
}

// enqueue hands one of the bot's own deliveries to the queue.
func (b *Bot) enqueue(d event.Delivery) error {
	if err := b.cfg.Queue.Enqueue(b.job(d)); err != nil {
		return fmt.Errorf("queue %s for %s: %w", d.Event, d.Repo, err)
	}
	return nil
}

// job is the queue job that handles one of the bot's own deliveries.
func (b *Bot) job(d event.Delivery) queue.Job {
	return jobFor(d, b.Handle)
}

// decision logs one decision with the fields every line carries.
func (b *Bot) decision(d event.Delivery, app, env, what string, fields ...zap.Field) {
	base := []zap.Field{zap.String("delivery_id", d.ID), zap.String("repo", d.Repo),
		zap.String("app", app), zap.String("env", env), zap.String("decision", what)}
	b.log.Info("decision", append(base, fields...)...)
	b.metrics.decisions.WithLabelValues(decisionLabel(what)).Inc()
}

// decisionLabel keeps the metric's label set bounded: the words before
// the first colon.
func decisionLabel(what string) string {
	if i := strings.IndexAny(what, ":("); i > 0 {
		what = what[:i]
	}
	return strings.TrimSpace(what)
}

func result(err error) string {
	if err != nil {
		return "error"
	}
	return "ok"
}

// retryable marks the errors another attempt can cure: a ref that kept
// moving, a head that moved under a merge, and GitHub answering 5xx or a
// rate limit after the client's own retries and waits (handlers converge,
// so running one again finishes what the failed call left half done, such
// as a pull request opened without its labels).
func retryable(err error) error {
	if err != nil && (errors.Is(err, forge.ErrConflict) || errors.Is(err, forge.ErrHeadMoved) || errors.Is(err, forge.ErrLocked) || forge.ServerError(err) || forge.RateLimited(err)) {
		return queue.Retryable(err)
	}
	return err
}

// forgetRepo drops what the bot keeps on a repository that left the
// installation: the promotions a gate held back and the unlistable
// registries.
func (b *Bot) forgetRepo(repo string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.refused, repo)
	delete(b.waiting, repo)
	delete(b.unlisted, repo)
	delete(b.skipped, repo)
	b.tagList.forget(repo)
	delete(b.policyRead, repo)
}

// deletePair removes p from repo's set and the set once it is empty, so
// the per-repository maps shrink as their entries are done.
func deletePair[V any](m map[string]map[pair]V, repo string, p pair) {
	delete(m[repo], p)
	if len(m[repo]) == 0 {
		delete(m, repo)
	}
}

// parseRepo splits "owner/name".
func parseRepo(full string) (forge.Repo, error) {
	owner, name, ok := strings.Cut(full, "/")
	if !ok || owner == "" || name == "" {
		return forge.Repo{}, fmt.Errorf("repository %q is not owner/name", full)
	}
	return forge.Repo{Owner: owner, Name: name}, nil
}
