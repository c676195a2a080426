// Package source is what the planner and the checks speak to every file
// that holds an image outside a kustomization: a Helm values file, a Flux
// HelmRelease, an Argo CD Application, a plain manifest, a Flux setter
// comment. Each file kind has its own small editor (internal/helmvalues,
// internal/helmrelease, internal/manifest, internal/setter); all of them
// read and write through the Field and Edit of this package, so every
// edit is byte-exact in the same way: only the bytes of the values set
// change, in their quoting style, and every edit is read back before it
// is returned.
package source

import (
	"errors"
	"fmt"
	"strings"

	"github.com/stagehand-gitops/stagehand/internal/yamltext"
)

// Image is one image reference as a file writes it.
type Image struct {
	// Repository is the image without tag or digest
	// (`ghcr.io/acme/web`); with a registry field it is registry/repository.
	Repository string
	// Tag and Digest are empty when the file gives none.
	Tag    string
	Digest string
	// File and Line locate the value read (the tag's when the image is
	// written in several fields), for check annotations.
	File string
	Line int
}

// String returns the reference as repository[:tag][@digest].
func (img Image) String() string {
	s := img.Repository
	if img.Tag != "" {
		s += ":" + img.Tag
	}
	if img.Digest != "" {
		s += "@" + img.Digest
	}
	return s
}

// Want describes the values an edit sets: a nil field keeps the current
// value, a pointer to "" empties it.
type Want struct {
	Repository, Tag, Digest *string
}

// Value returns a pointer to s, for the fields of a Want.
func Value(s string) *string { return &s }

// apply returns cur with w's fields set.
func (w Want) apply(cur Image) Image {
	for _, f := range []struct{ from, to *string }{{w.Repository, &cur.Repository}, {w.Tag, &cur.Tag}, {w.Digest, &cur.Digest}} {
		if f.from != nil {
			*f.to = *f.from
		}
	}
	return cur
}

func (w Want) check() error {
	for _, f := range []struct {
		name, bad string
		v         *string
	}{{"repository", " \t@", w.Repository}, {"tag", " \t@:/", w.Tag}, {"digest", " \t@/", w.Digest}} {
		if f.v == nil {
			continue
		}
		if err := yamltext.CheckValue(f.name, *f.v); err != nil {
			return fmt.Errorf("%v: %w", err, ErrInvalidEdit)
		}
		// These characters would split differently when the value is
		// written into a full reference and read back.
		if strings.ContainsAny(*f.v, f.bad) {
			return fmt.Errorf("%s %q holds one of %q: %w", f.name, *f.v, f.bad, ErrInvalidEdit)
		}
	}
	if r := w.Repository; r != nil && (*r == "" || strings.HasPrefix(*r, "/") || strings.HasSuffix(*r, "/") || strings.Contains(*r, "//")) {
		return fmt.Errorf("repository %q is empty or has an empty path component: %w", *r, ErrInvalidEdit)
	}
	return nil
}

// Editor is one place an image lives in one file kind. Read returns every
// image the place holds in data (one per container, values path or
// setter), in file order; Set gives them all the wanted values and
// returns data itself with changed false when they already hold them.
type Editor interface {
	Read(data []byte) ([]Image, error)
	Set(data []byte, w Want) (out []byte, changed bool, err error)
}

// Errors callers branch on. Every error of an editor wraps one of them.
var (
	// ErrNotFound: the file does not hold the image where the editor
	// looks for it.
	ErrNotFound = errors.New("image not found")
	// ErrInvalid: the file is not well-formed YAML of its kind.
	ErrInvalid = errors.New("invalid file")
	// ErrInvalidEdit: the wanted values or a path are malformed.
	ErrInvalidEdit = errors.New("invalid edit")
	// ErrUnsupported: the value cannot be replaced without rewriting more
	// than its bytes (an alias, an anchor, a block scalar).
	ErrUnsupported = yamltext.ErrUnsupported
	// ErrVerify: the edited file did not read back as intended. It signals
	// a bug, never bad input.
	ErrVerify = errors.New("edit verification failed")
)

// ParseRef splits `repository[:tag][@digest]`. The tag is what follows the
// last ':' after the last '/', so a registry port stays in the repository.
func ParseRef(s string) (Image, error) {
	var img Image
	rest := s
	if i := strings.IndexByte(rest, '@'); i >= 0 {
		rest, img.Digest = rest[:i], rest[i+1:]
		if img.Digest == "" {
			return Image{}, fmt.Errorf("image %q: empty digest after '@': %w", s, ErrInvalidEdit)
		}
	}
	if i := strings.LastIndexByte(rest, ':'); i > strings.LastIndexByte(rest, '/') {
		rest, img.Tag = rest[:i], rest[i+1:]
		if img.Tag == "" {
			return Image{}, fmt.Errorf("image %q: empty tag after ':': %w", s, ErrInvalidEdit)
		}
	}
	if rest == "" || strings.ContainsAny(rest, " \t") {
		return Image{}, fmt.Errorf("image %q: no repository: %w", s, ErrInvalidEdit)
	}
	img.Repository = rest
	return img, nil
}
