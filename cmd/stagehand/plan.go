package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/pmezard/go-difflib/difflib"
	"github.com/spf13/cobra"

	"github.com/stagehand-gitops/stagehand/internal/overlay"
	"github.com/stagehand-gitops/stagehand/internal/promote"
)

func newPlanCmd() *cobra.Command {
	var dir, image, env string
	var write bool
	cmd := &cobra.Command{
		Use:   "plan --image REF:TAG [--dir DIR] [--env ENV] [--write]",
		Short: "Show which overlays a new image tag goes to, as a diff",
		Long: `plan reads the policy and overlays of a local checkout and shows what
Stagehand would change for a new image tag: for every app that tracks the image,
the environment's overlays and the unified diff, or why the tag is not taken.
The tag goes to the first environment unless --env names another.

With --write the edits are applied to the files. Only the values change:
comments, order and layout stay as they are.`,
		Example: `  stagehand plan --dir . --image ghcr.io/acme/order-service:v1.4.0
  stagehand plan --image ghcr.io/acme/order-service:v1.4.0@sha256:… --env staging --write`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if image == "" {
				return userErrorf("--image is required (REF:TAG, for example ghcr.io/acme/app:v1.2.3)")
			}
			push, err := parsePush(image)
			if err != nil {
				return err
			}
			pol, tree, err := loadRepo(dir)
			if err != nil {
				return err
			}
			plan, err := promote.PlanPush(pol, tree, promote.Request{Push: push, Env: env})
			if err != nil {
				return asUserError(err)
			}
			out := cmd.OutOrStdout()
			if len(plan.Proposals) == 0 && len(plan.Skips) == 0 {
				return userErrorf("no app in %s tracks image %s", filepath.Join(dir, ".stagehand.yaml"), push.Image)
			}
			for _, s := range plan.Skips {
				fmt.Fprintf(out, "skip %s in %s: %s\n", s.App, s.Env, s.Reason)
			}
			for _, p := range plan.Proposals {
				if err := printProposal(out, p); err != nil {
					return err
				}
				if write {
					if err := writeFiles(dir, p.Files); err != nil {
						return err
					}
				}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&dir, "dir", ".", "the checkout of the config repository")
	f.StringVar(&image, "image", "", "the pushed image, REF:TAG or REF:TAG@DIGEST")
	f.StringVar(&env, "env", "", "the environment to promote into (default: the first one)")
	f.BoolVar(&write, "write", false, "apply the edits to the files")
	return cmd
}

// parsePush reads REF:TAG[@DIGEST] with the same grammar as set-image, so
// there is one image-reference parser.
func parsePush(s string) (promote.Push, error) {
	bad := userErrorf("--image %q: want REF:TAG or REF:TAG@DIGEST, for example ghcr.io/acme/app:v1.2.3", s)
	e, err := overlay.ParseImageArg(s)
	if err != nil {
		return promote.Push{}, bad
	}
	p := promote.Push{Image: e.Name}
	if e.NewTag != nil {
		p.Tag = *e.NewTag
	}
	if e.Digest != nil {
		p.Digest = *e.Digest
	}
	if (e.NewName != nil && *e.NewName != "") || p.Tag == "" || p.Tag == "*" {
		return promote.Push{}, bad
	}
	return p, nil
}

func printProposal(w io.Writer, p promote.Proposal) error {
	fmt.Fprintf(w, "promote %s in %s: %s → %s (branch %s)\n", p.App, p.Env, p.From, p.To, p.Branch)
	for _, f := range p.Files {
		diff, err := difflib.GetUnifiedDiffString(difflib.UnifiedDiff{
			A:        difflib.SplitLines(string(f.Before)),
			B:        difflib.SplitLines(string(f.After)),
			FromFile: "a/" + f.Path,
			ToFile:   "b/" + f.Path,
			Context:  3,
		})
		if err != nil {
			return fmt.Errorf("diff %s: %w", f.Path, err)
		}
		if _, err := io.WriteString(w, diff); err != nil {
			return err
		}
	}
	return nil
}

func writeFiles(dir string, files []promote.FileChange) error {
	for _, f := range files {
		path := filepath.Join(dir, filepath.FromSlash(f.Path))
		info, err := os.Stat(path)
		if err != nil {
			return fmt.Errorf("write %s: %w", path, err)
		}
		if err := writeFileAtomic(path, f.After, info.Mode().Perm()); err != nil {
			return err
		}
	}
	return nil
}

// writeFileAtomic replaces path through a temporary file and a rename, so
// an interrupted write never leaves half a kustomization behind.
func writeFileAtomic(path string, data []byte, perm os.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".stagehand-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Chmod(perm); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
