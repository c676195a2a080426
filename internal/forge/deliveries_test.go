package forge

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

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
