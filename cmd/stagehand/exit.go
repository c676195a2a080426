package main

import (
	"errors"
	"fmt"
	"io"
	"strings"
)

// userError marks a failure caused by the user's input (bad flag, bad file,
// failed validation). It exits with code 1; every other error exits with 2.
type userError struct{ err error }

func (e userError) Error() string { return e.err.Error() }
func (e userError) Unwrap() error { return e.err }

// userErrorf formats a user error.
func userErrorf(format string, args ...any) error {
	return userError{fmt.Errorf(format, args...)}
}

// asUserError marks err as the user's fault, keeping its message.
func asUserError(err error) error {
	if err == nil {
		return nil
	}
	return userError{err}
}

// silentExit carries an exit code for a command that has already printed
// what the user needs (for example a check that failed).
type silentExit struct{ code int }

func (e silentExit) Error() string { return fmt.Sprintf("exit status %d", e.code) }

func exitCode(stderr io.Writer, err error) int {
	if err == nil {
		return 0
	}
	var se silentExit
	if errors.As(err, &se) {
		return se.code
	}
	fmt.Fprintf(stderr, "stagehand: %v\n", err)
	var ue userError
	if errors.As(err, &ue) || isCobraUsageError(err) {
		return 1
	}
	return 2
}

// isCobraUsageError reports flag and argument errors that cobra returns
// before a command runs; they are the user's, not ours.
func isCobraUsageError(err error) bool {
	msg := err.Error()
	for _, p := range []string{"unknown flag", "unknown shorthand flag", "unknown command", "flag needs an argument", "invalid argument", "accepts ", "requires at least", "requires at most", "required flag"} {
		if strings.Contains(msg, p) {
			return true
		}
	}
	return false
}
