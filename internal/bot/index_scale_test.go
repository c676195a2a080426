package bot

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stagehand-gitops/stagehand/internal/forge"
	"github.com/stagehand-gitops/stagehand/internal/githubsim"
	"github.com/stagehand-gitops/stagehand/internal/queue"
)

// scaleRepo is the config repository indexRig holds.
var scaleRepo = forge.Repo{Owner: "acme", Name: "config"}

// writeApps writes into dir a config repository of n apps found from the
// layout: a base and dev, staging and prod overlays each. (A directory,
// not an fstest.MapFS, whose listings cost a scan of every file.)
func writeApps(tb testing.TB, dir string, n int) {
	tb.Helper()
	files := map[string]string{".stagehand.yaml": "version: 1\nenvironments:\n  - name: dev\n  - name: staging\n  - name: prod\n"}
	for i := range n {
		app := fmt.Sprintf("apps/app-%d/", i)
		files[app+"base/kustomization.yaml"] = "resources:\n- deployment.yaml\n"
		files[app+"base/deployment.yaml"] = fmt.Sprintf("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app-%d\n", i)
		for _, env := range []string{"dev", "staging", "prod"} {
			files[app+"overlays/"+env+"/kustomization.yaml"] = fmt.Sprintf("resources:\n- ../../base\nimages:\n- name: ghcr.io/acme/app-%d\n  newTag: v1.0.0\n", i)
		}
	}
	for p, data := range files {
		writeFile(tb, filepath.Join(dir, p), data)
	}
}

func writeFile(tb testing.TB, name, data string) {
	tb.Helper()
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(name, []byte(data), 0o644); err != nil {
		tb.Fatal(err)
	}
}

// newIndexSim returns a simulated GitHub holding writeApps(apps) as
// scaleRepo, and the directory it was seeded from.
func newIndexSim(tb testing.TB, apps int, contract bool) (*githubsim.Sim, string) {
	tb.Helper()
	sim, err := githubsim.New(githubsim.Options{T: tb, AppKey: testKey(tb), NoContract: !contract})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(sim.Close)
	if err := sim.CreateRepo(githubsim.RepoOptions{Owner: scaleRepo.Owner, Name: scaleRepo.Name}); err != nil {
		tb.Fatal(err)
	}
	dir := tb.TempDir()
	writeApps(tb, dir, apps)
	if _, err := sim.SeedFS(scaleRepo.String(), "main", os.DirFS(dir), "Initial commit\n"); err != nil {
		tb.Fatal(err)
	}
	return sim, dir
}

// freshBot returns a bot as a process that just started has it: its own
// HTTP and object caches, an empty index.
func freshBot(tb testing.TB, sim *githubsim.Sim) (*Bot, *forge.Forge) {
	tb.Helper()
	noWait := func(ctx context.Context, _ time.Duration) error { return ctx.Err() }
	rt, err := forge.NewTransport(forge.TransportOptions{Sleep: noWait})
	if err != nil {
		tb.Fatal(err)
	}
	app, err := forge.NewApp(sim.AppID(), sim.AppKey(), sim.URL(), rt)
	if err != nil {
		tb.Fatal(err)
	}
	forges := &AppForges{App: app, Options: forge.Options{Sleep: noWait}}
	q, err := queue.New(queue.Options{Workers: 1, MaxAttempts: 1})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = q.Shutdown(ctx)
	})
	b, err := New(Config{Forges: forges, Queue: q})
	if err != nil {
		tb.Fatal(err)
	}
	return b, forges.Forge(sim.InstallationID())
}

// indexCalls counts the calls of c as the rate limit does: a 304 is free,
// and the installation token (made once an hour, not per index) is left
// out.
func indexCalls(c githubsim.Calls) int {
	return c.Total() - c.NotModified - c.ByOperation["apps/create-installation-access-token"]
}

// index reads scaleRepo into b's index and returns the calls it took.
func index(tb testing.TB, sim *githubsim.Sim, b *Bot, f *forge.Forge, apps int) githubsim.Calls {
	tb.Helper()
	sim.ResetCalls()
	if err := b.refreshRepo(context.Background(), f, sim.InstallationID(), scaleRepo, "main", ""); err != nil {
		tb.Fatal(err)
	}
	calls := sim.Calls()
	st := b.index.get(scaleRepo.String())
	if st == nil || len(st.pol.Apps) != apps {
		tb.Fatalf("index holds %+v, want %d apps", st, apps)
	}
	if got := b.index.Targets(fmt.Sprintf("ghcr.io/acme/app-%d", apps-1)); len(got) != 1 || got[0].Repo != scaleRepo.String() {
		tb.Fatalf("last app routes to %+v", got)
	}
	return calls
}

// TestIndexCalls: indexing a config repository takes the same number of
// calls whatever its number of apps (the tree in one call, the overlays
// from one archive), none when it has not changed, and a changed overlay
// is read on its own.
func TestIndexCalls(t *testing.T) {
	tests := []struct {
		apps                          int
		cold, warm, changed, archives int
	}{
		// Cold: the head, the policy, the tree, the archive link.
		// Changed: the head, the policy and the tree at the new commit,
		// and the one new blob.
		{apps: 50, cold: 4, warm: 0, changed: 4, archives: 1},
		{apps: 500, cold: 4, warm: 0, changed: 4, archives: 1},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%d apps", tt.apps), func(t *testing.T) {
			sim, dir := newIndexSim(t, tt.apps, true)
			b, f := freshBot(t, sim)
			rows := []struct {
				name            string
				calls, archives int
				edit            bool
			}{
				{"cold", tt.cold, tt.archives, false},
				{"warm", tt.warm, 0, false},
				{"one overlay changed", tt.changed, 0, true},
			}
			for _, r := range rows {
				if r.edit {
					writeFile(t, filepath.Join(dir, "apps/app-0/overlays/dev/kustomization.yaml"), "images:\n- name: ghcr.io/acme/app-0\n  newTag: v1.1.0\n")
					if _, err := sim.SeedFS(scaleRepo.String(), "main", os.DirFS(dir), "Bump app-0 in dev\n"); err != nil {
						t.Fatal(err)
					}
				}
				c := index(t, sim, b, f, tt.apps)
				t.Logf("%s: %d calls, %d archives: %v", r.name, indexCalls(c), c.Archives, c.Log)
				if indexCalls(c) != r.calls || c.Archives != r.archives {
					t.Errorf("%s: %d calls and %d archives, want %d and %d: %v", r.name, indexCalls(c), c.Archives, r.calls, r.archives, c.Log)
				}
			}
		})
	}
}

// BenchmarkIndex5000 indexes a config repository of 5,000 apps × 3
// environments held in githubsim, as a process that just started does
// (fresh HTTP and object caches: cold), then again unchanged (warm). It
// reports the calls of each (a 304 is free), the archives downloaded,
// the object cache's bytes, and the process's peak RSS, which counts the
// simulated GitHub holding the repository too.
func BenchmarkIndex5000(b *testing.B) {
	const apps = 5000
	sim, _ := newIndexSim(b, apps, false)
	var cold, warm, archives int
	var cache int64
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		bot, f := freshBot(b, sim)
		b.StartTimer()
		c := index(b, sim, bot, f, apps)
		b.StopTimer()
		cold, archives = indexCalls(c), c.Archives
		warm = indexCalls(index(b, sim, bot, f, apps))
		cache = bot.cfg.Forges.(*AppForges).Options.Objects.Bytes()
		b.StartTimer()
	}
	b.ReportMetric(float64(cold), "cold-calls")
	b.ReportMetric(float64(warm), "warm-calls")
	b.ReportMetric(float64(archives), "archives")
	b.ReportMetric(float64(cache)/(1<<20), "cache-MiB")
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err == nil {
		b.ReportMetric(float64(ru.Maxrss)/(1<<10), "peak-RSS-MiB") // kilobytes on Linux
	}
}

// TestIndexArchiveFails: when the archive cannot be read, the refresh
// fails, to be tried again, and publishes no failing policy check: the
// policy is not at fault.
func TestIndexArchiveFails(t *testing.T) {
	const apps = 50
	sim, _ := newIndexSim(t, apps, true)
	b, f := freshBot(t, sim)
	sim.SetFaults(githubsim.Faults{Operations: []string{"repos/download-tarball-archive"}, Errors: 100})
	err := b.refreshRepo(context.Background(), f, sim.InstallationID(), scaleRepo, "main", "")
	if err == nil || !strings.Contains(err.Error(), "archive") {
		t.Fatalf("refresh = %v, want the archive's error", err)
	}
	runs, err := sim.CheckRuns(scaleRepo.String(), "main")
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 0 || b.index.get(scaleRepo.String()) != nil {
		t.Fatalf("after a failed read: check runs %+v, index %+v", runs, b.index.get(scaleRepo.String()))
	}
	sim.SetFaults(githubsim.Faults{})
	index(t, sim, b, f, apps)
}
