// Package helmrender renders one environment of a chart that lives in the
// config repository, as `helm template -f <values file>` does, with Helm's
// own Go packages: the chart is read from the repository's tree (never
// fetched), nothing talks to a cluster (lookup returns nothing), and the
// manifests are parsed as Helm parses them before installing.
//
// It is part of the pure core: a tree in, a verdict out.
package helmrender

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/engine"
	"helm.sh/helm/v3/pkg/ignore"
	"helm.sh/helm/v3/pkg/releaseutil"
)

// ReleaseName and Namespace are what `helm template` renders with when
// given neither.
const (
	ReleaseName = "release-name"
	Namespace   = "default"
)

// ErrNotRendered: the chart cannot be rendered from the repository alone
// (a dependency is not vendored under charts/). It is no pass.
var ErrNotRendered = errors.New("not rendered")

// Error is a render failure located in a file of the repository.
type Error struct {
	File string
	Line int
	Err  error
}

func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %v", e.File, e.Line, e.Err)
	}
	return fmt.Sprintf("%s: %v", e.File, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// Location returns the file and line the failure is at.
func (e *Error) Location() (string, int) { return e.File, e.Line }

// Render renders the chart in dir of tree with the values file values
// (chart defaults first, then the file, as -f layers them) and returns
// how many manifests it makes. A failure is an *Error naming the template
// or values file and line; a chart that needs what the repository does
// not hold wraps ErrNotRendered.
func Render(tree fs.FS, dir, values string) (int, error) {
	ch, err := load(tree, dir)
	if err != nil {
		return 0, err
	}
	data, err := fs.ReadFile(tree, values)
	if err != nil {
		return 0, fmt.Errorf("read %s: %w", values, err)
	}
	vals, err := chartutil.ReadValues(data)
	if err != nil {
		return 0, &Error{File: values, Line: lineIn(err.Error()), Err: err}
	}
	if err := missingDependencies(ch); err != nil {
		return 0, err
	}
	if err := chartutil.ProcessDependenciesWithMerge(ch, vals); err != nil {
		return 0, &Error{File: path.Join(dir, "Chart.yaml"), Line: 1, Err: err}
	}
	opts := chartutil.ReleaseOptions{Name: ReleaseName, Namespace: Namespace, Revision: 1, IsInstall: true}
	top, err := chartutil.ToRenderValues(ch, vals, opts, chartutil.DefaultCapabilities.Copy())
	if err != nil {
		return 0, &Error{File: values, Line: 1, Err: err}
	}
	out, err := engine.Render(ch, top)
	if err != nil {
		return 0, located(dir, ch.Name(), err)
	}
	for name := range out {
		if !strings.HasSuffix(name, ".yaml") && !strings.HasSuffix(name, ".yml") && !strings.HasSuffix(name, ".tpl") {
			delete(out, name) // NOTES.txt and the like are no manifests
		}
	}
	_, manifests, err := releaseutil.SortManifests(out, chartutil.DefaultVersionSet, releaseutil.InstallOrder)
	if err != nil {
		return 0, located(dir, ch.Name(), err)
	}
	return len(manifests), nil
}

// load reads the chart's files under dir, leaving out what .helmignore
// names, as `helm template <dir>` does.
func load(tree fs.FS, dir string) (*chart.Chart, error) {
	rules := ignore.Empty()
	if data, err := fs.ReadFile(tree, path.Join(dir, ignore.HelmIgnore)); err == nil {
		if rules, err = ignore.Parse(strings.NewReader(string(data))); err != nil {
			return nil, &Error{File: path.Join(dir, ignore.HelmIgnore), Line: 1, Err: err}
		}
	}
	rules.AddDefaults()
	sub, err := fs.Sub(tree, dir)
	if err != nil {
		return nil, err
	}
	var files []*loader.BufferedFile
	err = fs.WalkDir(sub, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == "." {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		if rules.Ignore(p, fi) {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.IsDir() || !fi.Mode().IsRegular() {
			return nil
		}
		data, err := fs.ReadFile(sub, p)
		if err != nil {
			return err
		}
		files = append(files, &loader.BufferedFile{Name: p, Data: data})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read the chart %s: %w", dir, err)
	}
	ch, err := loader.LoadFiles(files)
	if err != nil {
		return nil, &Error{File: path.Join(dir, "Chart.yaml"), Line: lineIn(err.Error()), Err: err}
	}
	return ch, nil
}

// missingDependencies reports the dependencies Chart.yaml names that are
// not under charts/: helm would fetch them, and Stagehand never does.
func missingDependencies(ch *chart.Chart) error {
	have := map[string]bool{}
	for _, d := range ch.Dependencies() {
		have[d.Name()] = true
	}
	var missing []string
	for _, d := range ch.Metadata.Dependencies {
		if !have[d.Name] {
			missing = append(missing, d.Name)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("the chart's dependencies %s are not vendored under charts/, and Stagehand never fetches a chart: %w", strings.Join(missing, ", "), ErrNotRendered)
	}
	return nil
}

// templateAt finds the template and line an engine error names:
// `parse error at (chart/templates/x.yaml:12)`, `execution error at
// (chart/templates/x.yaml:23:20)`, `template: chart/templates/x.yaml:23:20:`,
// `YAML parse error on chart/templates/x.yaml:`.
var templateAt = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`(?:at \(|template: |parse error on )([^\s:()]+)(?::(\d+))?`)
})

// located places an engine error at the repository file of the template
// it names: the template's path starts with the chart's name, which
// stands for dir.
func located(dir, name string, err error) error {
	m := templateAt().FindStringSubmatch(err.Error())
	if m == nil {
		return &Error{File: path.Join(dir, "Chart.yaml"), Line: 1, Err: err}
	}
	file := path.Join(dir, strings.TrimPrefix(m[1], name+"/"))
	line, _ := strconv.Atoi(m[2])
	return &Error{File: file, Line: max(line, 1), Err: err}
}

var lineRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`\bline (\d+)\b`) })

// lineIn is the line a YAML error names, or 1.
func lineIn(msg string) int {
	if m := lineRE().FindStringSubmatch(msg); m != nil {
		if n, err := strconv.Atoi(m[1]); err == nil && n > 0 {
			return n
		}
	}
	return 1
}
