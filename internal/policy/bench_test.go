package policy

import (
	"fmt"
	"os"
	"testing"
	"testing/fstest"
)

func BenchmarkParseMonorepo(b *testing.B) {
	data, err := os.ReadFile(examplesDir + "/monorepo-40-apps.yaml")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse("monorepo-40-apps.yaml", data); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDiscover200Apps discovers 200 apps with three overlays each.
func BenchmarkDiscover200Apps(b *testing.B) {
	p, err := Parse("p.yaml", []byte("version: 1\nenvironments: [{name: dev}, {name: staging}, {name: prod, dir: production}]\n"))
	if err != nil {
		b.Fatal(err)
	}
	fsys := fstest.MapFS{}
	for i := range 200 {
		for _, env := range []string{"dev", "staging", "production"} {
			fsys[fmt.Sprintf("apps/app-%03d/overlays/%s/kustomization.yaml", i, env)] = kust(fmt.Sprintf("images:\n- name: ghcr.io/acme/app-%03d\n  newTag: v1.0.0\n", i))
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := p.Discover(fsys); err != nil {
			b.Fatal(err)
		}
	}
	if len(p.Apps) != 200 {
		b.Fatalf("discovered %d apps, want 200", len(p.Apps))
	}
}
