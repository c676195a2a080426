package policy

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/stagehand-gitops/stagehand/internal/tags"
)

// everyField is the schema v1 reference example: every field of the file,
// as the documentation introduces them.
const everyField = `version: 1
overlays: apps/{app}/overlays/{env}
environments:
  - name: dev
    promotion: auto
    autoMerge: true
    prerelease: true
  - name: staging
    promotion: auto
    soak: 30m
    requireHealthy: true
  - name: prod
    promotion: manual
    promoters: ["@acme/sre", "alice"]
    freeze:
      - from: "2026-12-20T00:00:00Z"
        to:   "2027-01-04T00:00:00Z"
      - cron: "0 16 * * FRI"
        duration: 64h
        timezone: Europe/Berlin
defaults:
  strategy: semver
apps:
  order-service:
    images:
      - name: ghcr.io/acme/order-service
        strategy: semver
        constraint: ">=1.2.0 <2.0.0"
        allowTags: '^v?\d+\.\d+\.\d+(-rc\.\d+)?$'
        ignoreTags: ["*-debug", "latest"]
        extract: '^v(?P<version>.*)-linux$'
        pinDigest: true
        poll: 10m
    environments:
      prod: {promoters: ["@acme/payments-leads"]}
  web:
    image: ghcr.io/acme/web
`

// TestParseEveryField checks the meaning each field of the reference
// example is given, and the documented defaults of the fields it leaves out.
func TestParseEveryField(t *testing.T) {
	p := mustParse(t, everyField)
	if p.Version != 1 || !reflect.DeepEqual(p.Overlays, []string{"apps/{app}/overlays/{env}"}) || p.Discovery {
		t.Errorf("version %d, overlays %q, discovery %v", p.Version, p.Overlays, p.Discovery)
	}
	type env struct {
		name, dir            string
		promotion            Promotion
		autoMerge, pre, hlth bool
		soak                 time.Duration
		promoters            []string
		freezes              int
	}
	want := []env{
		{"dev", "dev", Auto, true, true, false, 0, nil, 0},
		{"staging", "staging", Auto, false, false, true, 30 * time.Minute, nil, 0},
		{"prod", "prod", Manual, false, false, false, 0, []string{"@acme/sre", "alice"}, 2},
	}
	for i, w := range want {
		e := p.Environments[i]
		got := env{e.Name, e.Dir, e.Promotion, e.AutoMerge, e.Prerelease, e.RequireHealthy, e.Soak, e.Promoters, len(e.Freeze)}
		if !reflect.DeepEqual(got, w) || e.Carry != CarryArtifact {
			t.Errorf("environment %d = %+v (carry %s), want %+v (carry artifact)", i, got, e.Carry, w)
		}
	}

	freeze := p.Environments[2].Freeze
	christmas := freeze[0]
	if !christmas.From.Equal(time.Date(2026, 12, 20, 0, 0, 0, 0, time.UTC)) || !christmas.To.Equal(time.Date(2027, 1, 4, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("absolute window = %v .. %v", christmas.From, christmas.To)
	}
	weekend := freeze[1]
	if weekend.Cron != "0 16 * * FRI" || weekend.Duration != 64*time.Hour || weekend.Timezone != "Europe/Berlin" {
		t.Errorf("recurring window = %+v", weekend)
	}
	berlin, _ := time.LoadLocation("Europe/Berlin")
	// Friday 2026-11-27 16:00 in Berlin starts a window that ends 64h later,
	// on Monday 08:00.
	friday := time.Date(2026, 11, 27, 16, 0, 0, 0, berlin)
	for _, tt := range []struct {
		at     time.Time
		active bool
	}{
		{friday.Add(-time.Minute), false},
		{friday, true},
		{friday.Add(63 * time.Hour), true},
		{friday.Add(64 * time.Hour), false},
	} {
		active, end := weekend.Active(tt.at)
		if active != tt.active || active && !end.Equal(friday.Add(64*time.Hour)) {
			t.Errorf("Active(%v) = %v, %v; want %v", tt.at, active, end, tt.active)
		}
	}

	order := mustApp(t, p, "order-service")
	wantImage := Image{Name: "ghcr.io/acme/order-service", ImageRule: ImageRule{
		Strategy:   tags.SemVer,
		Constraint: ">=1.2.0 <2.0.0",
		AllowTags:  `^v?\d+\.\d+\.\d+(-rc\.\d+)?$`,
		IgnoreTags: []string{"*-debug", "latest"},
		Extract:    `^v(?P<version>.*)-linux$`,
		PinDigest:  true,
		Poll:       10 * time.Minute,
	}}
	if img, ok := order.Image("ghcr.io/acme/order-service"); !ok || !reflect.DeepEqual(img.ImageRule, wantImage.ImageRule) || img.Name != wantImage.Name {
		t.Errorf("order-service image = %+v, want %+v", img, wantImage)
	}
	if prod, _ := p.Env("order-service", "prod"); !reflect.DeepEqual(prod.Promoters, []string{"@acme/payments-leads"}) || prod.Promotion != Manual || len(prod.Freeze) != 2 {
		t.Errorf("order-service's prod = %+v, want the override's promoters and the rest of prod", prod)
	}
	// The shorthand image: takes the defaults.
	web := mustApp(t, p, "web")
	if len(web.Images) != 1 || web.Images[0].Name != "ghcr.io/acme/web" || web.Images[0].Strategy != tags.SemVer || web.Images[0].PinDigest || web.Images[0].Poll != 0 {
		t.Errorf("web = %+v, want one image with the defaults", web)
	}
	if prod, _ := p.Env("web", "prod"); !reflect.DeepEqual(prod.Promoters, []string{"@acme/sre", "alice"}) {
		t.Errorf("web's prod promoters = %q, want the environment's", prod.Promoters)
	}
}

// TestTextbookRepoPolicyIsTheExample keeps the sandbox's textbook
// repository and the documented example policy the same file.
func TestTextbookRepoPolicyIsTheExample(t *testing.T) {
	example, err := os.ReadFile(filepath.Join(examplesDir, "textbook.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	repo, err := os.ReadFile(filepath.Join("..", "..", "testdata", "textbook-repo", FileName))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(repo, example) {
		t.Errorf("testdata/textbook-repo/%s differs from policies/textbook.yaml; copy one over the other", FileName)
	}
}
