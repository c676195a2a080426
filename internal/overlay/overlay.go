// Package overlay reads and edits the images of Kustomize overlays.
//
// Edits are byte-exact: SetImage changes only the bytes of the scalars it
// sets (and the lines of the fields or entries it adds or removes). Comments,
// indentation, key order, quoting, blank lines, line endings, other documents
// and a missing final newline stay as they were. Every edit is parsed back and
// checked before it is returned, so a caller never receives a half-correct file.
//
// Entries are matched the way kustomize matches them: `kustomize edit set
// image` finds an entry by its `name`, and the image transformer applies an
// entry to every container image whose name part equals that `name`.
package overlay

import (
	"errors"
	"fmt"
	"io/fs"
	"path"

	"sigs.k8s.io/kustomize/api/konfig"

	"github.com/stagehand-gitops/stagehand/internal/yamltext"
)

// Image is one entry of a kustomization's images list.
type Image struct {
	// Name is the image name the entry applies to (kustomize's `name`).
	Name string
	// NewName replaces the name when set.
	NewName string
	// NewTag replaces the tag when set. It may carry a digest too
	// (`v1@sha256:…`), which kustomize passes through unchanged.
	NewTag string
	// Digest replaces the tag (or, with NewTag, pins it) when set.
	Digest string
	// TagSuffix is appended to the original tag when neither NewTag nor
	// Digest is set.
	TagSuffix string
	// Line is the 1-based line of the entry in the file.
	Line int
}

// Edit describes how SetImage changes the entry whose name is Name.
//
// A nil field keeps the entry's current value, a pointer to "" removes the
// field, and any other value sets it. When the overlay has no entry for Name,
// SetImage appends one holding the non-empty fields.
type Edit struct {
	Name      string
	NewName   *string
	NewTag    *string
	Digest    *string
	TagSuffix *string
}

// Value returns a pointer to s, for the fields of an Edit.
func Value(s string) *string { return &s }

// Errors callers branch on. Every error SetImage, Images and Find return
// wraps one of them, except I/O errors from the file system.
var (
	// ErrNoKustomization: the directory has no kustomization file.
	ErrNoKustomization = errors.New("no kustomization file")
	// ErrInvalid: the kustomization is malformed.
	ErrInvalid = errors.New("invalid kustomization")
	// ErrInvalidEdit: an Edit or a set-image argument is malformed.
	ErrInvalidEdit = errors.New("invalid image edit")
	// ErrUnsupported: the file is valid YAML, but this edit cannot be made
	// without rewriting more than the values (for example a block scalar
	// or an anchor on an images field).
	ErrUnsupported = yamltext.ErrUnsupported
	// ErrVerify: the edited file did not parse back to the intended values
	// with every other node unchanged. It signals a bug, never bad input.
	ErrVerify = errors.New("edit verification failed")
)

// FileNames are the kustomization file names kustomize recognises, in the
// order it looks for them.
var FileNames = konfig.RecognizedKustomizationFileNames()

// FileIn returns the path of the kustomization file in dir. Like kustomize,
// it refuses a directory that holds more than one.
func FileIn(fsys fs.FS, dir string) (string, error) {
	var found []string
	for _, name := range FileNames {
		p := path.Join(dir, name)
		info, err := fs.Stat(fsys, p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return "", fmt.Errorf("look for kustomization in %s: %w", dir, err)
		}
		if info.IsDir() {
			return "", fmt.Errorf("%s is a directory: %w", p, ErrInvalid)
		}
		found = append(found, p)
	}
	switch len(found) {
	case 0:
		return "", fmt.Errorf("%s: %w (looked for %v)", dir, ErrNoKustomization, FileNames)
	case 1:
		return found[0], nil
	default:
		return "", fmt.Errorf("several kustomization files in %s %v: %w", dir, found, ErrInvalid)
	}
}
