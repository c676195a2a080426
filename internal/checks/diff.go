package checks

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"

	"github.com/stagehand-gitops/stagehand/internal/policy"
	"github.com/stagehand-gitops/stagehand/internal/promote"
)

// ChangedFiles returns the paths of the regular files that differ between
// two trees (added, removed or changed), sorted.
func ChangedFiles(base, head fs.FS) ([]string, error) {
	a, err := readTree(base)
	if err != nil {
		return nil, fmt.Errorf("read base tree: %w", err)
	}
	b, err := readTree(head)
	if err != nil {
		return nil, fmt.Errorf("read head tree: %w", err)
	}
	var out []string
	for p, data := range a {
		if other, ok := b[p]; !ok || !bytes.Equal(data, other) {
			out = append(out, p)
		}
	}
	for p := range b {
		if _, ok := a[p]; !ok {
			out = append(out, p)
		}
	}
	slices.Sort(out)
	return out, nil
}

func readTree(fsys fs.FS) (map[string][]byte, error) {
	files := map[string][]byte{}
	if fsys == nil {
		return files, nil
	}
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() {
			data, err := fs.ReadFile(fsys, p)
			if err != nil {
				return err
			}
			files[p] = data
		}
		return nil
	})
	return files, err
}

// touch is one app's overlays in one environment that the pull request
// changes.
type touch struct {
	app, env string
	// pol is the base policy, with apps discovered in the tree that has
	// the app (the head's for an app the pull request adds).
	pol *policy.Policy
	// dirs are the app's overlay directories in env, in either tree;
	// baseDirs and headDirs those that exist in each.
	dirs, baseDirs, headDirs []string
	// source is the app's source when its image lives in one (a values
	// file, a HelmRelease…), and sourceFiles its files in env on the head.
	source      *policy.Source
	sourceFiles []string
	// chart is the local chart's directory ("" when there is none), and
	// others the source files of the other environments, in either tree:
	// they sit beside the chart's files but are not part of it.
	chart  string
	others []string
	// files are the changed files under dirs, then those outside them
	// that the overlays read (reached).
	files, reached []string
}

// trees holds the base policy discovered in each tree.
type trees struct {
	base, head      fs.FS
	onBase, onHead  *policy.Policy
	changed         []string
	underAnyOverlay map[string]bool
	policyChanged   bool
}

// touches finds every (app, env) whose overlays hold a changed file, or
// read one from outside them (a shared base, a component), in promotion
// order, then app order.
func (t *trees) touches() ([]touch, error) {
	apps := appNames(t.onBase, t.onHead)
	t.underAnyOverlay = map[string]bool{}
	var all []touch
	for _, env := range t.onBase.Environments {
		for _, app := range apps {
			tc, err := t.touch(app, env.Name)
			if err != nil {
				return nil, err
			}
			for _, f := range tc.files {
				t.underAnyOverlay[f] = true
			}
			all = append(all, tc)
		}
	}
	var rest []string
	for _, f := range t.changed {
		if !t.underAnyOverlay[f] && f != policy.FileName {
			rest = append(rest, f)
		}
	}
	var out []touch
	for _, tc := range all {
		if len(rest) > 0 {
			// Only a pull request that changes files outside every overlay
			// pays for reading what the overlays reach.
			r := reads{}
			for _, d := range tc.baseDirs {
				r.add(t.base, d)
			}
			for _, d := range tc.headDirs {
				r.add(t.head, d)
			}
			for _, f := range rest {
				if r.has(f) {
					tc.files = append(tc.files, f)
					tc.reached = append(tc.reached, f)
					t.underAnyOverlay[f] = true
				}
			}
		}
		if len(tc.files) > 0 {
			out = append(out, tc)
		}
	}
	return out, nil
}

func (t *trees) touch(app, env string) (touch, error) {
	tc := touch{app: app, env: env, pol: t.onBase}
	if _, ok := t.onBase.App(app); !ok {
		tc.pol = t.onHead
	}
	baseDirs, err := t.onBase.OverlayDirs(t.base, app, env)
	if err != nil {
		return tc, fmt.Errorf("overlays of %s in %s on the base: %w", app, env, err)
	}
	headDirs, err := t.onHead.OverlayDirs(t.head, app, env)
	if err != nil {
		return tc, fmt.Errorf("overlays of %s in %s on the head: %w", app, env, err)
	}
	tc.baseDirs, tc.headDirs = baseDirs, headDirs
	tc.dirs = union(baseDirs, headDirs)
	if err := t.sources(&tc); err != nil {
		return tc, err
	}
	for _, f := range t.changed {
		if slices.Contains(tc.sourceFiles, f) || tc.inChart(f) {
			tc.files = append(tc.files, f)
			continue
		}
		for _, d := range tc.dirs {
			if strings.HasPrefix(f, d+"/") {
				tc.files = append(tc.files, f)
				break
			}
		}
	}
	return tc, nil
}

// sources fills in the touch's source files: those of either tree, so
// that a removed values file is a change too.
func (t *trees) sources(tc *touch) error {
	a, ok := tc.pol.App(tc.app)
	if !ok || a.Source == nil {
		return nil
	}
	tc.source = a.Source
	baseFiles, err := t.onBase.SourceFiles(t.base, tc.app, tc.env)
	if err != nil {
		return fmt.Errorf("files of %s in %s on the base: %w", tc.app, tc.env, err)
	}
	headFiles, err := t.onHead.SourceFiles(t.head, tc.app, tc.env)
	if err != nil {
		return fmt.Errorf("files of %s in %s on the head: %w", tc.app, tc.env, err)
	}
	tc.sourceFiles = union(baseFiles, headFiles)
	tc.chart = promote.ChartDir(t.head, a.Source, tc.sourceFiles)
	for _, e := range t.onBase.Environments {
		if e.Name == tc.env {
			continue
		}
		for _, side := range []struct {
			pol  *policy.Policy
			tree fs.FS
		}{{t.onBase, t.base}, {t.onHead, t.head}} {
			files, err := side.pol.SourceFiles(side.tree, tc.app, e.Name)
			if err != nil {
				return err
			}
			tc.others = union(tc.others, files)
		}
	}
	return nil
}

// inChart reports whether f is a file of the local chart the touch's
// values are for: a change to it changes what every environment renders.
func (tc touch) inChart(f string) bool {
	if tc.chart == "" || slices.Contains(tc.others, f) {
		return false
	}
	return tc.chart == "." || strings.HasPrefix(f, tc.chart+"/")
}

func appNames(pols ...*policy.Policy) []string {
	var names []string
	for _, p := range pols {
		for _, a := range p.Apps {
			if !slices.Contains(names, a.Name) {
				names = append(names, a.Name)
			}
		}
	}
	slices.Sort(names)
	return names
}

func union(a, b []string) []string {
	out := slices.Clone(a)
	for _, s := range b {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	slices.Sort(out)
	return out
}

// imageChange is one image whose version differs between the trees.
type imageChange struct {
	image    string
	from, to promote.Version
	// file and line locate the head's images entry, for annotations.
	file string
	line int
}

// imageChanges lists the app's images whose version in env differs
// between base and head, in the order of the app's images. An overlay
// that cannot be read is an error: skipping it would pass the change as
// one without an image change.
func (t *trees) imageChanges(tc touch) ([]imageChange, error) {
	var out []imageChange
	for _, image := range imageNames(tc.app, t.onBase, t.onHead) {
		// An overlay that does not parse is the build rule's to report.
		from, _, ferr := deployed(t.onBase, t.base, tc.app, image, tc.env)
		to, head, terr := deployed(t.onHead, t.head, tc.app, image, tc.env)
		for _, err := range []error{ferr, terr} {
			if promote.Unreadable(err) {
				return nil, err
			}
		}
		if ferr != nil || terr != nil || from == to {
			continue
		}
		c := imageChange{image: image, from: from, to: to}
		if len(head.Files) > 0 {
			c.file, c.line = head.Files[0], head.Lines[0]
		}
		out = append(out, c)
	}
	return out, nil
}

func imageNames(app string, pols ...*policy.Policy) []string {
	var names []string
	for _, p := range pols {
		a, ok := p.App(app)
		if !ok {
			continue
		}
		for _, img := range a.Images {
			if !slices.ContainsFunc(names, func(n string) bool {
				return policy.NormalizeImage(n) == policy.NormalizeImage(img.Name)
			}) {
				names = append(names, img.Name)
			}
		}
	}
	return names
}

// current is what image runs in env in tree; no overlay means none.
func current(pol *policy.Policy, tree fs.FS, app, image, env string) (promote.Version, error) {
	v, _, err := deployed(pol, tree, app, image, env)
	return v, err
}

// deployed is current with the files the version is read from.
func deployed(pol *policy.Policy, tree fs.FS, app, image, env string) (promote.Version, promote.Deployed, error) {
	if _, ok := pol.App(app); !ok {
		return promote.Version{}, promote.Deployed{}, nil
	}
	d, err := promote.Current(pol, tree, app, image, env)
	if errors.Is(err, promote.ErrNoOverlay) {
		return promote.Version{}, promote.Deployed{}, nil
	}
	if err != nil {
		return promote.Version{}, d, fmt.Errorf("what %s runs in %s: %w", app, env, err)
	}
	return d.Version, d, nil
}

// isYAML reports whether a file name is one the secret rule reads.
func isYAML(name string) bool {
	switch path.Ext(name) {
	case ".yaml", ".yml", ".json":
		return true
	}
	return path.Base(name) == "Kustomization"
}
