package bot

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/stagehand-gitops/stagehand/internal/forge"
	"github.com/stagehand-gitops/stagehand/internal/githubsim"
	"github.com/stagehand-gitops/stagehand/internal/promote"
)

// BenchmarkRouteAndPlan routes one registry event in a config repository of
// 5,000 apps found from the layout, three environments each, and plans it:
// the work of an event before any call to GitHub (warm: tree and policy in
// memory).
func BenchmarkRouteAndPlan(b *testing.B) {
	const apps = 5000
	fsys := fstest.MapFS{}
	for i := range apps {
		for _, env := range []string{"dev", "staging", "prod"} {
			fsys[fmt.Sprintf("apps/app-%d/overlays/%s/kustomization.yaml", i, env)] = &fstest.MapFile{
				Data: fmt.Appendf(nil, "resources:\n- ../../base\nimages:\n- name: ghcr.io/acme/app-%d\n  newTag: v1.0.0\n", i)}
		}
	}
	pol := mustPolicy(b, "version: 1\nenvironments:\n  - name: dev\n  - name: staging\n  - name: prod\n", nil)
	if err := pol.Discover(fsys); err != nil {
		b.Fatal(err)
	}
	x := NewIndex()
	x.set("acme/config", &repoState{repo: forge.Repo{Owner: "acme", Name: "config"}, installation: 1, pol: pol})
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		image := fmt.Sprintf("ghcr.io/acme/app-%d", i%apps)
		if len(x.Targets(image)) != 1 {
			b.Fatal("not routed")
		}
		plan, err := promote.PlanPush(pol, fsys, promote.Request{Push: promote.Push{Image: image, Tag: "v1.1.0"}})
		if err != nil || len(plan.Proposals) != 1 {
			b.Fatalf("plan %+v, %v", plan, err)
		}
	}
}

// BenchmarkEventToPR measures a registry webhook to an open dev pull
// request with 50 ms added to every GitHub call, as over the internet:
// ms/event is the latency and calls/event the GitHub calls on the way.
func BenchmarkEventToPR(b *testing.B) {
	pol := strings.Replace(testPolicy, "    autoMerge: true\n", "", 1)
	var calls int
	var elapsed time.Duration
	for i := 0; b.Loop(); i++ {
		b.StopTimer()
		w := newWorld(b, worldOptions{files: seedFiles(pol)})
		// Webhooks are dropped: what they set off (checks) is not the event's latency.
		w.sim.SetFaults(githubsim.Faults{Latency: 50 * time.Millisecond, WebhookDrop: 1 << 20})
		w.sim.ResetCalls()
		b.StartTimer()
		start := time.Now()
		if code := w.postRegistry("generic", nil, []byte(`{"image": "ghcr.io/acme/web", "tag": "v1.1.0"}`)); code != http.StatusAccepted {
			b.Fatalf("answer %d", code)
		}
		w.jobs.idle()
		elapsed += time.Since(start)
		b.StopTimer()
		calls += w.sim.Calls().Total()
		if len(w.open()) != 1 {
			b.Fatal("no pull request")
		}
		w.sim.SetFaults(githubsim.Faults{})
		b.StartTimer()
	}
	b.ReportMetric(float64(elapsed.Milliseconds())/float64(b.N), "ms/event")
	b.ReportMetric(float64(calls)/float64(b.N), "calls/event")
}
