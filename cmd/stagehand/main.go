// Command stagehand promotes container images through GitOps environments.
//
// It runs as a GitHub App (serve) and offers offline commands that work on a
// local checkout of a config repository.
package main

import (
	"io"
	"os"

	"github.com/spf13/cobra"
)

func main() {
	if oneShotRun(os.Args[1:], os.Getenv) {
		collectLate()
	}
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// cmdArgs are the arguments run was given, for a command that hands itself
// over to another build (server_exec.go).
var cmdArgs []string

// run executes the command line and maps the outcome to an exit code:
// 0 for success, 1 for a user error, 2 for an internal error.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	cmdArgs = args
	root := newRootCmd()
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.Execute()
	return exitCode(stderr, err)
}

func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "stagehand",
		Short: "Promote container images through GitOps environments",
		Long: `Stagehand is a GitHub App that promotes container images through GitOps
environments. A new image tag lands in a registry; Stagehand bumps the tag in the
first environment's Kustomize overlay of a config repository and opens a pull
request. When it merges, Stagehand opens the next environment's pull request,
each gated by the policy in the repository's .stagehand.yaml.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	// Commands are registered here, in one place, and nowhere else.
	root.AddCommand(
		newVersionCmd(),
		newPlanCmd(),
		newExplainCmd(),
		newStatusCmd(),
		newPolicyCmd(),
		newSetImageCmd(),
		newSetValuesCmd(),
		newCheckCmd(),
	)
	root.AddCommand(serverCmds()...)
	root.AddCommand(sandboxCmds()...)
	return root
}
