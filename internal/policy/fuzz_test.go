package policy

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stagehand-gitops/stagehand/internal/tags"
)

// FuzzParse checks that Parse never panics, that it returns either a
// policy or an ErrorList with positions, and that the policy's helpers
// work on whatever it accepts.
func FuzzParse(f *testing.F) {
	for _, pattern := range []string{"../../policies/*.yaml", "testdata/invalid/*.yaml"} {
		files, _ := filepath.Glob(pattern)
		for _, file := range files {
			data, err := os.ReadFile(file)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(data)
		}
	}
	f.Add([]byte(channelled))
	f.Add([]byte(layoutPolicy))
	f.Add([]byte("version: 1\nenvironments: [{name: dev, freeze: [{cron: '@daily', duration: 1h}]}]\n"))
	fsys := textbookTree()
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Parse("f.yaml", data)
		if err != nil {
			var list ErrorList
			if !errors.As(err, &list) || len(list) == 0 {
				t.Fatalf("error is not a non-empty ErrorList: %T %v", err, err)
			}
			for _, e := range list {
				if e.File != "f.yaml" || e.Line < 1 || e.Msg == "" {
					t.Fatalf("error without a position or message: %+v", e)
				}
			}
			return
		}
		if p.Version != 1 || len(p.Environments) == 0 || len(p.Overlays) == 0 {
			t.Fatalf("accepted an incomplete policy: %+v", p)
		}
		for _, g := range p.Groups {
			checkGroupInvariants(t, p, g)
		}
		_ = p.Discover(fsys)
		for _, a := range p.Apps {
			for _, e := range p.Environments {
				if _, err := p.OverlayDirs(fsys, a.Name, e.Name); err != nil {
					t.Fatalf("OverlayDirs(%s, %s): %v", a.Name, e.Name, err)
				}
				for _, img := range a.Images {
					r, ok := p.Rule(a.Name, img.Name, e.Name)
					if !ok {
						t.Fatalf("no rule for %s/%s in %s", a.Name, img.Name, e.Name)
					}
					if err := tags.ValidateRule(r); err != nil {
						t.Fatalf("accepted a rule the chooser rejects: %v", err)
					}
				}
				for _, w := range e.Freeze {
					w.Active(w.From)
				}
			}
		}
	})
}

// checkGroupInvariants holds for every group Parse accepts: at least two
// members, never the first environment, one group per app and environment.
func checkGroupInvariants(t *testing.T, p *Policy, g Group) {
	t.Helper()
	if len(g.Apps) < 2 || len(g.Envs) == 0 {
		t.Fatalf("accepted group %q with apps %q and envs %q", g.Name, g.Apps, g.Envs)
	}
	for _, env := range g.Envs {
		if i := p.EnvIndex(env); i < 1 {
			t.Fatalf("group %q moves into %q (index %d)", g.Name, env, i)
		}
		for _, app := range g.Apps {
			if other, _ := p.GroupOf(app, env); other.Name != g.Name {
				t.Fatalf("app %q in %s is in groups %q and %q", app, env, other.Name, g.Name)
			}
		}
	}
}

// FuzzValidName holds validName to the expression it is written from.
func FuzzValidName(f *testing.F) {
	re := regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9._-]{0,98}[A-Za-z0-9])?$`)
	for _, s := range []string{"order-service", "a", "a.", ".a", "a_b", "a b", "", "é", strings.Repeat("a", 100), strings.Repeat("a", 101), "a\n", "A9-._z"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		if got, want := validName(name), re.MatchString(name); got != want {
			t.Fatalf("validName(%q) = %v, the expression says %v", name, got, want)
		}
	})
}
