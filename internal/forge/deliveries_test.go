package forge

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-github/v62/github"

	"github.com/stagehand-gitops/stagehand/internal/githubsim"
)

func TestRedeliverFailed(t *testing.T) {
	var up atomic.Bool
	var received atomic.Int32
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !up.Load() {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		received.Add(1)
		w.WriteHeader(http.StatusAccepted)
	}))
	defer hook.Close()
	e := newEnv(t, envOptions{sim: githubsim.Options{WebhookURL: hook.URL, WebhookSecret: "s3cret"}})
	ctx := context.Background()
	since := e.clock.Now().Add(-time.Hour)

	// State changes while Stagehand is down: their webhooks fail.
	if _, err := e.forge.Propose(ctx, testRepo, promotion("v1.1.0")); err != nil {
		t.Fatal(err)
	}
	e.sim.Flush()
	app := appClient(t, e)
	failed, err := FailedDeliveries(ctx, app, since)
	if err != nil {
		t.Fatal(err)
	}
	if len(failed) == 0 {
		t.Fatal("no failed deliveries listed")
	}
	for _, d := range failed {
		if d.GetStatusCode() != http.StatusServiceUnavailable {
			t.Fatalf("listed delivery %d with status %d", d.GetID(), d.GetStatusCode())
		}
	}

	up.Store(true)
	n, err := RedeliverFailed(ctx, app, since)
	if err != nil || n != len(failed) {
		t.Fatalf("redelivered %d (%v), want %d", n, err, len(failed))
	}
	e.sim.Flush()
	if int(received.Load()) != len(failed) {
		t.Fatalf("received %d redeliveries, want %d", received.Load(), len(failed))
	}
	again, err := FailedDeliveries(ctx, app, since)
	if err != nil || len(again) != 0 {
		t.Fatalf("still failed after redelivery: %d (%v)", len(again), err)
	}
}

// TestRedeliverFailedUntilSuccess: the periodic pass asks again for a
// delivery whose redelivery failed too, pass after pass, until one attempt
// succeeds, and never for one that succeeded; a delivery first sent before
// the window is not asked for, however recent its redeliveries. Progress
// is read from GitHub's list only: each pass starts from nothing.
func TestRedeliverFailedUntilSuccess(t *testing.T) {
	var mu sync.Mutex
	tries := map[string]int{} // attempts per GUID
	var stubborn string       // the GUID whose first redelivery fails too
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		guid := r.Header.Get("X-GitHub-Delivery")
		mu.Lock()
		tries[guid]++
		n := tries[guid]
		if stubborn == "" {
			stubborn = guid
		}
		fail := n == 1 || (guid == stubborn && n == 2)
		mu.Unlock()
		if fail {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusAccepted)
	}))
	defer hook.Close()
	e := newEnv(t, envOptions{sim: githubsim.Options{WebhookURL: hook.URL, WebhookSecret: "s3cret"}})
	ctx := context.Background()
	since := e.clock.Now().Add(-time.Hour)
	if _, err := e.forge.Propose(ctx, testRepo, promotion("v1.1.0")); err != nil {
		t.Fatal(err)
	}
	e.sim.Flush()
	mu.Lock()
	sent := len(tries)
	mu.Unlock()
	if sent < 2 {
		t.Fatalf("%d deliveries sent, want at least two", sent)
	}
	app := appClient(t, e)
	// Pass 1 redelivers every delivery; only the stubborn one fails again.
	// Pass 2 redelivers that one alone, and it succeeds; then nothing is left.
	for pass, want := range []int{sent, 1, 0, 0} {
		e.clock.Sleep(ctx, time.Minute)
		n, err := RedeliverFailed(ctx, app, since)
		e.sim.Flush()
		if err != nil || n != want {
			t.Fatalf("pass %d redelivered %d (%v), want %d", pass+1, n, err, want)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	for guid, n := range tries {
		want := 2
		if guid == stubborn {
			want = 3
		}
		if n != want {
			t.Errorf("delivery %s was attempted %d times, want %d", guid, n, want)
		}
	}
}

// TestRedeliverFailedWindow: a delivery that keeps failing is asked for
// again while its first attempt is inside the window, and not after, even
// though its redeliveries are recent.
func TestRedeliverFailedWindow(t *testing.T) {
	var attempts atomic.Int32
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		attempts.Add(1)
		http.Error(w, "down", http.StatusServiceUnavailable)
	}))
	defer hook.Close()
	e := newEnv(t, envOptions{sim: githubsim.Options{WebhookURL: hook.URL, WebhookSecret: "s3cret"}})
	ctx := context.Background()
	const window = time.Hour
	if _, err := e.forge.Propose(ctx, testRepo, promotion("v1.1.0")); err != nil {
		t.Fatal(err)
	}
	e.sim.Flush()
	app := appClient(t, e)
	var counts []int
	for range 4 {
		e.clock.Sleep(ctx, 25*time.Minute)
		n, err := RedeliverFailed(ctx, app, e.clock.Now().Add(-window))
		e.sim.Flush()
		if err != nil {
			t.Fatal(err)
		}
		counts = append(counts, n)
	}
	// At +25m and +50m the first attempts are inside the hour; at +75m and
	// +100m they are not, though the last redeliveries are.
	if counts[0] == 0 || counts[1] != counts[0] || counts[2] != 0 || counts[3] != 0 {
		t.Errorf("redelivered per pass %v, want the same non-zero count twice, then none", counts)
	}
}

// appClient is a client that authenticates as the App (JWT), as the
// deliveries API wants.
func appClient(t *testing.T, e *env) *github.Client {
	t.Helper()
	jwt, err := e.sim.AppJWT()
	if err != nil {
		t.Fatal(err)
	}
	rt, err := NewTransport(TransportOptions{Sleep: e.clock.Sleep, Now: e.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	app, err := NewClient(e.sim.URL(), jwt, rt)
	if err != nil {
		t.Fatal(err)
	}
	return app
}
