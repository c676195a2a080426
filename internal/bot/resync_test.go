package bot

import (
	"context"
	"errors"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stagehand-gitops/stagehand/internal/forge"
	"github.com/stagehand-gitops/stagehand/internal/githubsim"
	"github.com/stagehand-gitops/stagehand/internal/golden"
	"github.com/stagehand-gitops/stagehand/internal/promote"
	"github.com/stagehand-gitops/stagehand/internal/registry"
	"github.com/stagehand-gitops/stagehand/internal/registry/registrytest"
)

// countingTags counts the tag listings a resync asks the registry for.
type countingTags struct {
	TagLister
	mu    sync.Mutex
	lists int
}

func (c *countingTags) ListTags(ctx context.Context, image string) ([]string, error) {
	c.mu.Lock()
	c.lists++
	c.mu.Unlock()
	return c.TagLister.ListTags(ctx, image)
}

func (c *countingTags) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lists
}

// registryWorld is a world whose config repository tracks an image of a
// real Distribution registry that sends no notifications at all: only the
// resync can learn of its tags.
func registryWorld(t *testing.T, policyTail string) (*world, *countingTags, string) {
	t.Helper()
	return registryWorldFront(t, policyTail, nil)
}

// registryWorldFront is registryWorld with front (when set) answering in
// the registry's place, and the resolver on the world's clock.
func registryWorldFront(t *testing.T, policyTail string, front func(http.Handler) http.Handler) (*world, *countingTags, string) {
	t.Helper()
	var w *world
	res := registry.NewResolver(registry.WithClock(func() time.Time { return w.clock.Now() },
		func(context.Context, time.Duration) error { return errors.New("the test does not wait") }))
	lister := &countingTags{TagLister: res}
	host := registrytest.Start(t, registrytest.Options{Front: front})
	image := host + "/acme/web"
	pol := strings.Replace(strings.ReplaceAll(testPolicy, "ghcr.io/acme/web", image), "    autoMerge: true\n", "", 1) + policyTail
	files := map[string]string{}
	for p, c := range seedFiles(testPolicy) {
		files[p] = strings.ReplaceAll(c, "ghcr.io/acme/web", image)
	}
	files[".stagehand.yaml"] = pol
	w = newWorld(t, worldOptions{files: files, resolver: res, tags: lister})
	pushImage(t, image, "v1.0.0", nil, "")
	return w, lister, image
}

// TestResyncBacksOffRateLimitedRegistry: the registry answers the tag
// list 429 with Retry-After: 900 (15 minutes, longer than a request
// waits); resyncs inside those 15 minutes send it nothing, though the
// image's poll is due at each; the first after them lists the tags and
// opens the pull request for the tag no notification announced.
func TestResyncBacksOffRateLimitedRegistry(t *testing.T) {
	var mu sync.Mutex
	limited, lists := false, 0
	front := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
			if strings.HasSuffix(r.URL.Path, "/tags/list") {
				mu.Lock()
				lists++
				l := limited
				limited = false // one 429, then the registry answers
				mu.Unlock()
				if l {
					rw.Header().Set("Retry-After", "900")
					http.Error(rw, "slow down", http.StatusTooManyRequests)
					return
				}
			}
			next.ServeHTTP(rw, r)
		})
	}
	w, _, image := registryWorldFront(t, "defaults:\n  poll: 1m\n", front)
	pushImage(t, image, "v1.1.0", nil, "")
	mu.Lock()
	limited = true
	mu.Unlock()
	ctx := context.Background()
	for i, want := range []int{1, 1, 1, 2} {
		if err := w.bot.Resync(ctx, configRepo); err != nil {
			t.Fatal(err)
		}
		w.settle()
		mu.Lock()
		got := lists
		mu.Unlock()
		if got != want {
			t.Errorf("resync %d (+%dm): %d tag lists reached the registry, want %d", i, 5*i, got, want)
		}
		_, open := w.open()["stagehand/dev/web"]
		if open != (want == 2) {
			t.Errorf("resync %d: dev pull request open %v, want %v; decisions %q", i, open, want == 2, w.decisions())
		}
		w.tick(5 * time.Minute)
	}
}

// TestResyncFindsUnnotifiedTag: a tag pushed to the registry with no
// notification delivered is found by the resync and opens the dev pull
// request; the next resync inside the image's poll interval asks the
// registry nothing and changes nothing, and one after it lists again.
func TestResyncFindsUnnotifiedTag(t *testing.T) {
	w, lister, image := registryWorld(t, "defaults:\n  poll: 10m\n")
	ctx := context.Background()
	if err := w.bot.Resync(ctx, configRepo); err != nil {
		t.Fatal(err)
	}
	w.settle()
	if n := len(w.pulls()); n != 0 {
		t.Fatalf("dev runs the newest tag, yet the resync opened %d pull requests", n)
	}
	digest := pushImage(t, image, "v1.1.0", nil, "")
	w.tick(5 * time.Minute) // inside the poll: not listed
	if err := w.bot.Resync(ctx, configRepo); err != nil {
		t.Fatal(err)
	}
	w.settle()
	if lister.count() != 1 || len(w.pulls()) != 0 {
		t.Fatalf("inside the poll interval: %d listings, %d pull requests; want 1 and 0", lister.count(), len(w.pulls()))
	}
	w.tick(5 * time.Minute)
	if err := w.bot.Resync(ctx, configRepo); err != nil {
		t.Fatal(err)
	}
	w.settle()
	pr, ok := w.open()["stagehand/dev/web"]
	if !ok || pr.Title != "Promote web to dev: v1.0.0 → v1.1.0" {
		t.Fatalf("after the poll: pull requests %+v, want the dev one; decisions %q", w.pulls(), w.decisions())
	}
	if lister.count() != 2 {
		t.Errorf("%d listings, want 2", lister.count())
	}
	if got := w.file(pr.HeadSHA, devOverlay); !strings.Contains(got, "newTag: v1.1.0") {
		t.Fatalf("dev overlay on the branch:\n%s", got)
	}
	_ = digest

	// The open pull request already proposes the newest tag: nothing to do.
	w.tick(10 * time.Minute)
	w.sim.ResetCalls()
	if err := w.bot.Resync(ctx, configRepo); err != nil {
		t.Fatal(err)
	}
	w.settle()
	if c := w.sim.Calls(); c.Writes != 0 {
		t.Errorf("a resync with the newest tag proposed wrote %d times: %v", c.Writes, c.Log)
	}
}

// TestResyncCallBudget: a resync of an unchanged repository costs at most
// two GitHub calls that count against the rate limit (304s are free).
func TestResyncCallBudget(t *testing.T) {
	w, _, _ := registryWorld(t, "")
	ctx := context.Background()
	w.sim.SetFaults(githubsim.Faults{WebhookDrop: 1 << 20})
	if err := w.bot.Resync(ctx, configRepo); err != nil { // warms the ETag cache
		t.Fatal(err)
	}
	for i := range 3 {
		w.tick(5 * time.Minute)
		w.sim.ResetCalls()
		if err := w.bot.Resync(ctx, configRepo); err != nil {
			t.Fatal(err)
		}
		c := w.sim.Calls()
		charged := c.Total() - c.NotModified
		t.Logf("resync %d: %d calls, %d answered 304: %v", i, c.Total(), c.NotModified, c.Log)
		if charged > 2 || c.Writes != 0 {
			t.Fatalf("resync %d of an unchanged repository: %d charged calls (%d writes), want at most 2 and none: %v", i, charged, c.Writes, c.Log)
		}
	}
}

// TestResyncDeletesBranchesLeftBehind: the branch of a merged promotion
// whose webhook was lost is deleted by the resync; a branch under
// stagehand/ that a person pushed and opened a pull request from is left
// alone, and so is one without any pull request.
func TestResyncDeletesBranchesLeftBehind(t *testing.T) {
	pol := strings.Replace(testPolicy, "    autoMerge: true\n", "", 1)
	w := newWorld(t, worldOptions{files: seedFiles(pol)})
	w.publish("v1.1.0")
	pr := w.open()["stagehand/dev/web"]
	w.sim.SetFaults(githubsim.Faults{WebhookDrop: 1 << 20})
	if _, err := w.sim.Merge("alice", configRepo, pr.Number, "merge"); err != nil {
		t.Fatal(err)
	}
	if _, err := w.sim.Push("alice", configRepo, "stagehand/dev/mine", "A person's branch\n", map[string]string{"notes.txt": "mine\n"}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.sim.Push("alice", configRepo, "stagehand/dev/lonely", "No pull request\n", map[string]string{"notes.txt": "lonely\n"}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.sim.OpenPR("alice", configRepo, "stagehand/dev/mine", "main", "Mine", ""); err != nil {
		t.Fatal(err)
	}
	w.settle()
	if !w.hasBranch("stagehand/dev/web") {
		t.Fatal("the merged branch is gone before the resync; the test needs its webhook lost")
	}
	if err := w.bot.Resync(context.Background(), configRepo); err != nil {
		t.Fatal(err)
	}
	w.settle()
	for branch, want := range map[string]bool{"stagehand/dev/web": false, "stagehand/dev/mine": true, "stagehand/dev/lonely": true} {
		if got := w.hasBranch(branch); got != want {
			t.Errorf("after the resync, branch %s exists: %v, want %v", branch, got, want)
		}
	}
}

// tick moves the test's clock on.
func (w *world) tick(d time.Duration) {
	w.clock.mu.Lock()
	w.clock.now = w.clock.now.Add(d)
	w.clock.mu.Unlock()
}

// TestEnqueueResync: one resync job per indexed repository, on the queue.
func TestEnqueueResync(t *testing.T) {
	w := newWorld(t, worldOptions{})
	before := w.jobs.idle()
	if err := w.bot.EnqueueResync("r1"); err != nil {
		t.Fatal(err)
	}
	w.settle()
	if n := w.jobs.idle() - before; n != 1 {
		t.Fatalf("%d jobs queued, want one for %s", n, configRepo)
	}
}

// TestResyncLoopWait: the wait is the interval moved by the jitter, from
// the injected source: -10% at 0, +10% just under 1.
func TestResyncLoopWait(t *testing.T) {
	tests := []struct {
		rnd  float64
		want time.Duration
	}{
		{0, 270 * time.Second},
		{0.5, 300 * time.Second},
		{0.75, 315 * time.Second},
	}
	for _, tt := range tests {
		l := ResyncLoop{Interval: 5 * time.Minute, Rand: func() float64 { return tt.rnd }}
		if got := l.Wait(); got != tt.want {
			t.Errorf("Wait with rand %v = %v, want %v", tt.rnd, got, tt.want)
		}
	}
}

// TestResyncLoopRun: each tick queues one resync per repository and runs
// the pass hook; the loop ends with its context; a zero interval does
// nothing.
func TestResyncLoopRun(t *testing.T) {
	w := newWorld(t, worldOptions{})
	ticks := make(chan time.Time)
	var waits []time.Duration
	passes := make(chan struct{}, 4)
	l := ResyncLoop{Interval: time.Minute, Rand: func() float64 { return 0.5 },
		After: func(d time.Duration) <-chan time.Time { waits = append(waits, d); return ticks },
		Pass:  func(context.Context) { passes <- struct{}{} }}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { l.Run(ctx, w.bot); close(done) }()
	before := w.jobs.idle()
	for range 2 {
		ticks <- time.Time{}
		<-passes
	}
	w.settle()
	if n := w.jobs.idle() - before; n != 2 {
		t.Errorf("two ticks queued %d jobs, want 2 (one repository)", n)
	}
	cancel()
	<-done
	if len(waits) != 3 || waits[0] != time.Minute {
		t.Errorf("waits %v, want three of 1m", waits)
	}
	ResyncLoop{}.Run(context.Background(), w.bot) // returns at once
}

// TestRedeliveryPassActsOnFailedWebhook: the merge's webhooks fail (GitHub
// records them with 502); the periodic redelivery pass has them sent
// again and the bot acts on them (the merged branch is deleted); the next
// pass asks GitHub for nothing more.
func TestRedeliveryPassActsOnFailedWebhook(t *testing.T) {
	pol := strings.Replace(testPolicy, "    autoMerge: true\n", "", 1)
	w := newWorld(t, worldOptions{files: seedFiles(pol)})
	w.publish("v1.1.0")
	pr := w.open()["stagehand/dev/web"]
	w.sim.SetFaults(githubsim.Faults{WebhookFailRate: 1})
	if _, err := w.sim.Merge("alice", configRepo, pr.Number, "merge"); err != nil {
		t.Fatal(err)
	}
	w.settle()
	w.sim.SetFaults(githubsim.Faults{})
	if !w.hasBranch("stagehand/dev/web") {
		t.Fatal("the merged branch is gone though its webhooks failed")
	}
	app := w.cfg.Forges.(*AppForges).App.Client()
	since := w.clock.Now().Add(-time.Hour)
	n, err := forge.RedeliverFailed(context.Background(), app, since)
	if err != nil || n == 0 {
		t.Fatalf("first pass redelivered %d (%v), want the merge's webhooks", n, err)
	}
	w.settle()
	if w.hasBranch("stagehand/dev/web") {
		t.Errorf("the redelivered merge webhook was not acted on: branch still there; decisions %q", w.decisions())
	}
	sent := len(w.sim.Deliveries())
	if n, err := forge.RedeliverFailed(context.Background(), app, since); err != nil || n != 0 {
		t.Fatalf("second pass redelivered %d (%v), want none", n, err)
	}
	w.settle()
	if got := len(w.sim.Deliveries()); got != sent {
		t.Errorf("the second pass sent %d deliveries more", got-sent)
	}
}

// TestResyncReadsPolicyOfLostPush: a push that changes the policy, whose
// webhook is lost, reaches the routing index at the next resync.
func TestResyncReadsPolicyOfLostPush(t *testing.T) {
	w := newWorld(t, worldOptions{})
	w.sim.SetFaults(githubsim.Faults{WebhookDrop: 1 << 20})
	moved := strings.ReplaceAll(testPolicy, "ghcr.io/acme/web", "ghcr.io/acme/web2")
	if _, err := w.sim.Push("alice", configRepo, "main", "Move the image\n", map[string]string{".stagehand.yaml": moved}); err != nil {
		t.Fatal(err)
	}
	w.settle()
	if len(w.bot.Index().Targets("ghcr.io/acme/web2")) != 0 {
		t.Fatal("the index has the new policy though its push webhook was lost")
	}
	if err := w.bot.Resync(context.Background(), configRepo); err != nil {
		t.Fatal(err)
	}
	if len(w.bot.Index().Targets("ghcr.io/acme/web2")) != 1 || len(w.bot.Index().Targets("ghcr.io/acme/web")) != 0 {
		t.Fatalf("after the resync the index routes web2 to %v and web to %v; want the new policy",
			w.bot.Index().Targets("ghcr.io/acme/web2"), w.bot.Index().Targets("ghcr.io/acme/web"))
	}
}

// TestResyncClosesStalePullRequest: a person sets dev on main themselves,
// to the proposed tag or past it, and the push's webhook is lost; the
// resync closes the dev pull request that has nothing left to merge, and
// says why.
func TestResyncClosesStalePullRequest(t *testing.T) {
	for _, tag := range []string{"v1.1.0", "v1.2.0"} {
		t.Run(tag, func(t *testing.T) {
			pol := strings.Replace(testPolicy, "    autoMerge: true\n", "", 1)
			w := newWorld(t, worldOptions{files: seedFiles(pol)})
			w.publish("v1.1.0")
			pr := w.open()["stagehand/dev/web"]
			w.sim.SetFaults(githubsim.Faults{WebhookDrop: 1 << 20})
			edited := strings.Replace(seedFiles(pol)[devOverlay], "v1.0.0", tag, 1)
			if _, err := w.sim.Push("alice", configRepo, "main", "Set dev by hand\n", map[string]string{devOverlay: edited}); err != nil {
				t.Fatal(err)
			}
			w.settle()
			if _, open := w.open()["stagehand/dev/web"]; !open {
				t.Fatal("the pull request closed before the resync; the test needs the push webhook lost")
			}
			if err := w.bot.Resync(context.Background(), configRepo); err != nil {
				t.Fatal(err)
			}
			w.settle()
			if _, open := w.open()["stagehand/dev/web"]; open {
				t.Fatalf("#%d still open after the resync; decisions %q", pr.Number, w.decisions())
			}
			comments, err := w.sim.Comments(configRepo, pr.Number)
			if err != nil || len(comments) == 0 {
				t.Fatalf("comments on #%d: %v, %v", pr.Number, comments, err)
			}
			golden.CheckString(t, filepath.Join("testdata", "stale", "main-"+tag+".md"), comments[len(comments)-1].Body)
		})
	}
}

// fixedTags answers every listing with the same tags, or err.
type fixedTags struct {
	lists int
	err   error
}

func (f *fixedTags) ListTags(context.Context, string) ([]string, error) {
	f.lists++
	return []string{"v1.0.0"}, f.err
}

// TestTagCache: two repositories tracking one image share a listing; a
// repository is not due again inside the image's poll (less a tenth for
// the jitter); a failed listing (a registry's 429) is kept as well, so the
// registry is not asked again before the next poll.
func TestTagCache(t *testing.T) {
	ctx := context.Background()
	at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	l := &fixedTags{}
	c := newTagCache(2 * time.Minute)
	const img = "ghcr.io/acme/web"
	steps := []struct {
		repo    string
		after   time.Duration
		poll    time.Duration
		due     bool
		listing int // listings so far
	}{
		{"acme/one", 0, 10 * time.Minute, true, 1},
		{"acme/two", time.Second, 10 * time.Minute, true, 1}, // shares the listing
		{"acme/one", 8 * time.Minute, 10 * time.Minute, false, 1},
		{"acme/one", 9 * time.Minute, 10 * time.Minute, true, 2},  // due a tenth early, and a due poll lists afresh
		{"acme/two", 10 * time.Minute, 10 * time.Minute, true, 2}, // shares the 1m-old listing
		{"acme/three", 10*time.Minute + time.Second, 0, true, 2},  // every resync, but within minAge of a listing
		{"acme/three", 13 * time.Minute, 0, true, 3},
	}
	for i, s := range steps {
		tags, err := c.list(ctx, l, s.repo, img, s.poll, at.Add(s.after))
		if err != nil || (tags != nil) != s.due || l.lists != s.listing {
			t.Errorf("step %d (%s at +%v): tags %v, err %v, %d listings; want due %v with %d listings", i, s.repo, s.after, tags, err, l.lists, s.due, s.listing)
		}
	}
	refused := &fixedTags{err: errors.New("429 Too Many Requests")}
	c = newTagCache(2 * time.Minute)
	for _, repo := range []string{"acme/one", "acme/two"} {
		if _, err := c.list(ctx, refused, repo, img, time.Hour, at); err == nil {
			t.Errorf("%s: the refusal was not reported", repo)
		}
	}
	if refused.lists != 1 {
		t.Errorf("a refusing registry was asked %d times, want once", refused.lists)
	}
	// A rate limit longer than the poll holds every later poll until it ends.
	limited := &fixedTags{err: &registry.RateLimitError{Registry: "ghcr.io", Status: 429, Until: at.Add(3 * time.Hour)}}
	c = newTagCache(2 * time.Minute)
	for _, after := range []time.Duration{0, time.Hour, 2 * time.Hour, 3*time.Hour - time.Second} {
		if _, err := c.list(ctx, limited, "acme/one", img, time.Hour, at.Add(after)); !errors.Is(err, registry.ErrRateLimited) {
			t.Errorf("+%v: error %v, want the rate limit", after, err)
		}
	}
	if _, _ = c.list(ctx, limited, "acme/one", img, time.Hour, at.Add(4*time.Hour)); limited.lists != 2 {
		t.Errorf("a rate-limited registry was asked %d times over its backoff and once after, want 2", limited.lists)
	}
}

// TestResyncClosesUnchangingPullRequest: someone resets the dev branch to
// what main runs, and its webhook is lost; the title still proposes
// v1.1.0, but the branch changes nothing, and the resync closes it saying
// so. An open pull request that still changes dev is left open.
func TestResyncClosesUnchangingPullRequest(t *testing.T) {
	pol := strings.Replace(testPolicy, "    autoMerge: true\n", "", 1)
	w := newWorld(t, worldOptions{files: seedFiles(pol)})
	w.publish("v1.1.0")
	pr, ok := w.open()["stagehand/dev/web"]
	if !ok {
		t.Fatalf("no dev pull request; decisions %q", w.decisions())
	}
	if err := w.bot.Resync(context.Background(), configRepo); err != nil {
		t.Fatal(err)
	}
	w.settle()
	if _, open := w.open()["stagehand/dev/web"]; !open {
		t.Fatalf("#%d closed while it still changes dev; decisions %q", pr.Number, w.decisions())
	}
	w.sim.SetFaults(githubsim.Faults{WebhookDrop: 1 << 20})
	if _, err := w.sim.Push("alice", configRepo, "stagehand/dev/web", "Reset dev\n", map[string]string{devOverlay: seedFiles(pol)[devOverlay]}); err != nil {
		t.Fatal(err)
	}
	w.settle()
	if err := w.bot.Resync(context.Background(), configRepo); err != nil {
		t.Fatal(err)
	}
	w.settle()
	if _, open := w.open()["stagehand/dev/web"]; open {
		t.Fatalf("#%d still open after the resync; decisions %q", pr.Number, w.decisions())
	}
	comments, err := w.sim.Comments(configRepo, pr.Number)
	if err != nil || len(comments) == 0 {
		t.Fatalf("comments on #%d: %v, %v", pr.Number, comments, err)
	}
	golden.CheckString(t, filepath.Join("testdata", "stale", "no-change.md"), comments[len(comments)-1].Body)
}

// TestStaleComment: each reason a stale pull request is closed with.
func TestStaleComment(t *testing.T) {
	cur, pending := promote.Version{Tag: "v1.2.0"}, promote.Version{Tag: "v1.1.0"}
	for name, kind := range map[string]staleKind{"held": staleHeld, "newer": staleNewer, "no-change": staleNoChange} {
		t.Run(name, func(t *testing.T) {
			c, p := cur, pending
			if kind == staleHeld {
				p = cur
			}
			golden.CheckString(t, filepath.Join("testdata", "stale", "comment-"+name+".md"), staleComment(kind, "main", "web", "staging", c, p))
		})
	}
}
