//go:build !noserver

package main

import "github.com/spf13/cobra"

// serverCmds are the commands that talk to GitHub and to registries, and
// the hidden docs command that renders serve's and register's flags. A
// build with the noserver tag (bin/stagehand) hands them to
// stagehand-server; see server_exec.go.
func serverCmds() []*cobra.Command {
	return []*cobra.Command{newServeCmd(), newAppManifestCmd(), newRegisterCmd(), newDocsCmd()}
}
