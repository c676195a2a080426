package policy

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/stagehand-gitops/stagehand/internal/tags"
)

// examplesDir holds the documented example policies.
const examplesDir = "../../policies"

func parseExample(t *testing.T, name string) *Policy {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(examplesDir, name))
	if err != nil {
		t.Fatal(err)
	}
	p, err := Parse(name, data)
	if err != nil {
		t.Fatalf("%s does not validate:\n%v", name, err)
	}
	return p
}

func TestExamplesValidate(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(examplesDir, "*.yaml"))
	if err != nil || len(files) < 4 {
		t.Fatalf("want at least 4 example policies, got %v (%v)", files, err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			parseExample(t, filepath.Base(f))
		})
	}
}

func TestExampleMinimal(t *testing.T) {
	p := parseExample(t, "minimal.yaml")
	if !p.Discovery || len(p.Apps) != 0 {
		t.Errorf("minimal: Discovery=%v apps=%d, want discovery on and no listed apps", p.Discovery, len(p.Apps))
	}
	if len(p.Overlays) != 1 || p.Overlays[0] != DefaultOverlays {
		t.Errorf("overlays = %v, want the default", p.Overlays)
	}
	want := []struct {
		name      string
		promotion Promotion
		autoMerge bool
	}{{"dev", Auto, true}, {"staging", Auto, false}, {"prod", Manual, false}}
	for i, w := range want {
		e := p.Environments[i]
		if e.Name != w.name || e.Dir != w.name || e.Promotion != w.promotion || e.AutoMerge != w.autoMerge || e.Carry != CarryArtifact || e.Prerelease {
			t.Errorf("environment %d = %+v, want %+v with dir=name, carry artifact, no prerelease", i, e, w)
		}
	}
	if p.Defaults.Strategy != tags.SemVer || p.Defaults.PinDigest {
		t.Errorf("defaults = %+v, want semver without pinDigest", p.Defaults)
	}
}

func TestExampleStrictProd(t *testing.T) {
	p := parseExample(t, "strict-prod.yaml")
	prod, _ := p.Env("ledger", "prod")
	if prod.Promotion != Manual || prod.Soak != 24*time.Hour || !prod.RequireHealthy || len(prod.Freeze) != 2 {
		t.Errorf("prod = %+v", prod)
	}
	if got := prod.Promoters; len(got) != 2 || got[0] != "@acme/sre" {
		t.Errorf("ledger's prod promoters = %v", got)
	}
	pay, _ := p.Env("payments", "prod")
	if len(pay.Promoters) != 1 || pay.Promoters[0] != "@acme/payments-leads" || pay.Soak != 72*time.Hour {
		t.Errorf("payments' prod = %+v, want its override", pay)
	}
	img, _ := mustApp(t, p, "ledger").Image("ghcr.io/acme/ledger")
	if !img.PinDigest || len(img.IgnoreTags) != 2 || img.Strategy != tags.SemVer {
		t.Errorf("ledger image = %+v, want the defaults", img)
	}
	if p.Discovery {
		t.Error("discovery is on although apps are listed")
	}
}

func TestExampleMonorepo(t *testing.T) {
	p := parseExample(t, "monorepo-40-apps.yaml")
	if len(p.Apps) != 40 {
		t.Fatalf("apps = %d, want 40", len(p.Apps))
	}
	if got := p.AppsForImage("ghcr.io/acme/search-indexer:1.4.0"); len(got) != 1 || got[0].App != "search" {
		t.Errorf("AppsForImage(search-indexer) = %v", got)
	}
	img, _ := mustApp(t, p, "reports").Image("ghcr.io/acme/reports")
	if img.Strategy != tags.NewestBuild || img.Constraint != ">=1.0.0" {
		t.Errorf("reports image = %+v, want newest-build with the default constraint", img)
	}
}

func TestExampleTextbook(t *testing.T) {
	p := parseExample(t, "textbook.yaml")
	dirs := map[string]string{"dev": "development", "staging": "staging", "prod": "production"}
	for name, dir := range dirs {
		e, ok := p.Env("order-service", name)
		if !ok || e.Dir != dir {
			t.Errorf("%s: dir = %q, want %q", name, e.Dir, dir)
		}
	}
	for _, name := range []string{"staging", "prod"} {
		if e, _ := p.Env("", name); e.Carry != CarryVersion {
			t.Errorf("%s carries %s, want version", name, e.Carry)
		}
	}
	if !p.Discovery {
		t.Error("textbook relies on discovery")
	}
}

func mustApp(t *testing.T, p *Policy, name string) App {
	t.Helper()
	a, ok := p.App(name)
	if !ok {
		t.Fatalf("no app %q", name)
	}
	return a
}

// TestExampleTextbookOnItsTree discovers the textbook layout with the
// textbook policy and checks the channels each environment gets.
func TestExampleTextbookOnItsTree(t *testing.T) {
	p := parseExample(t, "textbook.yaml")
	fsys := textbookTree()
	if err := p.Discover(fsys); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, a := range p.Apps {
		names = append(names, a.Name)
	}
	if want := []string{"legacy-billing", "order-service", "payment-service"}; !reflect.DeepEqual(names, want) {
		t.Errorf("discovered %q, want %q", names, want)
	}
	dirs, err := p.OverlayDirs(fsys, "order-service", "prod")
	if err != nil || !reflect.DeepEqual(dirs, []string{"apps/order-service/overlays/production"}) {
		t.Errorf("prod overlays = %q, %v", dirs, err)
	}
	channels := map[string]string{"dev": `^v\d+\.\d+\.\d+-dev$`, "staging": `^v\d+\.\d+\.\d+-rc\d+$`, "prod": `^v\d+\.\d+\.\d+$`}
	for env, allow := range channels {
		r, ok := p.Rule("order-service", "registry.company.com/order-service", env)
		want := tags.Rule{Strategy: tags.SemVer, Filters: []tags.Filter{{Source: env + "'s channel", AllowTags: allow}}}
		if !ok || !reflect.DeepEqual(r, want) {
			t.Errorf("%s: Rule = %+v, want %+v", env, r, want)
		}
	}
}
