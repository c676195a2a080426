package argoimport

import (
	"path"
	"slices"
	"strings"

	"github.com/stagehand-gitops/stagehand/internal/policy"
)

// Layout is what the translation knows of the target policy: its overlay
// templates and its environments.
type Layout struct {
	// Overlays holds the templates, with {app}, {env} and * segments.
	Overlays []string
	// Environments in promotion order. Empty means none is known yet: every
	// distinct {env} directory the Applications deploy becomes one.
	Environments []Env
}

// Env is an environment's name and the directory {env} stands for.
type Env struct {
	Name string
	Dir  string
}

// LayoutOf returns the layout of an existing policy.
func LayoutOf(p *policy.Policy) Layout {
	l := Layout{Overlays: slices.Clone(p.Overlays)}
	for _, e := range p.Environments {
		l.Environments = append(l.Environments, Env{Name: e.Name, Dir: e.Dir})
	}
	return l
}

// DefaultLayout is the layout without a policy: the default template and
// environments found from the Applications.
func DefaultLayout() Layout {
	return Layout{Overlays: []string{policy.DefaultOverlays}}
}

// locate returns the app and the environment directory an Application
// path deploys, against the first template (in order) and environment (in
// promotion order) it matches.
func (l Layout) locate(p string) (app, dir string, ok bool) {
	p = strings.TrimPrefix(path.Clean(strings.TrimPrefix(strings.TrimSpace(p), "/")), "./")
	for _, t := range l.Overlays {
		if len(l.Environments) == 0 {
			if app, dir, ok := policy.MatchOverlay(t, "", p); ok {
				return app, dir, true
			}
			continue
		}
		for _, e := range l.Environments {
			if app, _, ok := policy.MatchOverlay(t, e.Dir, p); ok {
				return app, e.Dir, true
			}
		}
	}
	return "", "", false
}
