package bot

import (
	"fmt"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// TestIndexGauges: the routing gauges the registry exposes follow every
// refresh and removal, also from a bot started anew on the same registry.
func TestIndexGauges(t *testing.T) {
	w := newWorld(t, worldOptions{})
	reg := w.cfg.Registerer.(*prometheus.Registry)
	want := func(step string, repos, images int) {
		t.Helper()
		exp := fmt.Sprintf(`# HELP stagehand_routing_images Distinct images the routing index routes.
# TYPE stagehand_routing_images gauge
stagehand_routing_images %d
# HELP stagehand_routing_repositories Config repositories in the routing index.
# TYPE stagehand_routing_repositories gauge
stagehand_routing_repositories %d
`, images, repos)
		if err := testutil.GatherAndCompare(reg, strings.NewReader(exp), "stagehand_routing_repositories", "stagehand_routing_images"); err != nil {
			t.Fatalf("%s: %v", step, err)
		}
	}
	want("start", 1, 1)
	if _, err := w.sim.Push("alice", configRepo, "main", "Add api\n", withApp("api")); err != nil {
		t.Fatal(err)
	}
	w.settle()
	want("policy with a second app", 1, 2)
	installed := func(on bool) {
		t.Helper()
		if err := w.sim.SetInstalled("alice", configRepo, on); err != nil {
			t.Fatal(err)
		}
		w.settle()
	}
	installed(false)
	want("repository removed", 0, 0)
	installed(true)
	want("repository added", 1, 2)
	w.restart()
	want("restart", 1, 2)
	installed(false)
	want("removed after the restart", 0, 0)
}
