package forge

import (
	"context"
	"net/http"
	"net/http/httptest"
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

// TestRedeliverFailedOnce: a failed delivery is asked for again once, by
// the periodic pass; when that attempt fails too (Stagehand still down),
// the next pass does not ask again: GitHub's list records the redelivery.
func TestRedeliverFailedOnce(t *testing.T) {
	var attempts atomic.Int32
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		attempts.Add(1)
		http.Error(w, "down", http.StatusServiceUnavailable)
	}))
	defer hook.Close()
	e := newEnv(t, envOptions{sim: githubsim.Options{WebhookURL: hook.URL, WebhookSecret: "s3cret"}})
	ctx := context.Background()
	since := e.clock.Now().Add(-time.Hour)
	if _, err := e.forge.Propose(ctx, testRepo, promotion("v1.1.0")); err != nil {
		t.Fatal(err)
	}
	e.sim.Flush()
	app := appClient(t, e)
	first, err := RedeliverFailed(ctx, app, since)
	if err != nil || first == 0 {
		t.Fatalf("first pass redelivered %d (%v), want some", first, err)
	}
	e.sim.Flush()
	before := attempts.Load()
	second, err := RedeliverFailed(ctx, app, since)
	e.sim.Flush()
	if err != nil || second != 0 || attempts.Load() != before {
		t.Fatalf("second pass redelivered %d (%v), %d new attempts; want none", second, err, attempts.Load()-before)
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
