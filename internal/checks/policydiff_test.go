package checks

import (
	"slices"
	"testing"
	"time"

	"github.com/stagehand-gitops/stagehand/internal/policy"
)

func TestEffects(t *testing.T) {
	const before = `version: 1
environments:
  - name: dev
  - name: staging
    soak: 1h
  - name: prod
    soak: 1h
    promoters: [alice]
apps:
  order-service:
    images:
      - name: ghcr.io/acme/order
        constraint: ">=1.0.0"
`
	tests := []struct {
		name  string
		after string
		want  []string
	}{
		{"nothing", before, nil},
		{"soak", replace(before, "    soak: 1h\n    promoters", "    soak: 10m\n    promoters"), []string{"prod soak 1h → 10m"}},
		{"promotion", replace(before, "  - name: staging\n", "  - name: staging\n    promotion: manual\n"), []string{"staging promotion auto → manual"}},
		{"app added", before + "  payment-service:\n    images:\n      - name: ghcr.io/acme/pay\n", []string{"payment-service added"}},
		{"image rule", replace(before, `">=1.0.0"`, `">=2.0.0"`), []string{"order-service image ghcr.io/acme/order constraint `>=1.0.0` → `>=2.0.0`"}},
		{"environment added", replace(before, "  - name: prod\n", "  - name: qa\n  - name: prod\n"), []string{"environment qa added"}},
		{"order", replace(before, "  - name: dev\n  - name: staging\n    soak: 1h\n", "  - name: staging\n    soak: 1h\n  - name: dev\n"), []string{"promotion order dev → staging → prod becomes staging → dev → prod"}},
		{"override", before + "    environments:\n      prod: {soak: 2h}\n", []string{"order-service prod soak — → 2h"}},
		{"promoters", replace(before, "[alice]", "[alice, bob]"), []string{"prod promoters [alice] → [alice, bob]"}},
		{"freeze", replace(before, "    promoters: [alice]\n", "    promoters: [alice]\n    freeze:\n      - cron: \"0 16 * * FRI\"\n        duration: 64h\n"), []string{"prod freeze — → 0 16 * * FRI for 64h"}},
	}
	b, err := policy.Parse("before", []byte(before))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := policy.Parse("after", []byte(tt.after))
			if err != nil {
				t.Fatal(err)
			}
			if got := Effects(b, a); !slices.Equal(got, tt.want) {
				t.Errorf("Effects = %q, want %q", got, tt.want)
			}
		})
	}
	t.Run("removed", func(t *testing.T) {
		a, _ := policy.Parse("after", []byte(replace(before, "  order-service:\n    images:\n      - name: ghcr.io/acme/order\n        constraint: \">=1.0.0\"\n", "  other:\n    images: [{name: ghcr.io/acme/other}]\n")))
		want := []string{"other added", "order-service removed"}
		if got := Effects(b, a); !slices.Equal(got, want) {
			t.Errorf("Effects = %q, want %q", got, want)
		}
	})
	t.Run("added", func(t *testing.T) {
		if got := Effects(nil, b); !slices.Equal(got, []string{"policy added: 3 environments, 1 app"}) {
			t.Errorf("Effects = %q", got)
		}
	})
}

func TestDuration(t *testing.T) {
	for in, want := range map[string]string{"1h": "1h", "10m": "10m", "1h30m": "1h30m", "90s": "1m30s", "0s": "0", "48h": "48h", "1h0m5s": "1h0m5s"} {
		d, err := time.ParseDuration(in)
		if err != nil {
			t.Fatal(err)
		}
		if got := duration(d); got != want {
			t.Errorf("duration(%s) = %q, want %q", in, got, want)
		}
	}
}
