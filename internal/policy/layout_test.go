package policy

import (
	"errors"
	"reflect"
	"slices"
	"testing"
	"testing/fstest"
)

func kust(images string) *fstest.MapFile {
	return &fstest.MapFile{Data: []byte("apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [../../base]\n" + images)}
}

// textbookTree is the textbook layout, plus a second layout that
// spreads prod over one overlay per cluster, and a few distractions.
func textbookTree() fstest.MapFS {
	return fstest.MapFS{
		"apps/order-service/base/kustomization.yaml":                   kust(""),
		"apps/order-service/overlays/development/kustomization.yaml":   kust("images:\n- name: registry.company.com/order-service\n  newTag: v1.2.4-dev\n"),
		"apps/order-service/overlays/staging/kustomization.yaml":       kust("images:\n  - name: registry.company.com/order-service # staging\n    newTag: v1.2.3-rc1\n  - name: busybox\n"),
		"apps/order-service/overlays/production/kustomization.yml":     kust("images:\n- {name: registry.company.com/order-service, newTag: v1.2.3}\n"),
		"apps/order-service/overlays/production/resources-patch.yaml":  {Data: []byte("kind: Deployment\n")},
		"apps/payment-service/overlays/development/Kustomization":      kust("images:\n- name: payment\n  newName: registry.company.com/payment-service\n"),
		"apps/payment-service/overlays/production/kustomization.yaml":  kust(""),
		"apps/legacy-billing/overlays/development/kustomization.yaml":  kust("images:\n- name: registry.company.com/billing\n"),
		"apps/.hidden/overlays/development/kustomization.yaml":         kust(""),
		"apps/notes/overlays/development/README.md":                    {Data: []byte("no kustomization here\n")},
		"infrastructure/monitoring/kustomization.yaml":                 kust(""),
		"clusters/prod-cluster/kustomization.yaml":                     kust(""),
		"clusters/production-eu/apps/order-service/kustomization.yaml": kust("images:\n- name: registry.company.com/order-service\n  newName: eu.registry.company.com/order-service\n"),
		"clusters/production-us/apps/order-service/kustomization.yaml": kust("images:\n- name: registry.company.com/order-service\n"),
		"clusters/production-us/apps/order-service/notes.txt":          {Data: []byte("x")},
		"clusters/production-us/apps/web/kustomization.yaml":           kust(""),
	}
}

const layoutPolicy = `version: 1
overlays:
  - apps/{app}/overlays/{env}
  - clusters/{env}-*/apps/{app}
discover: true
exclude: ["legacy-*"]
environments:
  - {name: dev, dir: development}
  - {name: staging}
  - {name: prod, dir: production}
defaults:
  ignoreTags: [latest]
`

func TestOverlayDirs(t *testing.T) {
	p := mustParse(t, layoutPolicy+"apps:\n  special:\n    image: x\n    environments:\n      prod: {dir: live}\n")
	fsys := textbookTree()
	fsys["apps/special/overlays/live/kustomization.yaml"] = kust("")
	fsys["apps/special/overlays/production/kustomization.yaml"] = kust("")
	tests := []struct {
		app, env string
		want     []string
	}{
		{"order-service", "dev", []string{"apps/order-service/overlays/development"}},
		{"order-service", "staging", []string{"apps/order-service/overlays/staging"}},
		{"order-service", "prod", []string{"apps/order-service/overlays/production", "clusters/production-eu/apps/order-service", "clusters/production-us/apps/order-service"}},
		{"payment-service", "staging", nil},
		{"notes", "dev", nil},
		{"special", "prod", []string{"apps/special/overlays/live"}},
		// Glob characters in a name are taken literally.
		{"order-*", "dev", nil},
	}
	for _, tt := range tests {
		t.Run(tt.app+"/"+tt.env, func(t *testing.T) {
			got, err := p.OverlayDirs(fsys, tt.app, tt.env)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("OverlayDirs = %q, want %q", got, tt.want)
			}
		})
	}
	if _, err := p.OverlayDirs(fsys, "order-service", "qa"); err == nil {
		t.Error("OverlayDirs of an unknown environment succeeds")
	}
}

func TestDiscover(t *testing.T) {
	p := mustParse(t, layoutPolicy+`apps:
  payment-service:
    image: registry.company.com/payment-service
    environments:
      prod: {promotion: manual}
`)
	if err := p.Discover(textbookTree()); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, a := range p.Apps {
		got = append(got, a.Name)
	}
	// web is found through the cluster template; legacy-billing is excluded;
	// .hidden is not a valid name; notes has no kustomization.
	if want := []string{"payment-service", "order-service", "web"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("apps = %q, want %q", got, want)
	}
	pay := mustApp(t, p, "payment-service")
	if pay.Discovered || len(pay.Images) != 1 {
		t.Errorf("the listed payment-service was replaced: %+v", pay)
	}
	order := mustApp(t, p, "order-service")
	if !order.Discovered {
		t.Error("order-service is not marked Discovered")
	}
	var names []string
	for _, img := range order.Images {
		names = append(names, img.Name)
		if !reflect.DeepEqual(img.IgnoreTags, []string{"latest"}) || img.Strategy != "semver" {
			t.Errorf("image %s does not carry the defaults: %+v", img.Name, img.ImageRule)
		}
	}
	if want := []string{"busybox", "registry.company.com/order-service"}; !reflect.DeepEqual(names, want) {
		t.Errorf("order-service images = %q, want %q", names, want)
	}
	if got := p.AppsForImage("eu.registry.company.com/order-service"); !reflect.DeepEqual(got, []ImageRef{{"order-service", "registry.company.com/order-service"}}) {
		t.Errorf("AppsForImage(newName alias) = %v", got)
	}
	if web := mustApp(t, p, "web"); len(web.Images) != 0 {
		t.Errorf("web has images %v; its overlay has none", web.Images)
	}
	if _, ok := p.Rule("order-service", "busybox", "prod"); !ok {
		t.Error("no rule for a discovered image")
	}

	// Discover again: the same result, not twice the apps.
	if err := p.Discover(textbookTree()); err != nil || len(p.Apps) != 3 {
		t.Errorf("second Discover: %d apps, err %v", len(p.Apps), err)
	}
}

func TestDiscoverFillsListedAppWithoutImages(t *testing.T) {
	p := mustParse(t, layoutPolicy+"apps:\n  order-service:\n    environments:\n      prod: {promoters: [alice]}\n")
	fsys := textbookTree()
	if err := p.Discover(fsys); err != nil {
		t.Fatal(err)
	}
	a := mustApp(t, p, "order-service")
	if a.Discovered || len(a.Images) != 2 || a.Environments["prod"].Promoters[0] != "alice" {
		t.Errorf("order-service = %+v", a)
	}
	p.Discovery = false
	if err := p.Discover(fsys); err != nil {
		t.Fatal(err)
	}
	if a := mustApp(t, p, "order-service"); len(a.Images) != 0 || len(p.Apps) != 1 {
		t.Errorf("with discovery off, Discover left %d apps and images %v", len(p.Apps), a.Images)
	}
}

func TestDiscoverReportsBrokenKustomization(t *testing.T) {
	p := mustParse(t, layoutPolicy)
	fsys := textbookTree()
	fsys["apps/broken/overlays/staging/kustomization.yaml"] = &fstest.MapFile{Data: []byte("images:\n- name: a\n  newTag: [\n")}
	fsys["apps/odd/overlays/staging/kustomization.yaml"] = &fstest.MapFile{Data: []byte("images:\n- newTag: v1\n- just-a-string\n")}
	err := p.Discover(fsys)
	var list ErrorList
	if !errors.As(err, &list) {
		t.Fatalf("want an ErrorList, got %v", err)
	}
	want := "apps/broken/overlays/staging/kustomization.yaml:3:1: invalid YAML: did not find expected node content\n" +
		"apps/odd/overlays/staging/kustomization.yaml:2:3: images: this entry has no name\n" +
		"apps/odd/overlays/staging/kustomization.yaml:3:3: images: want a mapping with name:, got \"just-a-string\""
	if err.Error() != want {
		t.Errorf("errors:\n%v\nwant:\n%s", err, want)
	}
	if !slices.ContainsFunc(p.Apps, func(a App) bool { return a.Name == "broken" }) {
		t.Error("an app with a broken overlay is left out; it should be listed")
	}
}

// prefetchFS is a file system that records what it is told to prefetch
// and what is read from it.
type prefetchFS struct {
	fstest.MapFS
	err        error
	prefetched []string
	calls      int
	readFirst  bool // a file was read before Prefetch was called
	read       []string
}

func (f *prefetchFS) Prefetch(names []string) error {
	f.calls++
	f.prefetched = append(f.prefetched, names...)
	return f.err
}

func (f *prefetchFS) ReadFile(name string) ([]byte, error) {
	if f.calls == 0 {
		f.readFirst = true
	}
	f.read = append(f.read, name)
	return f.MapFS.ReadFile(name)
}

func TestDiscoverPrefetches(t *testing.T) {
	tests := []struct {
		name string
		err  error
	}{
		{"told every kustomization before the first read", nil},
		{"its failure fails discovery", errors.New("archive unavailable")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := mustParse(t, layoutPolicy)
			fsys := &prefetchFS{MapFS: textbookTree(), err: tt.err}
			err := p.Discover(fsys)
			if tt.err != nil {
				if !errors.Is(err, tt.err) || len(fsys.read) != 0 {
					t.Fatalf("Discover = %v after reading %v; want %v before any read", err, fsys.read, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			slices.Sort(fsys.read)
			if fsys.calls != 1 || fsys.readFirst || len(fsys.read) == 0 || !slices.Equal(fsys.prefetched, fsys.read) {
				t.Errorf("Prefetch called %d times (read first: %v) with %v; read %v", fsys.calls, fsys.readFirst, fsys.prefetched, fsys.read)
			}
		})
	}
}
