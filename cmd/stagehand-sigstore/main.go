// Command stagehand-sigstore verifies Sigstore bundles (and keyless cosign
// signatures with a Rekor bundle) for stagehand, with sigstore-go's verify
// package: certificate chain, identity, transparency-log inclusion and the
// signing time it proves. stagehand runs it as a subprocess with a JSON
// request on stdin (verify.HelperRequest) and reads a JSON answer on stdout
// (verify.HelperAnswer); it is a separate program so that the server does
// not link sigstore-go's transparency-log clients (see docs/verify.md).
//
// Exit status: 0 with an answer (verified or not, and why); 1 with a
// message on stderr when the request cannot be read.
package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/stagehand-gitops/stagehand/internal/verify"
)

func main() {
	if len(os.Args) > 1 {
		fmt.Fprintf(os.Stderr, "usage: %s < request.json\n\nVerifies the Sigstore material of one image digest for stagehand: a JSON\nrequest on stdin, a JSON answer ({\"verified\":…,\"reason\":…}) on stdout.\n", verify.HelperName)
		os.Exit(1)
	}
	if err := run(os.Stdin, os.Stdout); err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", verify.HelperName, err)
		os.Exit(1)
	}
}

func run(stdin io.Reader, stdout io.Writer) error {
	data, err := io.ReadAll(io.LimitReader(stdin, 64<<20+1))
	if err != nil {
		return fmt.Errorf("read the request: %w", err)
	}
	req, err := verify.DecodeHelperRequest(data)
	if err != nil {
		return err
	}
	tr, err := trustedRoot(req)
	if err != nil {
		return err
	}
	return json.NewEncoder(stdout).Encode(check(req, tr))
}
