package checks

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"

	"github.com/stagehand-gitops/stagehand/internal/overlay"
)

// buildRule is rule 1: every changed overlay of the touch (every overlay,
// when a file they read from outside changed) parses, and kustomize
// builds it. A failure is annotated at the line the error names,
// or the kustomization's first line.
func buildRule(tc touch, head fs.FS) (Result, []Annotation) {
	r := Result{Rule: RuleBuild}
	var built, problems []string
	var notes []Annotation
	for _, dir := range tc.headDirs {
		// A changed file the overlays reach from outside (a shared base)
		// may change any of them, so each is built.
		if len(tc.reached) == 0 && !slices.ContainsFunc(tc.files, func(f string) bool { return strings.HasPrefix(f, dir+"/") }) {
			continue
		}
		file, line, err := build(head, dir)
		if err != nil {
			problems = append(problems, fmt.Sprintf("`%s`: %v", dir, err))
			notes = append(notes, Annotation{Path: file, Line: line, Level: LevelFailure, Title: "kustomize build fails", Message: err.Error()})
			continue
		}
		built = append(built, dir)
	}
	switch {
	case len(problems) > 0:
		return fail(r, strings.Join(problems, "; ")), notes
	case len(built) == 0:
		return skip(r, "overlay removed"), nil
	case len(built) == 1:
		return pass(r, "`"+built[0]+"` builds"), nil
	}
	return pass(r, fmt.Sprintf("%d overlays build", len(built))), nil
}

// build parses and renders the overlay in dir, and on failure returns the
// file and line to annotate.
func build(head fs.FS, dir string) (string, int, error) {
	file, err := overlay.FileIn(head, dir)
	if err != nil {
		return path.Join(dir, "kustomization.yaml"), 1, err
	}
	data, err := fs.ReadFile(head, file)
	if err != nil {
		return file, 1, fmt.Errorf("read %s: %w", file, err)
	}
	if _, err := overlay.Images(data); err != nil {
		return file, errorLine(err), err
	}
	if err := overlay.Builds(head, dir); err != nil {
		if re, ok := errors.AsType[*overlay.RemoteError](err); ok {
			return re.File, re.Line, err
		}
		return file, errorLine(err), err
	}
	return file, 0, nil
}

// errorLine is the line a YAML or kustomize error names, or 1.
func errorLine(err error) int { return yamlLine(err.Error()) }
