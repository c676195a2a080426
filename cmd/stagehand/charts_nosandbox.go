//go:build nosandbox

package main

import "github.com/stagehand-gitops/stagehand/internal/checks"

// chartRenderer is nil in the production build: Helm's packages would
// link what startup_test.go keeps out of it, so a values file with a
// local chart is reported as not rendered.
var chartRenderer checks.Renderer
