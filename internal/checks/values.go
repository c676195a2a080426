package checks

import (
	"fmt"
	"io/fs"
	"strings"

	"github.com/stagehand-gitops/stagehand/internal/policy"
	"github.com/stagehand-gitops/stagehand/internal/promote"
)

// sourceRule is rule 1 for an app whose image lives in a source (a values
// file, a HelmRelease, a manifest, setter comments): each of the
// environment's files still parses and holds the image where the policy
// says. A failure is annotated at the line the error names.
func sourceRule(tc touch, head fs.FS) (Result, []Annotation) {
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
	var problems, read []string
	var notes []Annotation
	for _, f := range files {
		for _, img := range app.Images {
			line, err := promote.ValuesProblem(tc.pol, head, app, img.Name, f)
			if err != nil {
				problems = append(problems, err.Error())
				notes = append(notes, Annotation{Path: f, Line: line, Level: LevelFailure, Title: sourceTitle(app.Source), Message: err.Error()})
				continue
			}
			read = append(read, "`"+f+"`")
		}
	}
	if len(problems) > 0 {
		return fail(r, strings.Join(problems, "; ")), notes
	}
	return pass(r, strings.Join(read, ", ")+" "+parseVerb(len(read))), nil
}

func parseVerb(n int) string {
	if n == 1 {
		return "parses"
	}
	return "parse"
}

func sourceTitle(src *policy.Source) string {
	return fmt.Sprintf("the %s file does not read", src.Kind)
}
