package policy

import (
	"strconv"
	"strings"
	"testing"
)

func TestMatchOverlay(t *testing.T) {
	cases := []struct {
		template, dir, path string
		app, env            string
		ok                  bool
	}{
		{"apps/{app}/overlays/{env}", "production", "apps/order-service/overlays/production", "order-service", "production", true},
		{"apps/{app}/overlays/{env}", "production", "apps/order-service/overlays/staging", "", "", false},
		{"apps/{app}/overlays/{env}", "", "apps/order-service/overlays/staging", "order-service", "staging", true},
		{"clusters/{env}-*/apps/{app}", "prod", "clusters/prod-eu1/apps/api", "api", "prod", true},
		{"clusters/{env}-*/apps/{app}", "prod", "clusters/prod/apps/api", "", "", false},
		{"{app}/{env}/{app}", "dev", "api/dev/api", "api", "dev", true},
		{"{app}/{env}/{app}", "dev", "api/dev/web", "", "", false},
		{"apps/{app}/overlays/{env}", "dev", "apps/a/b/overlays/dev", "", "", false},
	}
	for _, tc := range cases {
		t.Run(tc.template+" "+tc.path, func(t *testing.T) {
			for range 2 { // compiled, then from the memo
				app, env, ok := MatchOverlay(tc.template, tc.dir, tc.path)
				if app != tc.app || env != tc.env || ok != tc.ok {
					t.Errorf("MatchOverlay = %q, %q, %v; want %q, %q, %v", app, env, ok, tc.app, tc.env, tc.ok)
				}
			}
		})
	}
}

// TestPatternMemoBounded: however many templates a process sees, the memo
// of compiled ones stays bounded, and matching goes on right after it is
// cleared.
func TestPatternMemoBounded(t *testing.T) {
	for i := range 2*maxPatterns + 3 {
		tmpl := "apps" + strconv.Itoa(i) + "/{app}/overlays/{env}"
		app, _, ok := MatchOverlay(tmpl, "dev", "apps"+strconv.Itoa(i)+"/web/overlays/dev")
		if !ok || app != "web" {
			t.Fatalf("template %d: %q, %v", i, app, ok)
		}
		patterns.Lock()
		n := len(patterns.m)
		patterns.Unlock()
		if n > maxPatterns {
			t.Fatalf("%d compiled templates kept, want at most %d", n, maxPatterns)
		}
	}
}

// TestFill: fill is strings.Replacer's simultaneous replacement of the two
// placeholders.
func TestFill(t *testing.T) {
	for _, tc := range []struct{ t, app, env string }{
		{"apps/{app}/overlays/{env}", "web", "dev"},
		{"{app}/{env}/{app}", "a", "b"},
		{"apps/{app}/overlays/{env}", "{env}", "{app}"},
		{"clusters/{env}-*/apps/{app}{", "x", "y"},
		{"", "x", "y"},
	} {
		want := strings.NewReplacer("{app}", tc.app, "{env}", tc.env).Replace(tc.t)
		if got := fill(tc.t, tc.app, tc.env); got != want {
			t.Errorf("fill(%q, %q, %q) = %q, want %q", tc.t, tc.app, tc.env, got, want)
		}
	}
}
