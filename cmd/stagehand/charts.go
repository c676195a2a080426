//go:build !nosandbox

package main

import "github.com/stagehand-gitops/stagehand/internal/helmrender"

// chartRenderer renders values files with their local charts for the
// check. Helm's packages link the JSON-schema validator and client-go's
// scheme, which the production build keeps out (see startup_test.go), so
// only this build renders.
var chartRenderer = helmrender.Render
