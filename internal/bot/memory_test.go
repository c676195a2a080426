package bot

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// sizes counts what the bot keeps per repository and per installation.
type sizes struct{ repos, waiting, unlisted, forges, clients int }

func (w *world) sizes() sizes {
	b := w.bot
	b.mu.Lock()
	waiting, unlisted := len(b.waiting), len(b.unlisted)
	b.mu.Unlock()
	forges := w.cfg.Forges.(*AppForges)
	return sizes{repos: len(b.index.Repos()), waiting: waiting, unlisted: unlisted, forges: forges.cached(), clients: forges.App.Cached()}
}

// TestMemoryFlatOverInstalls: what the bot keeps per repository and per
// installation goes when the repository leaves the installation, when the
// App is uninstalled, and when a gate that held a promotion lifts, so
// installs and pushes coming and going leave the counts where they were.
func TestMemoryFlatOverInstalls(t *testing.T) {
	// Staging soaks an hour in dev, and nothing else gates it.
	w := newWorld(t, worldOptions{files: seedFiles(strings.Replace(testPolicy, "    requireHealthy: true\n", "", 1))})
	for i := range 4 {
		w.publish(fmt.Sprintf("v1.%d.0", i+1)) // dev merges; staging waits an hour
		if got := w.sizes(); got.waiting != 1 || got.repos != 1 {
			t.Fatalf("round %d after a push: %+v; want one repository, one waiting", i, got)
		}
		if i%2 == 0 {
			w.sched.advance(2 * time.Hour) // the soak is over: staging is proposed
			w.settle()
			if got := w.sizes(); got.waiting != 0 {
				t.Fatalf("round %d after the gate lifted: %+v; want nothing waiting (decisions %q)", i, got, w.decisions())
			}
			w.publish(fmt.Sprintf("v1.%d.1", i+1))
		}
		if err := w.sim.SetInstalled("alice", configRepo, false); err != nil {
			t.Fatal(err)
		}
		w.settle()
		if got := w.sizes(); got.repos != 0 || got.waiting != 0 || got.unlisted != 0 {
			t.Fatalf("round %d after the repository left: %+v", i, got)
		}
		if err := w.sim.SetInstalled("alice", configRepo, true); err != nil {
			t.Fatal(err)
		}
		w.settle()
		w.sim.UninstallApp("alice")
		w.settle()
		if got := w.sizes(); got != (sizes{}) {
			t.Fatalf("round %d after the App was uninstalled: %+v; want nothing kept", i, got)
		}
		w.sim.InstallApp("alice")
		w.settle()
		if got := w.sizes(); got.repos != 1 || got.forges != 1 || got.clients != 1 {
			t.Fatalf("round %d after the App was installed again: %+v", i, got)
		}
	}
}
