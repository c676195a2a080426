package bot

import (
	"context"
	"fmt"
	"math/rand"
	"os"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/fstest"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/stagehand-gitops/stagehand/internal/forge"
	"github.com/stagehand-gitops/stagehand/internal/githubsim"
	"github.com/stagehand-gitops/stagehand/internal/registry/registrytest"
	"github.com/stagehand-gitops/stagehand/internal/semver"
	"github.com/stagehand-gitops/stagehand/internal/tags"
)

// soakSize is how big a soak is. The small one runs in every go test; the
// full one, the issue's, runs with STAGEHAND_SOAK=full (make soak).
type soakSize struct {
	apps, repos, events int
	latency             time.Duration
	limit               time.Duration // the soak fails if it has not converged by then
}

var (
	smallSoak = soakSize{apps: 6, repos: 2, events: 48, latency: 2 * time.Millisecond, limit: 2 * time.Minute}
	fullSoak  = soakSize{apps: 50, repos: 5, events: 500, latency: 100 * time.Millisecond, limit: 9 * time.Minute}
)

// soakPolicy: dev takes the highest tag and merges it; staging follows dev
// and merges too; prod is manual and keeps what it has.
const soakPolicy = `version: 1
environments:
  - name: dev
    autoMerge: true
  - name: staging
    autoMerge: true
  - name: prod
    promotion: manual
`

// TestSoak pushes images for many apps to a real registry, out of order and
// with duplicates, while GitHub fails, limits, lags and races, webhooks and
// registry notifications are dropped, two replicas handle everything and
// one of them is killed mid-run; a fresh replica starts once the load is
// over. At the end every environment holds the tag the policy demands, no
// pull request is doubled or half-written, nothing panicked.
func TestSoak(t *testing.T) {
	size := smallSoak
	if os.Getenv("STAGEHAND_SOAK") == "full" {
		size = fullSoak
	} else if testing.Short() {
		t.Skip("the soak is not short")
	}
	began := time.Now()
	core, logs := observer.New(zap.WarnLevel)
	fl := newFleet(t, cappedSleep(50*time.Millisecond), core)
	sim, host := fl.sim, fl.host
	apps := seedSoak(t, sim, host, size, soakPolicy)
	load := soakLoad(size, apps)

	first := fl.startReplica()
	fl.startReplica()
	sim.ResetCalls()

	var dropped atomic.Int64
	rng := rand.New(rand.NewSource(1))
	var rngMu sync.Mutex
	fl.mu.Lock()
	fl.dropNotice = func() bool {
		rngMu.Lock()
		defer rngMu.Unlock()
		if rng.Float64() < 0.1 {
			dropped.Add(1)
			return true
		}
		return false
	}
	fl.mu.Unlock()

	base := githubsim.Faults{Latency: size.latency, ErrorRate: 0.2, WebhookDropRate: 0.1}
	phases := map[int]func(){
		0: func() { sim.SetFaults(with(base, 1, nil)) },
		len(load) * 2 / 10: func() {
			sim.SetFaults(with(base, 2, func(f *githubsim.Faults) { f.SecondaryRateLimit = 5 }))
		},
		len(load) * 3 / 10: func() {
			sim.SetFaults(with(base, 3, func(f *githubsim.Faults) { f.SecondaryRateLimit, f.SecondaryNoRetryAfter = 5, true }))
		},
		len(load) * 4 / 10: func() { sim.SetFaults(with(base, 4, func(f *githubsim.Faults) { f.TooManyRequests = 5 })) },
		len(load) * 5 / 10: func() { fl.kill(first) },
		len(load) * 6 / 10: func() {
			sim.SetFaults(with(base, 6, func(f *githubsim.Faults) { f.ExhaustPrimary, f.PrimaryReset = true, time.Second }))
		},
		len(load) * 7 / 10: func() {
			sim.SetFaults(with(base, 7, func(f *githubsim.Faults) { f.RefRaces, f.RefConflicts = 5, 3 }))
		},
	}
	for i, ev := range load {
		if phase, ok := phases[i]; ok {
			phase()
		}
		registrytest.Push(t, host+"/"+ev.image+":"+ev.tag, ev.img)
	}
	fl.settle(time.Second, size.limit)

	// The load is over and GitHub well again: a fresh replica starts, as
	// the killed one's replacement; its start redelivers failed webhooks
	// and rechecks every repository, and its first resync lists the
	// registry's tags, the backstop for the notifications that were lost.
	sim.SetFaults(githubsim.Faults{})
	fl.mu.Lock()
	fl.dropNotice = nil
	fl.mu.Unlock()
	fresh := fl.startReplica()
	if _, err := forge.RedeliverFailed(context.Background(), fresh.bot.cfg.Forges.(*AppForges).App.Client(), began.Add(-time.Hour)); err != nil {
		t.Fatalf("redeliver failed webhooks: %v", err)
	}
	fl.settle(time.Second, size.limit)
	if err := fresh.bot.EnqueueResync("soak"); err != nil {
		t.Fatalf("resync: %v", err)
	}
	fl.settle(time.Second, size.limit)

	fig := soakFigures(t, fl, apps, load)
	fig.elapsed, fig.droppedNotices = time.Since(began).Round(time.Second), int(dropped.Load())
	t.Log("\n" + fig.String())
	if fig.lost != 0 || fig.duplicates != 0 || fig.panics != 0 || len(fig.halfWritten) != 0 {
		t.Errorf("the soak did not converge:\n%s\nlogs:\n%s", strings.Join(fig.halfWritten, "\n"), warnings(logs, 20))
	}
	if v := sim.Violations(); len(v) != 0 {
		t.Errorf("requests outside GitHub's OpenAPI description: %v", v)
	}
}

// with returns base with its own seed and the changes of a phase.
func with(base githubsim.Faults, seed int64, change func(*githubsim.Faults)) githubsim.Faults {
	f := base
	f.Seed = seed
	if change != nil {
		change(&f)
	}
	return f
}

// cappedSleep waits as asked, but never longer than most: GitHub's waits
// (a minute for a secondary limit without Retry-After) are honoured in
// kind, compressed in time.
func cappedSleep(most time.Duration) forge.Sleeper {
	return func(ctx context.Context, d time.Duration) error {
		return forge.SleepContext(ctx, min(d, most))
	}
}

// soakApp is one app of the soak and the repository it lives in.
type soakApp struct {
	repo, name, image string
}

// seedSoak creates the config repositories with policy pol, each holding
// its share of the apps with every environment at v1.0.0.
func seedSoak(t *testing.T, sim *githubsim.Sim, host string, size soakSize, pol string) []soakApp {
	t.Helper()
	var apps []soakApp
	files := map[string]fstest.MapFS{}
	for i := range size.apps {
		a := soakApp{repo: fmt.Sprintf("acme/config-%d", i%size.repos), name: fmt.Sprintf("app-%02d", i)}
		a.image = "acme/" + a.name
		apps = append(apps, a)
		if files[a.repo] == nil {
			files[a.repo] = fstest.MapFS{".stagehand.yaml": {Data: []byte(pol)}}
		}
		for _, env := range []string{"dev", "staging", "prod"} {
			files[a.repo]["apps/"+a.name+"/overlays/"+env+"/kustomization.yaml"] = &fstest.MapFile{
				Data: []byte("images:\n- name: " + host + "/" + a.image + "\n  newTag: v1.0.0\n")}
		}
	}
	for repo, fsys := range files {
		owner, name, _ := strings.Cut(repo, "/")
		if err := sim.CreateRepo(githubsim.RepoOptions{Owner: owner, Name: name, Collaborators: map[string]githubsim.Permission{"alice": githubsim.PermAdmin}}); err != nil {
			t.Fatal(err)
		}
		if _, err := sim.SeedFS(repo, "main", fsys, "Initial commit\n"); err != nil {
			t.Fatal(err)
		}
	}
	return apps
}

// soakEvent is one push of the load.
type soakEvent struct {
	app      int
	image    string
	tag      string
	img      v1.Image
	distinct bool
}

// soakLoad makes size.events pushes spread over the apps: each app gets
// new tags and, for one push in five, a tag it already has again (a CI job
// run twice); the whole is shuffled, so tags arrive out of order.
func soakLoad(size soakSize, apps []soakApp) []soakEvent {
	rng := rand.New(rand.NewSource(2))
	var load []soakEvent
	for i := range size.events {
		a := i % len(apps)
		n := i / len(apps) // how many pushes this app had before
		ev := soakEvent{app: a, image: apps[a].image, distinct: n%5 != 4 || n == 0}
		if ev.distinct {
			ev.tag = fmt.Sprintf("v1.1.%d", n)
		} else {
			ev.tag = fmt.Sprintf("v1.1.%d", rng.Intn(n))
		}
		load = append(load, ev)
	}
	rng.Shuffle(len(load), func(i, j int) { load[i], load[j] = load[j], load[i] })
	images := map[string]v1.Image{}
	for i := range load {
		key := load[i].image + ":" + load[i].tag
		img, ok := images[key]
		if !ok {
			var err error
			if img, err = random.Image(64, 1); err != nil {
				panic(err) // random.Image fails only for a negative size
			}
			images[key] = img
		}
		load[i].img = img
	}
	return load
}

// demanded is the tag the policy demands of each app's environments once
// every push is known: the highest tag in dev and staging, prod untouched.
func demanded(apps []soakApp, load []soakEvent) map[string]map[string]string {
	out := map[string]map[string]string{}
	for i, a := range apps {
		var pushed []string
		for _, ev := range load {
			if ev.app == i {
				pushed = append(pushed, ev.tag)
			}
		}
		best := highest(pushed)
		out[a.name] = map[string]string{"dev": best, "staging": best, "prod": "v1.0.0"}
	}
	return out
}

// highest is the highest of the semantic versions.
func highest(versions []string) string {
	parse := func(v string) *semver.Version {
		p, err := tags.ParseVersion(v, "")
		if err != nil {
			panic(err)
		}
		return p
	}
	sort.Slice(versions, func(i, j int) bool { return parse(versions[i]).LessThan(parse(versions[j])) })
	return versions[len(versions)-1]
}

// warnings are the first n warning lines of the fleet's logs.
func warnings(logs *observer.ObservedLogs, n int) string {
	var out []string
	for _, e := range logs.All() {
		if len(out) == n {
			break
		}
		out = append(out, fmt.Sprintf("%s %v", e.Message, e.ContextMap()))
	}
	return strings.Join(out, "\n")
}
