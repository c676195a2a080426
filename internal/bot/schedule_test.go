package bot

import (
	"errors"
	"testing"
	"time"
)

// TestOutageKeepsOneRecheckLoop: while the registry cannot be listed,
// every event that re-evaluates the waiting staging promotion asks for a
// retry a minute later. Five such events keep one timer, not five loops;
// the loop goes on while the outage lasts and ends when the registry
// answers again.
func TestOutageKeepsOneRecheckLoop(t *testing.T) {
	lister := &flakyTags{err: errors.New("GET https://ghcr.io/v2/acme/web/tags/list: 503 Service Unavailable")}
	w := newWorld(t, worldOptions{tags: lister})
	w.useChannels("ghcr.io/acme/web")
	w.publish("v1.2.4-dev")
	if prs := w.pulls(); len(prs) != 1 || !prs[0].Merged {
		t.Fatalf("dev not merged: %+v; decisions %q", prs, w.decisions())
	}
	main, err := w.sim.RefSHA(configRepo, "main")
	if err != nil {
		t.Fatal(err)
	}
	armed, _ := w.sched.count()
	first := w.sched.times()
	for i := range 5 {
		w.clock.mu.Lock()
		w.clock.now = w.clock.now.Add(10 * time.Second)
		w.clock.mu.Unlock()
		if err := w.sim.SetStatus("ci", configRepo, main, "ci/"+string(rune('a'+i)), "success", "passed"); err != nil {
			t.Fatal(err)
		}
		w.settle()
	}
	if n, pending := w.sched.count(); n != armed || pending != 1 {
		t.Fatalf("after five events during the outage: %d timers set (was %d), %d pending; want no new timer and one pending", n, armed, pending)
	}
	if times := w.sched.times(); len(times) != 1 || !times[0].Equal(first[0]) {
		t.Fatalf("timers %v, want the earliest %v kept", times, first)
	}
	for range 3 {
		w.sched.advance(listRetry)
		w.settle()
		if _, pending := w.sched.count(); pending != 1 {
			t.Fatalf("during the outage %d timers pending, want one loop", pending)
		}
	}
	lister.set([]string{"v1.2.4-dev", "v1.2.4-rc1"}, nil)
	w.sched.advance(listRetry)
	w.settle()
	if _, ok := w.open()["stagehand/staging/web"]; !ok {
		t.Fatalf("no staging pull request once the registry answered; decisions %q", w.decisions())
	}
	if _, pending := w.sched.count(); pending != 0 {
		t.Fatalf("%d timers pending after the registry answered, want the loop ended: %v", pending, w.sched.times())
	}
}
