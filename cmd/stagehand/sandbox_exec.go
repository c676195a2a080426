//go:build nosandbox

package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"

	"github.com/spf13/cobra"
)

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
		handOver("demo", "Play the promotion story in a sandbox (runs stagehand-sandbox demo)"),
		handOver("githubsim", "Run the simulated GitHub as its own server (runs stagehand-sandbox githubsim)"),
	}
}

func handOver(name, short string) *cobra.Command {
	return &cobra.Command{
		Use:                name,
		Short:              short,
		DisableFlagParsing: true,
		RunE: func(_ *cobra.Command, args []string) error {
			bin, err := findSandbox()
			if err != nil {
				return err
			}
			argv := append([]string{bin, name}, args...)
			if err := syscall.Exec(bin, argv, os.Environ()); err != nil {
				return fmt.Errorf("run %s: %w", bin, err)
			}
			return nil
		},
	}
}

// findSandbox looks beside this executable first, then on PATH.
func findSandbox() (string, error) {
	if self, err := os.Executable(); err == nil {
		bin := filepath.Join(filepath.Dir(self), sandboxBinary)
		if _, err := os.Stat(bin); err == nil {
			return bin, nil
		}
	}
	bin, err := exec.LookPath(sandboxBinary)
	if errors.Is(err, exec.ErrNotFound) {
		return "", userErrorf("this build leaves the sandbox out: %s is neither beside it nor on PATH (make build writes bin/%s)", sandboxBinary, sandboxBinary)
	}
	if err != nil {
		return "", fmt.Errorf("find %s: %w", sandboxBinary, err)
	}
	return bin, nil
}
