//go:build !nosandbox

package main

import "github.com/spf13/cobra"

// sandboxCmds are the commands that carry the simulated GitHub and the
// in-process registry. A build with the nosandbox tag (the production
// binary) leaves them and their dependencies out; see sandbox_exec.go.
func sandboxCmds() []*cobra.Command {
	return []*cobra.Command{newDemoCmd(), newGithubsimCmd()}
}
