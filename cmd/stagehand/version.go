package main

import (
	"fmt"
	"runtime"

	"github.com/spf13/cobra"
)

// version and commit are stamped at build time with -ldflags "-X main.version=… -X main.commit=…".
var (
	version = "dev"
	commit  = "unknown"
)

func newVersionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version of this binary",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := fmt.Fprintf(cmd.OutOrStdout(), "stagehand %s (commit %s, %s)\n", version, commit, runtime.Version())
			return err
		},
	}
}
