package githubsim

import (
	"net/http"
	"testing"
	"time"

	"github.com/google/go-github/v62/github"
)

// TestLatencyPerCall checks that injected latency delays each matching call by
// at least the configured time, and no other call. It bounds the delay from
// below only: how much slower a loaded machine is does not matter here.
func TestLatencyPerCall(t *testing.T) {
	const latency = 40 * time.Millisecond
	tests := []struct {
		name    string
		ops     []string
		delayed bool
	}{
		{"every call", nil, true},
		{"this operation", []string{"repos/get"}, true},
		{"another operation", []string{"pulls/list"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, Options{})
			c := f.client(t, "dev")
			f.sim.SetFaults(Faults{Latency: latency, Operations: tt.ops})
			const calls = 3
			start := time.Now()
			for range calls {
				if _, _, err := c.Repositories.Get(f.ctx, "acme", "config"); err != nil {
					t.Fatal(err)
				}
			}
			if took := time.Since(start); tt.delayed && took < calls*latency {
				t.Fatalf("%d calls took %v, want at least %v", calls, took, calls*latency)
			}
			if n := f.sim.Calls().Injected; n != 0 {
				t.Errorf("latency counted as %d injected errors", n)
			}
		})
	}
}

// TestWebhookFailRate checks that failed deliveries are logged as failed, not
// sent, served by the deliveries API, and sent on redelivery once the fault is
// lifted.
func TestWebhookFailRate(t *testing.T) {
	f, rc := newHookFixture(t)
	f.sim.SetFaults(Faults{WebhookFailRate: 1})
	if _, err := f.sim.Comment("alice", testRepo, mustIssue(t, f), "lost"); err != nil {
		t.Fatal(err)
	}
	f.sim.Flush()
	if got := rc.seen(); len(got) != 0 {
		t.Fatalf("failed deliveries reached the receiver: %v", got)
	}
	app := appClient(t, f)
	items, _, err := app.Apps.ListHookDeliveries(f.ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(items) == 0 {
		t.Fatal("the delivery log is empty")
	}
	for _, d := range items {
		if d.GetStatusCode() != http.StatusBadGateway {
			t.Errorf("delivery %s %s logged with %d, want 502", d.GetEvent(), d.GetGUID(), d.GetStatusCode())
		}
	}
	f.sim.SetFaults(Faults{})
	var comment *github.HookDelivery
	for _, d := range items {
		if d.GetEvent() == "issue_comment" {
			comment = d
		}
	}
	if comment == nil {
		t.Fatalf("no issue_comment delivery in %d logged", len(items))
	}
	if _, _, err := app.Apps.RedeliverHookDelivery(f.ctx, comment.GetID()); err != nil {
		if _, ok := err.(*github.AcceptedError); !ok {
			t.Fatal(err)
		}
	}
	f.sim.Flush()
	if got := rc.seen(); len(got) != 1 || got[0] != "issue_comment/created" {
		t.Fatalf("after redelivery the receiver saw %v, want [issue_comment/created]", got)
	}
}
