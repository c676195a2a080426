//go:build nosandbox

package main

import "github.com/spf13/cobra"

// sandboxBinary is the name of the build that carries the sandbox commands,
// installed beside the production binary (make build writes both).
const sandboxBinary = "stagehand-sandbox"

// sandboxCmds stand in for demo and githubsim in the production binary. The
// simulated GitHub, its API description and the Distribution registry (with
// redis, otel and grpc behind it) would cost every command tens of
// milliseconds of package initialisation, so they live in stagehand-sandbox,
// and these commands hand over to it with the same arguments.
func sandboxCmds() []*cobra.Command {
	return []*cobra.Command{
		handOver(sandboxBinary, "demo", "Play the promotion story in a sandbox (runs stagehand-sandbox demo)"),
		handOver(sandboxBinary, "githubsim", "Run the simulated GitHub as its own server (runs stagehand-sandbox githubsim)"),
	}
}
