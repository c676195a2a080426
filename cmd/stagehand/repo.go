package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/stagehand-gitops/stagehand/internal/policy"
)

// readPolicy parses the policy of the checkout in dir. Problems with the
// file are the user's (exit 1) and name file:line:col relative to where the
// user is, so editors and CI problem matchers can jump to them.
func readPolicy(dir string) (*policy.Policy, fs.FS, error) {
	tree := os.DirFS(dir)
	name := filepath.Join(dir, policy.FileName)
	data, err := fs.ReadFile(tree, policy.FileName)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil, userErrorf("%s: no policy file; see docs/policy.md to write one", name)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("read %s: %w", name, err)
	}
	pol, err := policy.Parse(name, data)
	if err != nil {
		return nil, nil, asUserError(err)
	}
	return pol, tree, nil
}

// loadRepo reads the policy of the checkout in dir and adds the apps found
// from its layout, ready for planning.
func loadRepo(dir string) (*policy.Policy, fs.FS, error) {
	pol, tree, err := readPolicy(dir)
	if err != nil {
		return nil, nil, err
	}
	if err := pol.Discover(tree); err != nil {
		return nil, nil, asUserError(fmt.Errorf("discover apps in %s: %w", dir, err))
	}
	if err := pol.CheckKeys(tree); err != nil {
		return nil, nil, asUserError(err)
	}
	return pol, tree, nil
}
