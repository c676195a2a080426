package forge

import (
	"context"
	"testing"
	"time"
)

// TestAppStack runs a promotion through the whole production stack:
// ghinstallation's installation token on top of NewTransport.
func TestAppStack(t *testing.T) {
	e := newEnv(t, envOptions{realClock: true})
	ctx := context.Background()
	app, err := NewApp(e.sim.AppID(), e.sim.AppKey(), e.sim.URL(), e.transport(t))
	if err != nil {
		t.Fatal(err)
	}
	f := New(app.Installation(e.sim.InstallationID()), Options{Sleep: e.clock.Sleep})
	for _, tag := range []string{"v1.1.0", "v1.1.0"} {
		res, err := f.Propose(ctx, testRepo, promotion(tag))
		if err != nil {
			t.Fatal(err)
		}
		if res.PR.GetUser().GetLogin() != "stagehand[bot]" {
			t.Fatalf("pull request opened by %q, want the App", res.PR.GetUser().GetLogin())
		}
	}
	c := e.calls()
	// One token exchange, one cold promotion (6), one warm repeat (2).
	if c.ByOperation["apps/create-installation-access-token"] != 1 || c.Total() != 9 {
		t.Fatalf("calls %v", c.Log)
	}
	if _, err := FailedDeliveries(ctx, app.Client(), time.Now().Add(-time.Hour)); err != nil {
		t.Fatalf("list deliveries as the App: %v", err)
	}
}

// TestCacheIsPerToken: one transport serves several tokens (installations,
// users); a cached answer for one must never be served to another.
func TestCacheIsPerToken(t *testing.T) {
	e := newEnv(t, envOptions{})
	ctx := context.Background()
	rt := e.transport(t)
	e.sim.AddUser("outsider")
	for _, tt := range []struct {
		user  string
		found bool
	}{{"reader", true}, {"outsider", false}, {"reader", true}} {
		gh, err := NewClient(e.sim.URL(), e.sim.Token(tt.user), rt)
		if err != nil {
			t.Fatal(err)
		}
		_, err = New(gh, Options{}).Head(ctx, testRepo, "main")
		if (err == nil) != tt.found {
			t.Fatalf("%s: err = %v, want found=%v", tt.user, err, tt.found)
		}
	}
}
