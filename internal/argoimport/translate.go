// Package argoimport translates Argo CD Image Updater annotations on Argo
// CD Applications into a Stagehand policy, and reports every annotation it
// could not translate, and why.
//
// It is part of the pure core: no network, no clock, no globals. The
// caller reads the files; this package reads bytes.
package argoimport

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/stagehand-gitops/stagehand/internal/policy"
	"github.com/stagehand-gitops/stagehand/internal/tags"
)

// ErrNoAnnotations means no Application carries an Image Updater annotation.
var ErrNoAnnotations = errors.New("no " + strings.TrimSuffix(Prefix, "/") + " annotations found")

// ErrNothingTranslated means annotations were found, but no image could be
// placed in an app and environment of the policy; the notes say why.
var ErrNothingTranslated = errors.New("no image could be translated")

// Translation is the policy content the annotations translate to.
type Translation struct {
	// Layout is the layout translated against; its environments are
	// inferred from the Applications' paths when EnvsInferred.
	Layout       Layout
	EnvsInferred bool
	// Apps holds the translated apps, sorted by name.
	Apps []App
	// Notes is the report, sorted by file and line.
	Notes []Note
	// Applications and Annotated count the Applications read, and those
	// with Image Updater annotations.
	Applications, Annotated int
}

// App is one translated app.
type App struct {
	Name   string
	Images []Image
	// Overrides narrow the app's channel in one environment, in promotion
	// order.
	Overrides []Override
}

// Image is one translated image and its rule.
type Image struct {
	Name       string
	Strategy   tags.Strategy
	Constraint string
	AllowTags  string
	IgnoreTags []string
	// From lists where the image comes from, one "Application: entry"
	// per environment.
	From []string
}

// Override is a per-app, per-environment filter: what an annotation on
// one environment's Application only said.
type Override struct {
	Env        string
	Constraint string
	AllowTags  string
	IgnoreTags []string
	// From lists the annotations the override comes from.
	From []string
}

// Translate translates the Applications' annotations against layout. It
// returns ErrNoAnnotations when no Application has one, and
// ErrNothingTranslated (with the Translation, whose notes say why) when
// no image could be placed.
func Translate(apps []Application, layout Layout) (*Translation, error) {
	t := &Translation{Layout: layout, Applications: len(apps)}
	placed := t.place(apps)
	if t.Annotated == 0 {
		return nil, ErrNoAnnotations
	}
	for _, name := range sortedKeys(placed) {
		t.Apps = append(t.Apps, t.app(name, placed[name]))
	}
	sortNotes(t.Notes)
	if len(t.Apps) == 0 {
		return t, ErrNothingTranslated
	}
	return t, nil
}

// placed maps an app to its environments' settings, by environment name.
type placed map[string]map[string][]*setting

// place reads each annotated Application, finds its app and environment,
// and infers the environments when the layout has none.
func (t *Translation) place(apps []Application) placed {
	known := len(t.Layout.Environments) > 0
	t.EnvsInferred = !known
	out := placed{}
	owner := map[[2]string]string{}
	for i := range apps {
		a := &apps[i]
		if len(a.Annotations) == 0 {
			continue
		}
		t.Annotated++
		r := &reader{app: a}
		settings := r.settings()
		t.Notes = append(t.Notes, r.notes...)
		if len(settings) == 0 {
			continue
		}
		for _, target := range t.targets(a) {
			// One Application per cluster is common: several deploy one
			// app in one environment, and agree or are reported.
			if prev, dup := owner[target]; dup {
				if describe(out[target[0]][target[1]]) != describe(settings) {
					t.Notes = append(t.Notes, appNote(a, NotTranslated, "%s in %s is deployed by Application %s as well, "+
						"whose annotations say otherwise and are used", target[0], target[1], prev))
				}
				continue
			}
			owner[target] = a.Name
			if out[target[0]] == nil {
				out[target[0]] = map[string][]*setting{}
			}
			out[target[0]][target[1]] = settings
		}
	}
	if !known {
		t.Layout.Environments = inferEnvs(out)
	}
	return out
}

// targets returns the (app, environment name) pairs the Application's
// paths deploy. Without known environments, the name is the directory.
func (t *Translation) targets(a *Application) [][2]string {
	if len(a.Paths) == 0 {
		t.Notes = append(t.Notes, appNote(a, NotTranslated, "no spec.source.path or spec.sources[].path to find the app and environment from; its annotations are not translated"))
		return nil
	}
	var out [][2]string
	for _, p := range a.Paths {
		app, dir, ok := t.Layout.locate(p)
		if !ok {
			if _, dir, ok := (Layout{Overlays: t.Layout.Overlays}).locate(p); ok {
				t.Notes = append(t.Notes, appNote(a, NotTranslated, "path %s: no environment of the policy has the dir %q; its annotations are not translated", p, dir))
				continue
			}
			t.Notes = append(t.Notes, appNote(a, NotTranslated, "path %s matches no overlays template (%s); its annotations are not translated", p, strings.Join(t.Layout.Overlays, ", ")))
			continue
		}
		env, ok := t.envName(dir)
		if !ok || !policy.ValidName(app) {
			t.Notes = append(t.Notes, appNote(a, NotTranslated, "path %s: %q or %q is not a valid app or environment name; its annotations are not translated", p, app, dir))
			continue
		}
		if !slices.Contains(out, [2]string{app, env}) {
			out = append(out, [2]string{app, env})
		}
	}
	return out
}

// describe renders what settings translate to, to compare Applications.
func describe(settings []*setting) string {
	var b strings.Builder
	for _, s := range settings {
		fmt.Fprintf(&b, "%s %s %q %q %q\n", specString(s.spec), s.strategy, s.constraint, s.allowTags, s.ignoreTags)
	}
	return b.String()
}

func (t *Translation) envName(dir string) (string, bool) {
	for _, e := range t.Layout.Environments {
		if e.Dir == dir {
			return e.Name, true
		}
	}
	return dir, len(t.Layout.Environments) == 0 && policy.ValidName(dir)
}

func appNote(a *Application, kind Kind, format string, args ...any) Note {
	return Note{File: a.File, Line: a.Line, Application: a.Name, Kind: kind, Reason: fmt.Sprintf(format, args...)}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
