//go:build nosandbox || noserver

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

// handOver is a command that this build leaves out: it runs binary, found
// by findBeside, with the same name and arguments, in this process's place
// (exec), so signals, exit status and the process ID stay the command's.
func handOver(binary, name, short string) *cobra.Command {
	return &cobra.Command{
		Use:                name,
		Short:              short,
		DisableFlagParsing: true,
		RunE: func(_ *cobra.Command, args []string) error {
			return execBeside(binary, name, append([]string{name}, args...))
		},
	}
}

// execBeside replaces this process with binary, run with args, for the
// command name.
func execBeside(binary, name string, args []string) error {
	bin, err := findBeside(binary, name)
	if err != nil {
		return err
	}
	if err := syscall.Exec(bin, append([]string{bin}, args...), os.Environ()); err != nil {
		return fmt.Errorf("run %s: %w", bin, err)
	}
	return nil
}

// findBeside looks for binary, which carries the command name, beside this
// executable first, then on PATH.
func findBeside(binary, name string) (string, error) {
	if self, err := os.Executable(); err == nil {
		bin := filepath.Join(filepath.Dir(self), binary)
		if _, err := os.Stat(bin); err == nil {
			return bin, nil
		}
	}
	bin, err := exec.LookPath(binary)
	if errors.Is(err, exec.ErrNotFound) {
		return "", userErrorf("this build leaves %s to %s, which is neither beside it nor on PATH (make build writes bin/%s)", name, binary, binary)
	}
	if err != nil {
		return "", fmt.Errorf("find %s: %w", binary, err)
	}
	return bin, nil
}
