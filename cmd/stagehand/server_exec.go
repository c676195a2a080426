//go:build noserver

package main

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/stagehand-gitops/stagehand/internal/checks"
)

// serverBinary is the build that carries the commands that talk to GitHub
// and to registries, installed beside this one (make build writes both).
const serverBinary = "stagehand-server"

// serverCmds stand in for serve, app-manifest and register in the offline
// build. The web framework, the GitHub client, the metrics registry, the
// comment parser and the registry and Sigstore clients would cost every
// offline command milliseconds of start-up (see startup_test.go), and those
// commands run once per CI step, so they live in stagehand-server; these
// hand over to it with the same arguments, in this process's place.
func serverCmds() []*cobra.Command {
	return []*cobra.Command{
		handOver(serverBinary, "serve", "Run the GitHub App: promote images through the environments of config repositories (runs stagehand-server serve)"),
		handOver(serverBinary, "app-manifest", "Print the GitHub App manifest: the least permissions Stagehand needs and the events it handles (runs stagehand-server app-manifest)"),
		handOver(serverBinary, "register", "Register Stagehand as a GitHub App in one click and write its credentials (runs stagehand-server register)"),
	}
}

// checkSignatures hands the whole check to stagehand-server when an
// environment the change brings a version into requires signatures: only
// that build reads registries and verifies signatures. Nothing has been
// written yet, so the command starts over there, with the same arguments.
func checkSignatures(_ context.Context, _ checkFlags, in *checks.Input) error {
	sigs, err := checks.Signatures(*in)
	if err != nil || len(sigs) == 0 {
		return err
	}
	return execBeside(serverBinary, "check", cmdArgs)
}
