package sandbox

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/stagehand-gitops/stagehand/internal/githubsim"
	"github.com/stagehand-gitops/stagehand/internal/promote"
)

// benchStart starts a sandbox for a benchmark, without the contract
// check: the figures are Stagehand's, not the simulator's.
func benchStart(b *testing.B, o Options) *Sandbox {
	b.Helper()
	o.NoContract = true
	s, err := Start(context.Background(), o)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		s.Close(ctx)
	})
	return s
}

// BenchmarkEventToPR measures a registry event to its dev pull request,
// with 50 ms added to every GitHub call: the push to the in-process
// registry, its notification to Stagehand, and Stagehand's calls up to the
// pull request's creation. Each event is the first for its app, and dev
// does not auto-merge, so that no other work of Stagehand's (merges, the
// next environments' gates) runs meanwhile. It reports the GitHub calls
// made until the pull request exists; the budget is 8 sequential calls
// (400 ms).
func BenchmarkEventToPR(b *testing.B) {
	const apps = 100
	s := benchStart(b, Options{Seed: largeRepo(apps)})
	const latency = 50 * time.Millisecond
	ctx := context.Background()
	var calls, total int
	var elapsed time.Duration
	for i := 0; b.Loop(); i++ {
		b.StopTimer()
		<-s.quiet(ctx, 200*time.Millisecond)
		s.sim.SetFaults(githubsim.Faults{Latency: latency})
		s.sim.ResetCalls()
		app, tag := fmt.Sprintf("app-%d", i%apps), fmt.Sprintf("v1.%d.0", 1+i/apps)
		b.StartTimer()
		start := time.Now()
		if _, err := s.Push(ctx, "acme/"+app, tag); err != nil {
			b.Fatal(err)
		}
		for !s.hasPR("stagehand/dev/"+app, tag) {
			time.Sleep(time.Millisecond)
			if time.Since(start) > 30*time.Second {
				b.Fatalf("no dev pull request for %s %s; decisions %+v", app, tag, s.Decisions())
			}
		}
		elapsed += time.Since(start)
		b.StopTimer()
		n := callsUntilPR(s.sim.Calls().Log)
		calls += n
		total++
		if i == 0 {
			b.Logf("calls until the pull request: %q", s.sim.Calls().Log[:n])
		}
		s.sim.SetFaults(githubsim.Faults{})
		b.StartTimer()
	}
	b.ReportMetric(float64(elapsed.Milliseconds())/float64(total), "ms/event")
	b.ReportMetric(float64(calls)/float64(total), "calls/event")
}

// hasPR reports whether a pull request on branch proposes tag.
func (s *Sandbox) hasPR(branch, tag string) bool {
	prs, err := s.sim.PullRequests(s.repo.String())
	if err != nil {
		return false
	}
	for _, pr := range prs {
		if pr.Head == branch && strings.HasSuffix(pr.Title, "→ "+tag) {
			return true
		}
	}
	return false
}

// callsUntilPR counts the calls up to the one that created or updated
// the pull request.
func callsUntilPR(log []string) int {
	for i, l := range log {
		if strings.HasPrefix(l, "pulls/create ") || strings.HasPrefix(l, "pulls/update ") {
			return i + 1
		}
	}
	return len(log)
}

// largeRepo is a config repository of n apps found from the layout, with
// dev, staging and prod overlays each.
func largeRepo(n int) fstest.MapFS {
	fsys := fstest.MapFS{".stagehand.yaml": {Data: []byte("version: 1\nenvironments:\n  - name: dev\n  - name: staging\n  - name: prod\n")}}
	for i := range n {
		for _, env := range []string{"dev", "staging", "prod"} {
			fsys[fmt.Sprintf("apps/app-%d/overlays/%s/kustomization.yaml", i, env)] = &fstest.MapFile{
				Data: fmt.Appendf(nil, "resources:\n- ../../base\nimages:\n- name: ghcr.io/acme/app-%d\n  newTag: v1.0.0\n", i)}
		}
	}
	return fsys
}

// BenchmarkRouteAndPlanLargeRepo routes one registry event in a config
// repository of 5,000 apps × 3 environments held in githubsim and plans
// it on a snapshot of the default branch read through the forge, warm
// (the object cache holds the tree's blobs). It reports the GitHub calls
// the sandbox's start made (building the routing index, index-calls) and
// the process's resident memory.
func BenchmarkRouteAndPlanLargeRepo(b *testing.B) {
	const apps = 5000
	seed := largeRepo(apps)
	// Start indexes the repository in a few calls, the overlays from one
	// archive (BenchmarkIndex5000 in internal/bot counts them); the rate
	// limit is raised so that the warm-up below never waits, whatever the
	// object cache holds.
	s := benchStart(b, Options{Seed: seed, RateLimit: 1 << 20})
	indexCalls := s.sim.Calls().Total()
	b.Logf("start: %d GitHub calls", indexCalls)
	ctx := context.Background()
	sha, err := s.sim.RefSHA(s.Repo(), "main")
	if err != nil {
		b.Fatal(err)
	}
	pol, err := seedPolicy(s.Forge().Snapshot(ctx, s.repo, sha))
	if err != nil {
		b.Fatal(err)
	}
	plan := func(i int) {
		image := fmt.Sprintf("ghcr.io/acme/app-%d", i%apps)
		if len(s.Bot().Index().Targets(image)) != 1 {
			b.Fatalf("%s not routed", image)
		}
		tree := s.Forge().Snapshot(ctx, s.repo, sha)
		p, err := promote.PlanPush(pol, tree, promote.Request{Push: promote.Push{Image: image, Tag: "v1.1.0"}})
		if err != nil || len(p.Proposals) != 1 {
			b.Fatalf("plan %+v, %v", p, err)
		}
	}
	for i := range apps {
		plan(i) // warm: every overlay read once
	}
	s.sim.ResetCalls()
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		plan(i)
	}
	b.ReportMetric(float64(s.sim.Calls().Total())/float64(b.N), "calls/op")
	b.ReportMetric(float64(indexCalls), "index-calls")
	if rss, err := vmRSS(); err == nil {
		b.ReportMetric(float64(rss)/(1<<20), "RSS-MiB")
	}
}

// vmRSS reads the process's resident set size from /proc/self/status.
func vmRSS() (int64, error) {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10, err
		}
	}
	return 0, fmt.Errorf("no VmRSS in /proc/self/status")
}
