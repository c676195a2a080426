package checks

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"

	"github.com/stagehand-gitops/stagehand/internal/policy"
	"github.com/stagehand-gitops/stagehand/internal/promote"
)

// sourceRule is rule 1 for an app whose image lives in a source (a values
// file, a HelmRelease, a manifest, setter comments): each of the
// environment's files still parses and holds the image where the policy
// says, and a values file whose chart is in the repository renders with
// it (helm template). A failure is annotated at the line the error names;
// a file whose chart is elsewhere is reported as not rendered, a skip.
func sourceRule(tc touch, head fs.FS, charts Renderer) (Result, []Annotation) {
	r := Result{Rule: RuleBuild}
	app, ok := tc.pol.App(tc.app)
	if !ok || app.Source == nil {
		return skip(r, "no source"), nil
	}
	files, err := tc.pol.SourceFiles(head, tc.app, tc.env)
	if err != nil {
		return fail(r, err.Error()), nil
	}
	if len(files) == 0 {
		return skip(r, fmt.Sprintf("no %s file left at `%s`", app.Source.Kind, app.Source.File)), nil
	}
	var problems, said, unrendered []string
	var notes []Annotation
	for _, f := range files {
		for _, img := range app.Images {
			line, err := promote.ValuesProblem(tc.pol, head, app, img.Name, f)
			if err != nil {
				problems = append(problems, err.Error())
				notes = append(notes, Annotation{Path: f, Line: line, Level: LevelFailure, Title: sourceTitle(app.Source), Message: err.Error()})
				continue
			}
		}
		if len(problems) > 0 {
			continue
		}
		msg, err := render(charts, head, app.Source, f)
		var at located
		switch {
		case errors.As(err, &at):
			file, line := at.Location()
			problems = append(problems, err.Error())
			notes = append(notes, Annotation{Path: file, Line: line, Level: LevelFailure, Title: "helm template fails", Message: err.Error()})
		case err != nil:
			unrendered = append(unrendered, fmt.Sprintf("`%s` parses, not rendered: %v", f, err))
		default:
			said = append(said, msg)
		}
	}
	switch {
	case len(problems) > 0:
		return fail(r, strings.Join(problems, "; ")), notes
	case len(unrendered) > 0:
		// Reading is not rendering: a chart Stagehand cannot render is
		// never reported as passing.
		return skip(r, strings.Join(append(said, unrendered...), "; ")), nil
	}
	return pass(r, strings.Join(said, "; ")), nil
}

// Renderer renders the chart in dir of tree with the values file values,
// as `helm template -f values` does, and returns how many manifests it
// makes. A render failure is an error with a Location() (string, int)
// method naming the file and line; any other error means the chart could
// not be rendered from the repository alone. internal/helmrender is one;
// the shell passes it in, so that only the binaries that render link Helm.
type Renderer func(tree fs.FS, dir, values string) (int, error)

// located is a render failure that names its file and line.
type located interface {
	error
	Location() (file string, line int)
}

// render renders the environment of a values source whose chart is in the
// repository, as helm template does, and says what it made. A source it
// cannot render is an error that is not located.
func render(charts Renderer, head fs.FS, src *policy.Source, file string) (string, error) {
	switch src.Kind {
	case policy.SourceHelmRelease:
		return renderRelease(charts, head, src, file)
	case policy.SourceValues:
	default:
		return "", fmt.Errorf("a %s source names no chart; only values files and HelmReleases or Applications whose chart is in the repository are rendered", src.Kind)
	}
	chart := promote.ChartDir(head, src, []string{file})
	if chart == "" {
		return "", fmt.Errorf("no Chart.yaml beside it and no chart: in the policy, so the chart is not in the repository")
	}
	if charts == nil {
		return "", fmt.Errorf("this build of Stagehand has no Helm renderer (the chart is `%s`)", chart)
	}
	n, err := charts(head, chart, file)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("`%s` renders with the chart `%s` (%d manifests)", file, chart, n), nil
}

func sourceTitle(src *policy.Source) string {
	return fmt.Sprintf("the %s file does not read", src.Kind)
}
