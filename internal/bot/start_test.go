package bot

import (
	"net/http"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/stagehand-gitops/stagehand/internal/githubsim"
)

// TestStartSkipsForbiddenRepository: of three config repositories, one
// answers 403 at start. Start still completes its pass (the server goes
// ready), the other two are indexed and work, only the forbidden one is
// read again later (no recheck of the others), and it is indexed once
// the 403 stops.
func TestStartSkipsForbiddenRepository(t *testing.T) {
	w := newWorld(t, worldOptions{})
	for _, name := range []string{"two", "three"} {
		if err := w.sim.CreateRepo(githubsim.RepoOptions{Owner: "acme", Name: name, Collaborators: map[string]githubsim.Permission{"alice": githubsim.PermAdmin}}); err != nil {
			t.Fatal(err)
		}
		fsys := fstest.MapFS{}
		for p, c := range seedFiles(testPolicy) {
			fsys[p] = &fstest.MapFile{Data: []byte(c)}
		}
		if _, err := w.sim.SeedFS("acme/"+name, "main", fsys, "Initial commit\n"); err != nil {
			t.Fatal(err)
		}
	}
	w.settle()
	w.sim.SetFaults(githubsim.Faults{Forbidden: []string{"acme/three"}})
	w.restart() // fails the test if Start fails
	if got := strings.Join(w.bot.Index().Repos(), " "); got != "acme/config acme/two" {
		t.Fatalf("indexed after the first pass: %s", got)
	}
	if _, pending := w.sched.count(); pending != 1 {
		t.Fatalf("%d timers pending after start, want one: the retry of acme/three", pending)
	}

	// The retry reads acme/three alone and queues nothing else.
	var mu sync.Mutex
	byRepo := map[string]int{}
	w.sim.OnRequest(func(_ string, r *http.Request) {
		parts := strings.SplitN(strings.TrimPrefix(r.URL.Path, "/repos/"), "/", 3)
		if strings.HasPrefix(r.URL.Path, "/repos/") && len(parts) >= 2 {
			mu.Lock()
			byRepo[parts[0]+"/"+parts[1]]++
			mu.Unlock()
		}
	})
	seen := w.jobs.idle()
	w.sched.advance(2 * refreshMaxWait)
	w.settle()
	mu.Lock()
	calls := map[string]int{"acme/config": byRepo["acme/config"], "acme/two": byRepo["acme/two"], "acme/three": byRepo["acme/three"]}
	mu.Unlock()
	if calls["acme/three"] == 0 || calls["acme/config"] != 0 || calls["acme/two"] != 0 {
		t.Fatalf("calls by repository during the retry: %v, want acme/three alone", calls)
	}
	if jobs := w.jobs.idle() - seen; jobs != 1 {
		t.Fatalf("the retry queued %d jobs, want 1 (itself)", jobs)
	}
	if _, pending := w.sched.count(); pending != 1 {
		t.Fatalf("%d timers pending while acme/three still answers 403, want one", pending)
	}

	w.sim.SetFaults(githubsim.Faults{})
	w.sched.advance(2 * refreshMaxWait)
	w.settle()
	if got := strings.Join(w.bot.Index().Repos(), " "); got != "acme/config acme/three acme/two" {
		t.Fatalf("indexed after the 403 stopped: %s", got)
	}
	if _, pending := w.sched.count(); pending != 0 {
		t.Fatalf("%d timers pending once everything is indexed", pending)
	}
	w.publish("v1.1.0")
	for _, repo := range []string{configRepo, "acme/two", "acme/three"} {
		prs, err := w.sim.PullRequests(repo)
		if err != nil || len(prs) != 1 || !strings.HasPrefix(prs[0].Title, "Promote web to dev") {
			t.Errorf("%s pull requests %+v, %v", repo, prs, err)
		}
	}
}
