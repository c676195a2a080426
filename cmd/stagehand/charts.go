//go:build !nosandbox

package main

import (
	"github.com/stagehand-gitops/stagehand/internal/checks"
	"github.com/stagehand-gitops/stagehand/internal/helmrender"
)

// chartRenderer renders values files with their local charts for the
// check. The sandbox build links Helm anyway (its demo renders), so it
// renders in process and --helm-renderer is not used.
func chartRenderer(string) (checks.Renderer, error) { return helmrender.Render, nil }
