package bot

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/stagehand-gitops/stagehand/internal/forge"
	"github.com/stagehand-gitops/stagehand/internal/githubsim"
	"github.com/stagehand-gitops/stagehand/internal/queue"
	"github.com/stagehand-gitops/stagehand/internal/registry"
	"github.com/stagehand-gitops/stagehand/internal/server"
)

const (
	configRepo    = "acme/config"
	sourceRepo    = "acme/web"
	webhookSecret = "test-secret"
)

// testPolicy: dev takes every new tag and auto-merges; staging soaks an
// hour in dev and needs dev healthy; prod is manual.
const testPolicy = `version: 1
environments:
  - name: dev
    autoMerge: true
  - name: staging
    soak: 1h
    requireHealthy: true
  - name: prod
    promotion: manual
apps:
  web:
    image: ghcr.io/acme/web
`

func seedFiles(pol string) map[string]string {
	ov := func(tag string) string {
		return "resources:\n- ../../base\nimages:\n- name: ghcr.io/acme/web\n  newTag: " + tag + " # keep this comment\n"
	}
	return map[string]string{
		".stagehand.yaml":                              pol,
		"apps/web/base/kustomization.yaml":             "resources:\n- deployment.yaml\n",
		"apps/web/base/deployment.yaml":                "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n",
		"apps/web/overlays/dev/kustomization.yaml":     ov("v1.0.0"),
		"apps/web/overlays/staging/kustomization.yaml": ov("v1.0.0"),
		"apps/web/overlays/prod/kustomization.yaml":    ov("v1.0.0"),
	}
}

// clock is the one time of a test: the simulator's commit dates, the
// bot's gates and the scheduler all read it.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// scheduler is a fake Scheduler: timers fire when the test advances the
// clock; armed counts the timers ever set.
type scheduler struct {
	clock *clock
	mu    sync.Mutex
	at    []timer
	armed int
}

type timer struct {
	id int
	t  time.Time
	fn func()
}

func (s *scheduler) At(t time.Time, fn func()) func() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.armed++
	id := s.armed
	s.at = append(s.at, timer{id, t, fn})
	return func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.at = slices.DeleteFunc(s.at, func(x timer) bool { return x.id == id })
	}
}

// count returns how many timers were ever set and how many are pending.
func (s *scheduler) count() (armed, pending int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.armed, len(s.at)
}

// times lists the pending timers.
func (s *scheduler) times() []time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []time.Time
	for _, x := range s.at {
		out = append(out, x.t)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Before(out[j]) })
	return out
}

// advance moves the clock and fires the timers that are due.
func (s *scheduler) advance(d time.Duration) {
	s.clock.mu.Lock()
	s.clock.now = s.clock.now.Add(d)
	now := s.clock.now
	s.clock.mu.Unlock()
	s.mu.Lock()
	var due []func()
	keep := s.at[:0]
	for _, x := range s.at {
		if !x.t.After(now) {
			due = append(due, x.fn)
		} else {
			keep = append(keep, x)
		}
	}
	s.at = keep
	s.mu.Unlock()
	for _, fn := range due {
		fn()
	}
}

// jobs wraps the queue to know when every job has run, and to collect the
// errors handlers return.
type jobs struct {
	q    *queue.Queue
	mu   sync.Mutex
	cond *sync.Cond
	open int
	seen int
	errs []error
}

func newJobs(q *queue.Queue) *jobs {
	j := &jobs{q: q}
	j.cond = sync.NewCond(&j.mu)
	return j
}

func (j *jobs) Enqueue(job queue.Job) error {
	run := job.Run
	job.Run = func(ctx context.Context) error {
		err := run(ctx)
		j.mu.Lock()
		j.open--
		if err != nil {
			j.errs = append(j.errs, err)
		}
		j.cond.Broadcast()
		j.mu.Unlock()
		return err
	}
	j.mu.Lock()
	j.open++
	j.seen++
	j.mu.Unlock()
	if err := j.q.Enqueue(job); err != nil {
		j.mu.Lock()
		j.open--
		j.mu.Unlock()
		return err
	}
	return nil
}

// idle waits until no job is queued or running and returns how many were ever queued.
func (j *jobs) idle() int {
	j.mu.Lock()
	defer j.mu.Unlock()
	for j.open > 0 {
		j.cond.Wait()
	}
	return j.seen
}

// world is a simulated GitHub sending signed webhooks to Stagehand's real
// server, queue and bot.
type world struct {
	t     testing.TB
	sim   *githubsim.Sim
	clock *clock
	sched *scheduler
	// otherComment is the last comment a second replica handled
	// (otherReplicaSays).
	otherComment int64
	bot          *Bot
	jobs         *jobs
	srv          *httptest.Server
	logs         *observer.ObservedLogs
	cfg          Config
	// serve swaps what the webhook endpoint serves, and serverConfig is
	// its configuration without handler and routes: a restart builds both anew.
	serve        func(http.Handler)
	serverConfig server.Config
}

// restart replaces Stagehand with a new process: a fresh bot (empty index,
// no timers) behind a fresh server, on the same queue and GitHub.
func (w *world) restart() {
	w.t.Helper()
	cfg := w.cfg
	cfg.Schedule = &scheduler{clock: w.clock}
	w.sched = cfg.Schedule.(*scheduler)
	b, err := New(cfg)
	if err != nil {
		w.t.Fatal(err)
	}
	sc := w.serverConfig
	sc.Handler, sc.Routes, sc.Registry = b, b.Index(), prometheus.NewRegistry()
	srv, err := server.New(sc)
	if err != nil {
		w.t.Fatal(err)
	}
	w.bot = b
	w.serve(srv)
	if err := b.Start(context.Background()); err != nil {
		w.t.Fatal(err)
	}
	w.settle()
}

var (
	keyOnce sync.Once
	appKey  *rsa.PrivateKey
)

func testKey(t testing.TB) *rsa.PrivateKey {
	keyOnce.Do(func() {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			t.Fatalf("generate key: %v", err)
		}
		appKey = k
	})
	return appKey
}

type worldOptions struct {
	files    map[string]string
	resolver Resolver
	tags     TagLister
	labels   Labeler
	verifier Verifier
}

func newWorld(t testing.TB, o worldOptions) *world {
	t.Helper()
	w := &world{t: t, clock: &clock{now: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}}
	w.sched = &scheduler{clock: w.clock}
	var handler http.Handler = http.NotFoundHandler()
	var mu sync.Mutex
	w.srv = httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		mu.Lock()
		h := handler
		mu.Unlock()
		h.ServeHTTP(rw, r)
	}))
	t.Cleanup(w.srv.Close)
	sim, err := githubsim.New(githubsim.Options{T: t, WebhookURL: w.srv.URL + "/webhooks/github", WebhookSecret: webhookSecret,
		AppKey: testKey(t), Now: w.clock.Now})
	if err != nil {
		t.Fatalf("start githubsim: %v", err)
	}
	t.Cleanup(sim.Close)
	w.sim = sim
	for _, name := range []string{configRepo, sourceRepo} {
		owner, repo, _ := strings.Cut(name, "/")
		if err := sim.CreateRepo(githubsim.RepoOptions{Owner: owner, Name: repo, Collaborators: map[string]githubsim.Permission{
			"alice": githubsim.PermAdmin, "dev": githubsim.PermWrite, "ci": githubsim.PermWrite}}); err != nil {
			t.Fatal(err)
		}
	}
	files := o.files
	if files == nil {
		files = seedFiles(testPolicy)
	}
	fsys := fstest.MapFS{}
	for p, c := range files {
		fsys[p] = &fstest.MapFile{Data: []byte(c), Mode: 0o644}
	}
	if _, err := sim.SeedFS(configRepo, "main", fsys, "Initial commit\n"); err != nil {
		t.Fatal(err)
	}
	if _, err := sim.SeedFS(sourceRepo, "main", fstest.MapFS{"Dockerfile": {Data: []byte("FROM scratch\n")}}, "Initial commit\n"); err != nil {
		t.Fatal(err)
	}

	noWait := func(ctx context.Context, _ time.Duration) error { return ctx.Err() }
	rt, err := forge.NewTransport(forge.TransportOptions{Sleep: noWait})
	if err != nil {
		t.Fatal(err)
	}
	app, err := forge.NewApp(sim.AppID(), sim.AppKey(), sim.URL(), rt)
	if err != nil {
		t.Fatal(err)
	}
	forges := &AppForges{App: app, Options: forge.Options{Sleep: noWait}}
	reg := prometheus.NewRegistry()
	q, err := queue.New(queue.Options{Workers: 4, MaxAttempts: 1, Registerer: reg})
	if err != nil {
		t.Fatal(err)
	}
	w.jobs = newJobs(q)
	core, logs := observer.New(zap.InfoLevel)
	w.logs = logs
	w.cfg = Config{Forges: forges, Installations: forges.Installations, Queue: w.jobs, Resolver: o.resolver, Tags: o.tags, Labels: o.labels, Verifier: o.verifier,
		ConfirmWaits: []time.Duration{20 * time.Millisecond, 100 * time.Millisecond, 300 * time.Millisecond},
		Now:          w.clock.Now, Schedule: w.sched, Logger: zap.New(core), Registerer: reg}
	w.bot, err = New(w.cfg)
	if err != nil {
		t.Fatal(err)
	}
	creds := registryCredentials(t)
	srv, err := server.New(server.Config{Secrets: [][]byte{[]byte(webhookSecret)}, Queue: w.jobs, Handler: w.bot, Registry: reg,
		RegistryAuth: creds, Routes: w.bot.Index()})
	if err != nil {
		t.Fatal(err)
	}
	w.serve = func(h http.Handler) {
		mu.Lock()
		handler = h
		mu.Unlock()
	}
	w.serve(srv)
	w.serverConfig = server.Config{Secrets: [][]byte{[]byte(webhookSecret)}, Queue: w.jobs, RegistryAuth: creds}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = q.Shutdown(ctx)
	})
	if err := w.bot.Start(context.Background()); err != nil {
		t.Fatalf("start: %v", err)
	}
	w.settle()
	sim.ResetCalls()
	return w
}

// settle waits until every webhook has been delivered and every job they
// caused has run, then fails the test on any handler error.
func (w *world) settle() {
	w.t.Helper()
	if errs := w.settleErrors(); len(errs) > 0 {
		w.t.Fatalf("handler errors: %v", errors.Join(errs...))
	}
}

// settleErrors waits as settle does and returns the handler errors.
func (w *world) settleErrors() []error {
	for {
		jobs, sent := w.jobs.idle(), len(w.sim.Deliveries())
		w.sim.Flush()
		if w.jobs.idle() == jobs && len(w.sim.Deliveries()) == sent {
			break
		}
	}
	w.jobs.mu.Lock()
	errs := w.jobs.errs
	w.jobs.errs = nil
	w.jobs.mu.Unlock()
	return errs
}

// publish pushes an image tag to ghcr.io, as CI would: GitHub sends registry_package.
func (w *world) publish(tag string) {
	w.t.Helper()
	if err := w.sim.PublishContainer("ci", sourceRepo, "web", tag, digestOf(tag)); err != nil {
		w.t.Fatal(err)
	}
	w.settle()
}

func digestOf(tag string) string {
	const hex = "0123456789abcdef"
	b := []byte(strings.Repeat("0", 64))
	for i := 0; i < len(tag) && i < 64; i++ {
		b[i] = hex[tag[i]%16]
	}
	return "sha256:" + string(b)
}

// pulls returns the config repository's pull requests.
func (w *world) pulls() []githubsim.PullRequest {
	w.t.Helper()
	prs, err := w.sim.PullRequests(configRepo)
	if err != nil {
		w.t.Fatal(err)
	}
	return prs
}

// open returns the open pull requests by head branch.
func (w *world) open() map[string]githubsim.PullRequest {
	out := map[string]githubsim.PullRequest{}
	for _, pr := range w.pulls() {
		if pr.State == "open" {
			out[pr.Head] = pr
		}
	}
	return out
}

// file reads a file of the config repository at ref.
func (w *world) file(ref, path string) string {
	w.t.Helper()
	b, err := w.sim.File(configRepo, ref, path)
	if err != nil {
		w.t.Fatal(err)
	}
	return string(b)
}

// decisions lists the decision log lines as "app/env: decision".
func (w *world) decisions() []string {
	var out []string
	for _, e := range w.logs.FilterMessage("decision").All() {
		m := e.ContextMap()
		str := func(k string) string { s, _ := m[k].(string); return s }
		line := str("app") + "/" + str("env") + ": " + str("decision")
		if g := str("gates"); g != "" {
			line += " (" + g + ") since " + str("since_commit")
		}
		out = append(out, line)
	}
	return out
}

// registryCredentials accepts every registry source with its registryToken.
func registryCredentials(t testing.TB) *registry.Credentials {
	t.Helper()
	var specs []string
	for _, src := range registry.SourceNames() {
		specs = append(specs, src+"="+registryToken(src))
	}
	creds, err := registry.NewCredentials(specs, nil)
	if err != nil {
		t.Fatal(err)
	}
	return creds
}

// registryToken is the token each registry source authenticates with.
func registryToken(source string) string { return "token-" + source }

// postRegistry sends a registry webhook to Stagehand with the source's
// token in the query (every source's carrier accepts it) and returns the
// status code.
func (w *world) postRegistry(source string, header http.Header, body []byte) int {
	w.t.Helper()
	req, err := http.NewRequest(http.MethodPost, w.srv.URL+"/webhooks/registry/"+source+"?token="+registryToken(source), bytes.NewReader(body))
	if err != nil {
		w.t.Fatal(err)
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		w.t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}
