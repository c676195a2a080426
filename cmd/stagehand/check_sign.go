//go:build !noserver

package main

import (
	"context"
	"fmt"
	"os"

	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/stagehand-gitops/stagehand/internal/checks"
	"github.com/stagehand-gitops/stagehand/internal/registry"
	"github.com/stagehand-gitops/stagehand/internal/verify"
)

// checkSignatures verifies, as the App does, the versions the change brings
// into environments that require signatures; nothing is read from a
// registry when none does.
func checkSignatures(ctx context.Context, f checkFlags, in *checks.Input) error {
	kc, err := registry.Keychain("")
	if err != nil {
		return err
	}
	c := &verify.Checker{Remote: []remote.Option{remote.WithAuthFromKeychain(kc)}, Helper: f.sigstoreHelper}
	if c.Helper == "" {
		c.Helper = os.Getenv(verify.HelperEnv)
	}
	if c.Helper != "" {
		if err := checkHelper(c.Helper); err != nil {
			return userErrorf("--sigstore-helper: %v", err)
		}
	}
	if f.trustedRoot != "" {
		if c.Root, err = verify.LoadTrustedRoot(f.trustedRoot); err != nil {
			return userErrorf("--trusted-root: %v", err)
		}
	}
	return verify.Facts(ctx, c, registry.NewResolver(registry.WithKeychain(kc)), in)
}

// checkHelper checks that the --sigstore-helper program is a file.
func checkHelper(path string) error {
	st, err := os.Stat(path)
	if err != nil {
		return err
	}
	if st.IsDir() {
		return fmt.Errorf("%s is a directory, not the %s program", path, verify.HelperName)
	}
	return nil
}
