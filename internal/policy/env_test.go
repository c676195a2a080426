package policy

import (
	"reflect"
	"testing"
	"time"

	"github.com/stagehand-gitops/stagehand/internal/tags"
)

const channelled = `version: 1
environments:
  - name: dev
    prerelease: true
    allowTags: '-dev$'
  - name: staging
    soak: 30m
    constraint: ">=1.0.0"
    ignoreTags: ["*-broken"]
  - name: prod
    promotion: manual
    promoters: ["@acme/sre"]
defaults:
  strategy: semver
  ignoreTags: [latest]
apps:
  order-service:
    images:
      - name: ghcr.io/acme/order-service
        allowTags: '^v'
        extract: '^v(?P<version>.*)$'
      - name: ghcr.io/acme/order-migrations
        strategy: newest-build
        ignoreTags: []
    environments:
      staging:
        soak: 2h
        allowTags: 'rc'
      prod:
        promoters: []
        dir: production
        constraint: "<2.0.0"
  web:
    image: nginx
`

func mustParse(t *testing.T, src string) *Policy {
	t.Helper()
	p, err := Parse("p.yaml", []byte(src))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return p
}

func TestRule(t *testing.T) {
	p := mustParse(t, channelled)
	tests := []struct {
		app, image, env string
		want            tags.Rule
		ok              bool
	}{
		{"order-service", "ghcr.io/acme/order-service", "dev", tags.Rule{Strategy: tags.SemVer, Extract: "^v(?P<version>.*)$", Filters: []tags.Filter{
			{Source: "image rule", AllowTags: "^v", IgnoreTags: []string{"latest"}},
			{Source: "dev's channel", AllowTags: "-dev$"},
		}}, true},
		{"order-service", "ghcr.io/acme/order-service", "staging", tags.Rule{Strategy: tags.SemVer, Extract: "^v(?P<version>.*)$", Filters: []tags.Filter{
			{Source: "image rule", AllowTags: "^v", IgnoreTags: []string{"latest"}},
			{Source: "staging's channel", Constraint: ">=1.0.0", IgnoreTags: []string{"*-broken"}},
			{Source: "order-service's staging override", AllowTags: "rc"},
		}}, true},
		{"order-service", "ghcr.io/acme/order-service", "prod", tags.Rule{Strategy: tags.SemVer, Extract: "^v(?P<version>.*)$", Filters: []tags.Filter{
			{Source: "image rule", AllowTags: "^v", IgnoreTags: []string{"latest"}},
			{Source: "order-service's prod override", Constraint: "<2.0.0"},
		}}, true},
		// An explicit empty ignoreTags replaces the default, so no image filter is left.
		{"order-service", "ghcr.io/acme/order-migrations", "prod", tags.Rule{Strategy: tags.NewestBuild, Filters: []tags.Filter{
			{Source: "order-service's prod override", Constraint: "<2.0.0"},
		}}, true},
		{"web", "docker.io/library/nginx", "dev", tags.Rule{Strategy: tags.SemVer, Filters: []tags.Filter{
			{Source: "image rule", IgnoreTags: []string{"latest"}},
			{Source: "dev's channel", AllowTags: "-dev$"},
		}}, true},
		{"web", "nginx", "qa", tags.Rule{}, false},
		{"web", "redis", "dev", tags.Rule{}, false},
		{"api", "nginx", "dev", tags.Rule{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.app+"/"+tt.image+"/"+tt.env, func(t *testing.T) {
			got, ok := p.Rule(tt.app, tt.image, tt.env)
			if ok != tt.ok || !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Rule = %+v, %v\nwant   %+v, %v", got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestEnv(t *testing.T) {
	p := mustParse(t, channelled)
	tests := []struct {
		app, env string
		check    func(Environment) bool
	}{
		{"order-service", "staging", func(e Environment) bool {
			return e.Soak == 2*time.Hour && e.AllowTags == "" && e.Constraint == ">=1.0.0"
		}},
		{"web", "staging", func(e Environment) bool { return e.Soak == 30*time.Minute }},
		{"order-service", "prod", func(e Environment) bool {
			return e.Dir == "production" && e.Promoters != nil && len(e.Promoters) == 0 && e.Promotion == Manual
		}},
		{"web", "prod", func(e Environment) bool { return e.Dir == "prod" && len(e.Promoters) == 1 }},
		{"unknown-app", "prod", func(e Environment) bool { return e.Name == "prod" && len(e.Promoters) == 1 }},
	}
	for _, tt := range tests {
		t.Run(tt.app+"/"+tt.env, func(t *testing.T) {
			e, ok := p.Env(tt.app, tt.env)
			if !ok || !tt.check(e) {
				t.Errorf("Env = %+v, %v", e, ok)
			}
		})
	}
	if _, ok := p.Env("web", "qa"); ok {
		t.Error("Env of an unknown environment reports true")
	}
	// Env returns copies: changing one must not change the policy.
	e, _ := p.Env("web", "prod")
	e.Promoters[0] = "mallory"
	if again, _ := p.Env("web", "prod"); again.Promoters[0] != "@acme/sre" {
		t.Error("Env shares its slices with the policy")
	}
}

func TestOrder(t *testing.T) {
	p := mustParse(t, channelled)
	tests := []struct {
		env        string
		index      int
		prev, next string
	}{
		{"dev", 0, "", "staging"},
		{"staging", 1, "dev", "prod"},
		{"prod", 2, "staging", ""},
		{"qa", -1, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.env, func(t *testing.T) {
			if got := p.EnvIndex(tt.env); got != tt.index {
				t.Errorf("EnvIndex = %d, want %d", got, tt.index)
			}
			if got := p.Prev(tt.env); got != tt.prev {
				t.Errorf("Prev = %q, want %q", got, tt.prev)
			}
			if got := p.Next(tt.env); got != tt.next {
				t.Errorf("Next = %q, want %q", got, tt.next)
			}
		})
	}
}
