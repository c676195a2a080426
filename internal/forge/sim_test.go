package forge

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"net/http"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/stagehand-gitops/stagehand/internal/githubsim"
)

// testRepo is the config repository every test seeds.
var testRepo = Repo{Owner: "acme", Name: "config"}

// clock is a fake clock whose Sleep only advances it, shared by the Forge
// and the simulator's timestamps. (The simulator keeps rate limits on the
// wall clock, as GitHub's clients judge them, so the client stack does too.)
type clock struct {
	mu      sync.Mutex
	now     time.Time
	sleeps  []time.Duration
	onSleep func() // runs after each sleep, outside the lock
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	c.sleeps = append(c.sleeps, d)
	c.now = c.now.Add(d)
	hook := c.onSleep
	c.mu.Unlock()
	if hook != nil {
		hook()
	}
	return ctx.Err()
}

func (c *clock) Sleeps() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.sleeps...)
}

var (
	keyOnce sync.Once
	appKey  *rsa.PrivateKey
)

// simKey generates one App key for the whole test binary.
func simKey(t testing.TB) *rsa.PrivateKey {
	keyOnce.Do(func() {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			t.Fatalf("generate key: %v", err)
		}
		appKey = k
	})
	return appKey
}

// env is a simulated GitHub with one seeded repository and a Forge on it,
// authenticated as the App's installation.
type env struct {
	sim   *githubsim.Sim
	forge *Forge
	clock *clock
	reg   *prometheus.Registry
	head  string // main's head after seeding
}

// seedFiles is the default config repository: two apps, two environments.
var seedFiles = map[string]string{
	".stagehand.yaml":                           "version: 1\nenvironments:\n- name: dev\n- name: prod\n",
	"apps/web/base/kustomization.yaml":          "resources:\n- deployment.yaml\n",
	"apps/web/base/deployment.yaml":             "kind: Deployment\n",
	"apps/web/overlays/dev/kustomization.yaml":  "resources:\n- ../../base\nimages:\n- name: ghcr.io/acme/web\n  newTag: v1.0.0 # pinned\n",
	"apps/web/overlays/prod/kustomization.yaml": "resources:\n- ../../base\nimages:\n- name: ghcr.io/acme/web\n  newTag: v0.9.0\n",
	"apps/api/overlays/dev/kustomization.yaml":  "images:\n- name: ghcr.io/acme/api\n  newTag: v2.0.0\n",
}

type envOptions struct {
	files   map[string]string
	latency time.Duration
	sim     githubsim.Options
	// realClock runs the simulator on the wall clock, as App JWTs need:
	// ghinstallation signs them with time.Now.
	realClock bool
}

func newEnv(t testing.TB, o envOptions) *env {
	t.Helper()
	clk := &clock{now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	simOpts := o.sim
	simOpts.T = t
	simOpts.AppKey = simKey(t)
	if !o.realClock {
		simOpts.Now = clk.Now
	}
	sim, err := githubsim.New(simOpts)
	if err != nil {
		t.Fatalf("start githubsim: %v", err)
	}
	t.Cleanup(sim.Close)
	if err := sim.CreateRepo(githubsim.RepoOptions{Owner: testRepo.Owner, Name: testRepo.Name,
		Collaborators: map[string]githubsim.Permission{"alice": githubsim.PermAdmin, "dev": githubsim.PermWrite, "reader": githubsim.PermRead}}); err != nil {
		t.Fatalf("create repo: %v", err)
	}
	files := o.files
	if files == nil {
		files = seedFiles
	}
	fsys := fstest.MapFS{}
	for p, c := range files {
		fsys[p] = &fstest.MapFile{Data: []byte(c), Mode: 0o644}
	}
	head, err := sim.SeedFS(testRepo.String(), "main", fsys, "Initial commit\n")
	if err != nil {
		t.Fatalf("seed: %v", err)
	}
	e := &env{sim: sim, clock: clk, reg: prometheus.NewRegistry(), head: head}
	gh, err := NewClient(sim.URL(), sim.InstallationToken(), e.transport(t))
	if err != nil {
		t.Fatalf("client: %v", err)
	}
	if o.latency > 0 {
		sim.SetFaults(githubsim.Faults{Latency: o.latency})
	}
	sim.ResetCalls()
	e.forge = New(gh, Options{Sleep: clk.Sleep})
	return e
}

// transport returns a client stack recording into the env's registry and
// sleeping on its clock.
func (e *env) transport(t testing.TB) http.RoundTripper {
	t.Helper()
	rt, err := NewTransport(TransportOptions{Registerer: e.reg, Sleep: e.clock.Sleep})
	if err != nil {
		t.Fatalf("transport: %v", err)
	}
	return rt
}

// calls returns the calls since the last reset, and resets.
func (e *env) calls() githubsim.Calls {
	c := e.sim.Calls()
	e.sim.ResetCalls()
	return c
}
