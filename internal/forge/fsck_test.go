package forge

import (
	"context"
	"fmt"
	"io/fs"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestExportPassesFsck runs a multi-commit, multi-branch story through the
// forge and checks the simulator's repository with git fsck --strict.
func TestExportPassesFsck(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Fatal("git is required: `make test` runs where git is installed (.ci/run installs it)")
	}
	e := newEnv(t, envOptions{})
	ctx := context.Background()
	apiBump := func(tag string) Proposal {
		p := promotion(tag)
		p.Branch = "stagehand/dev/api"
		p.Edit = func(fs.FS) (map[string][]byte, error) {
			return map[string][]byte{
				"apps/api/overlays/dev/kustomization.yaml": []byte("images:\n- name: ghcr.io/acme/api\n  newTag: " + tag + "\n"),
				"apps/api/overlays/dev/VERSION":            []byte(tag + "\n"),
			}, nil
		}
		return p
	}
	steps := []func() error{
		func() error { _, err := e.forge.Propose(ctx, testRepo, promotion("v1.1.0")); return err },
		func() error { _, err := e.forge.Propose(ctx, testRepo, apiBump("v2.1.0")); return err },
		func() error { _, err := e.forge.Propose(ctx, testRepo, promotion("v1.2.0")); return err },
		func() error {
			_, err := e.forge.Commit(ctx, testRepo, "main", "", "Tidy\n", func(fs.FS) (map[string][]byte, error) {
				return map[string][]byte{"README.md": []byte("# config\n"), "apps/web/base/deployment.yaml": nil}, nil
			}, CommitOptions{})
			return err
		},
		func() error {
			res, err := e.forge.Propose(ctx, testRepo, apiBump("v2.2.0"))
			if err != nil {
				return err
			}
			_, err = e.forge.Merge(ctx, testRepo, res.PR.GetNumber(), res.Commit, MergeOptions{})
			return err
		},
		func() error { _, err := e.forge.Propose(ctx, testRepo, promotion("v1.3.0")); return err },
	}
	for i, step := range steps {
		if err := step(); err != nil {
			t.Fatalf("step %d: %v", i+1, err)
		}
	}
	dir := filepath.Join(t.TempDir(), "config.git")
	if err := e.sim.Export(testRepo.String(), dir); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"fsck", "--strict", "--no-dangling"},
		{"rev-parse", "--verify", "refs/heads/stagehand/dev/web"},
		{"rev-list", "--count", "main"},
	} {
		out, err := exec.Command("git", append([]string{"--git-dir", dir}, args...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		if args[0] == "rev-list" && strings.TrimSpace(string(out)) != fmt.Sprint(4) {
			t.Fatalf("main has %s commits, want 4 (seed, tidy, the api commit and its merge)", out)
		}
	}
}
