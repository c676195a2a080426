package policy

import "testing"

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
			app, env, ok := MatchOverlay(tc.template, tc.dir, tc.path)
			if app != tc.app || env != tc.env || ok != tc.ok {
				t.Errorf("MatchOverlay = %q, %q, %v; want %q, %q, %v", app, env, ok, tc.app, tc.env, tc.ok)
			}
		})
	}
}
