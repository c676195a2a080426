//go:build nosandbox

package main

import (
	"github.com/stagehand-gitops/stagehand/internal/chartexec"
	"github.com/stagehand-gitops/stagehand/internal/checks"
)

// chartRenderer renders values files with their local charts by running
// stagehand-render (internal/chartexec): Helm's packages would make every
// command of this binary start slower (see startup_test.go). explicit is
// --helm-renderer; without it the program is sought beside this one, then
// on PATH. When none is found, the error says so, and every chart is
// reported as not rendered with that reason.
func chartRenderer(explicit string) (checks.Renderer, error) {
	bin, err := chartexec.Locate(explicit)
	return chartexec.Renderer(bin, err), err
}
