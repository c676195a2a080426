package bot

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cenkalti/backoff/v5"
	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/stagehand-gitops/stagehand/internal/forge"
	"github.com/stagehand-gitops/stagehand/internal/githubsim"
	"github.com/stagehand-gitops/stagehand/internal/queue"
	"github.com/stagehand-gitops/stagehand/internal/registry"
	"github.com/stagehand-gitops/stagehand/internal/registry/registrytest"
	"github.com/stagehand-gitops/stagehand/internal/server"
)

// fleet is Stagehand deployed as several replicas (processes) in front of
// one simulated GitHub: every webhook is delivered to each live replica,
// as is every registry notification (a registry may list one notification
// endpoint per replica). Each replica has its own server, queue, bot,
// caches and GitHub clients; they share nothing but GitHub.
type fleet struct {
	t   testing.TB
	sim *githubsim.Sim
	// url is where GitHub and the registry send: /webhooks/... .
	url string
	// host is the registry's host:port.
	host     string
	resolver *registry.Resolver
	creds    server.RegistryAuth
	sleep    forge.Sleeper
	log      zapcore.Core

	mu   sync.Mutex
	live []*replica
	all  []*replica // every replica ever started, killed ones too
	// dropNotice, when set, says whether a registry notification is lost
	// on its way: the registry is told it arrived, no replica sees it.
	dropNotice func() bool
	// started counts every replica ever started, for their names.
	started int
	// notified counts the registry's push notifications handed to the
	// replicas, by repository:tag.
	notified map[string]int
}

// replica is one Stagehand process.
type replica struct {
	name string
	bot  *Bot
	q    *queue.Queue
	srv  http.Handler
	reg  *prometheus.Registry
	// queued counts the jobs its queue accepted; ended ones are in reg.
	queued atomic.Int64
}

// fleetQueue counts the jobs a replica's queue accepts.
type fleetQueue struct{ r *replica }

func (f fleetQueue) Enqueue(j queue.Job) error {
	if err := f.r.q.Enqueue(j); err != nil {
		return err
	}
	f.r.queued.Add(1)
	return nil
}

// newFleet starts what surrounds Stagehand: a simulated GitHub and a
// Distribution registry, both sending to the endpoint every replica stands
// behind. Start replicas with startReplica.
func newFleet(t testing.TB, sleep forge.Sleeper, log zapcore.Core) *fleet {
	fl := &fleet{t: t, resolver: registry.NewResolver(), sleep: sleep, log: log}
	fl.creds = registryCredentials(t)
	srv := httptest.NewServer(http.HandlerFunc(fl.fanOut))
	t.Cleanup(srv.Close)
	fl.url = srv.URL
	// The full soak makes about 12,000 calls in five minutes, above the
	// 5,000 an hour GitHub gives an installation token by default (the
	// soak found it): it runs on the 15,000 of an Enterprise Cloud
	// installation, and exhausts the primary limit on purpose once.
	sim, err := githubsim.New(githubsim.Options{T: t, WebhookURL: fl.url + "/webhooks/github", WebhookSecret: webhookSecret, AppKey: testKey(t),
		RateLimit: 15000})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sim.Close)
	fl.sim = sim
	fl.host = registrytest.Start(t, registrytest.Options{NotifyURL: fl.url + "/webhooks/registry/distribution", NotifyToken: registryToken("distribution")})
	return fl
}

// fanOut hands a request to every live replica and answers with the best
// of their answers: the sender retries only when none took it.
func (fl *fleet) fanOut(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	fl.mu.Lock()
	live := append([]*replica(nil), fl.live...)
	drop := fl.dropNotice
	fl.mu.Unlock()
	if drop != nil && r.URL.Path != "/webhooks/github" && drop() {
		w.WriteHeader(http.StatusAccepted)
		return
	}
	if r.URL.Path != "/webhooks/github" {
		fl.countNotice(body)
	}
	status := http.StatusServiceUnavailable
	for _, rep := range live {
		req := r.Clone(r.Context())
		req.Body = io.NopCloser(bytes.NewReader(body))
		rec := httptest.NewRecorder()
		rep.srv.ServeHTTP(rec, req)
		if rec.Code < status {
			status = rec.Code
		}
	}
	w.WriteHeader(status)
}

// countNotice records the tags a registry notification tells of.
func (fl *fleet) countNotice(body []byte) {
	var env struct {
		Events []struct {
			Action string `json:"action"`
			Target struct {
				Repository string `json:"repository"`
				Tag        string `json:"tag"`
			} `json:"target"`
		} `json:"events"`
	}
	if json.Unmarshal(body, &env) != nil {
		return
	}
	fl.mu.Lock()
	defer fl.mu.Unlock()
	if fl.notified == nil {
		fl.notified = map[string]int{}
	}
	for _, e := range env.Events {
		if e.Action == "push" && e.Target.Tag != "" {
			fl.notified[e.Target.Repository+":"+e.Target.Tag]++
		}
	}
}

// awaitNotified waits until the registry has told the replicas of every
// ref (repository:tag): its notifications leave from a queue of their own
// after the push has returned, so a test that settles right after pushing
// may otherwise settle before any of them arrived.
func (fl *fleet) awaitNotified(limit time.Duration, refs ...string) {
	fl.t.Helper()
	deadline := time.Now().Add(limit)
	for {
		fl.mu.Lock()
		var missing []string
		for _, ref := range refs {
			if fl.notified[ref] == 0 {
				missing = append(missing, ref)
			}
		}
		fl.mu.Unlock()
		if len(missing) == 0 {
			return
		}
		if time.Now().After(deadline) {
			fl.t.Fatalf("the registry did not notify %v within %v", missing, limit)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// startReplica starts one more Stagehand process and waits for its start
// (the routing index and the recheck of every repository).
func (fl *fleet) startReplica() *replica {
	t := fl.t
	t.Helper()
	fl.mu.Lock()
	fl.started++
	rep := &replica{name: string(rune('a' + fl.started - 1)), reg: prometheus.NewRegistry()}
	fl.mu.Unlock()
	rt, err := forge.NewTransport(forge.TransportOptions{Sleep: fl.sleep})
	if err != nil {
		t.Fatal(err)
	}
	app, err := forge.NewApp(fl.sim.AppID(), fl.sim.AppKey(), fl.sim.URL(), rt)
	if err != nil {
		t.Fatal(err)
	}
	forges := &AppForges{App: app, Options: forge.Options{Sleep: fl.sleep}}
	logger := zap.New(fl.log).With(zap.String("replica", rep.name))
	rep.q, err = queue.New(queue.Options{Workers: 4, MaxAttempts: 30, Registerer: rep.reg, Sleep: fl.sleep, Logger: logger,
		NewBackOff: func() backoff.BackOff {
			b := backoff.NewExponentialBackOff()
			b.InitialInterval, b.MaxInterval = 20*time.Millisecond, 500*time.Millisecond
			return b
		}})
	if err != nil {
		t.Fatal(err)
	}
	rep.bot, err = New(Config{Forges: forges, Installations: forges.Installations, Queue: fleetQueue{rep}, Resolver: fl.resolver,
		Labels: fl.resolver, Tags: fl.resolver, Logger: logger, Registerer: rep.reg})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := server.New(server.Config{Secrets: [][]byte{[]byte(webhookSecret)}, Queue: fleetQueue{rep}, Handler: rep.bot,
		Registry: rep.reg, RegistryAuth: fl.creds, Routes: rep.bot.Index(), Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	rep.srv = srv
	t.Cleanup(func() { fl.kill(rep) })
	if err := rep.bot.Start(context.Background()); err != nil {
		t.Fatalf("start replica %s: %v", rep.name, err)
	}
	fl.mu.Lock()
	fl.live = append(fl.live, rep)
	fl.all = append(fl.all, rep)
	fl.mu.Unlock()
	return rep
}

// kill stops a replica dead: it takes no more requests, and its running
// jobs are cancelled where they stand, its queued ones lost.
func (fl *fleet) kill(rep *replica) {
	fl.mu.Lock()
	for i, r := range fl.live {
		if r == rep {
			fl.live = append(fl.live[:i], fl.live[i+1:]...)
			break
		}
	}
	fl.mu.Unlock()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_ = rep.q.Shutdown(ctx)
}

// ended counts a replica's jobs that ended, by result.
func (rep *replica) ended() map[string]int {
	out := map[string]int{}
	mfs, err := rep.reg.Gather()
	if err != nil {
		return out
	}
	for _, mf := range mfs {
		if mf.GetName() != "stagehand_jobs_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "result" {
					out[l.GetValue()] += int(m.GetCounter().GetValue())
				}
			}
		}
	}
	return out
}

// idle reports whether every job a live replica queued has ended.
func (fl *fleet) idle() bool {
	fl.mu.Lock()
	defer fl.mu.Unlock()
	for _, rep := range fl.live {
		n := 0
		for _, c := range rep.ended() {
			n += c
		}
		if int64(n) < rep.queued.Load() {
			return false
		}
	}
	return true
}

// settle waits until GitHub has sent every webhook, the live replicas have
// ended every job, and nothing happened for quiet; it gives up at limit.
func (fl *fleet) settle(quiet, limit time.Duration) {
	fl.t.Helper()
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		fl.sim.Flush()
		ctx, cancel := context.WithTimeout(context.Background(), time.Until(deadline))
		err := fl.sim.Settle(ctx, quiet)
		cancel()
		if err == nil && fl.idle() {
			fl.sim.Flush()
			if fl.idle() {
				return
			}
		}
		time.Sleep(quiet / 4)
	}
	fl.t.Fatalf("the fleet did not settle within %v", limit)
}
