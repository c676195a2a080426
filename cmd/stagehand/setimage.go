package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/stagehand-gitops/stagehand/internal/overlay"
)

func newSetImageCmd() *cobra.Command {
	dir := "."
	cmd := &cobra.Command{
		Use:   "set-image [--dir DIR] NAME[=NEWNAME][:TAG][@DIGEST] ...",
		Short: "Set image names, tags and digests in a kustomization, byte-exactly",
		Long: `Set-image is a drop-in for "kustomize edit set image": it takes the same
arguments and leaves a kustomization that kustomize builds the same way, but it
changes only the values it sets. Comments, indentation, key order, quoting, line
endings and other documents stay as they were; entries are not re-sorted.

Each argument names an images entry by its name, as kustomize does, and
replaces that entry's newName, newTag and digest with what the argument gives;
a field the argument leaves out is removed, and a field given as * keeps its
current value. An entry is appended when the kustomization has none for NAME.

The kustomization is DIR/kustomization.yaml, kustomization.yml or Kustomization.

Exit status: 0 on success (also when nothing had to change), 1 for a bad
argument or a missing or malformed kustomization, 2 on an internal error.`,
		Example: `  # set the tag
  stagehand set-image ghcr.io/acme/web:v1.4.3

  # pin tag and digest (writes newTag and digest)
  stagehand set-image ghcr.io/acme/web:v1.4.3@sha256:2b3c…

  # point an entry at another registry, in another directory
  stagehand set-image --dir apps/web/overlays/prod app=registry.acme.io/team/app:1.9.0

  # keep the current newName and tag, set only the digest
  stagehand set-image 'app=*:*@sha256:0011…'`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return setImages(dir, args)
		},
	}
	cmd.Flags().StringVar(&dir, "dir", dir, "directory holding the kustomization")
	return cmd
}

func setImages(dir string, args []string) error {
	edits, err := overlay.ParseImageArgs(args)
	if err != nil {
		return asUserError(err)
	}
	file, err := overlay.FileIn(os.DirFS(dir), ".")
	switch {
	case errors.Is(err, overlay.ErrNoKustomization):
		return userErrorf("no kustomization file in %s (looked for %s)", dir, strings.Join(overlay.FileNames, ", "))
	case errors.Is(err, overlay.ErrInvalid):
		return userErrorf("%s: %w", dir, err)
	}
	if err != nil {
		return err
	}
	path := filepath.Join(dir, filepath.FromSlash(file))
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("read %s: %w", path, err)
	}
	out, changed, err := overlay.SetImages(data, edits)
	switch {
	case errors.Is(err, overlay.ErrVerify):
		return fmt.Errorf("%s: %w", path, err)
	case err != nil:
		return userErrorf("%s: %w", path, err)
	case !changed:
		return nil
	}
	return replaceFile(path, out)
}

// replaceFile writes data to path through writeFileAtomic, keeping the
// file's mode. A symbolic link is written through instead of being
// replaced by a file.
func replaceFile(path string, data []byte) error {
	info, err := os.Lstat(path)
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if info.Mode()&os.ModeSymlink != 0 {
		if err := os.WriteFile(path, data, 0); err != nil {
			return fmt.Errorf("write %s: %w", path, err)
		}
		return nil
	}
	return writeFileAtomic(path, data, info.Mode().Perm())
}
