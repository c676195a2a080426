package main

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/stagehand-gitops/stagehand/internal/policy"
)

func newPolicyCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "policy",
		Short: "Work with the repository's " + policy.FileName,
		Args:  cobra.NoArgs,
	}
	cmd.AddCommand(newPolicyValidateCmd(), newPolicyImportCmd())
	return cmd
}

func newPolicyValidateCmd() *cobra.Command {
	dir := "."
	cmd := &cobra.Command{
		Use:   "validate [--dir DIR]",
		Short: "Check " + policy.FileName + " and the overlays it finds",
		Long: `Validate parses DIR/` + policy.FileName + `, reports every problem as
file:line:col: message (the form editors and CI problem matchers read), and
discovers apps from the overlay layout as the App would.

Exit status: 0 when the policy is valid, 1 when it is not (or is missing),
2 on an internal error.`,
		Example: `  # in a checkout of the config repository
  stagehand policy validate

  # in CI, for another directory
  stagehand policy validate --dir ./gitops-config`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return validatePolicy(dir, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	cmd.Flags().StringVar(&dir, "dir", dir, "root of the config repository")
	return cmd
}

func validatePolicy(dir string, stdout, stderr io.Writer) error {
	p, _, err := loadRepo(dir)
	if err != nil {
		return reportProblems(filepath.Join(dir, policy.FileName), err, stderr)
	}
	_, err = fmt.Fprintf(stdout, "%s: ok: %s\n", filepath.Join(dir, policy.FileName), summary(p))
	return err
}

// reportProblems prints an ErrorList one problem a line and turns it into
// a user error; any other error is passed on as it is.
func reportProblems(file string, err error, stderr io.Writer) error {
	var list policy.ErrorList
	if !errors.As(err, &list) {
		return err
	}
	if _, werr := fmt.Fprintln(stderr, list.Error()); werr != nil {
		return werr
	}
	noun := "problems"
	if len(list) == 1 {
		noun = "problem"
	}
	return userErrorf("%s is invalid: %d %s", file, len(list), noun)
}

func summary(p *policy.Policy) string {
	envs := make([]string, len(p.Environments))
	for i, e := range p.Environments {
		envs[i] = e.Name
	}
	discovered := 0
	for _, a := range p.Apps {
		if a.Discovered {
			discovered++
		}
	}
	return fmt.Sprintf("environments %s; %d apps (%d listed, %d discovered)",
		strings.Join(envs, " -> "), len(p.Apps), len(p.Apps)-discovered, discovered)
}
