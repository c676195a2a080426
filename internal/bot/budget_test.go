package bot

import (
	"strings"
	"testing"
)

// TestCallBudget measures the GitHub calls of one promotion: a new tag
// that opens the dev pull request (dev does not auto-merge here), and the
// same tag again.
func TestCallBudget(t *testing.T) {
	pol := strings.Replace(testPolicy, "    autoMerge: true\n", "", 1)
	w := newWorld(t, worldOptions{files: seedFiles(pol)})
	w.publish("v1.1.0")
	first := w.sim.Calls()
	t.Logf("new tag → dev PR: %d calls, %d writes: %v", first.Total(), first.Writes, first.Log)
	if first.Writes != 4 || first.Total() > 8 {
		t.Errorf("new tag → dev PR: %d calls (%d writes), want at most 8 with 4 writes: %v", first.Total(), first.Writes, first.Log)
	}
	w.sim.ResetCalls()
	w.publish("v1.1.0")
	again := w.sim.Calls()
	t.Logf("same tag again: %d calls: %v", again.Total(), again.Log)
	if again.Writes != 0 || again.Total() > 8 {
		t.Errorf("same tag again: %d calls (%d writes): %v", again.Total(), again.Writes, again.Log)
	}
	w.sim.ResetCalls()
	w.publish("v1.2.0")
	newer := w.sim.Calls()
	t.Logf("newer tag → same PR updated: %d calls, %d writes: %v", newer.Total(), newer.Writes, newer.Log)
	if newer.Writes > 6 {
		t.Errorf("newer tag: %d writes: %v", newer.Writes, newer.Log)
	}
}
