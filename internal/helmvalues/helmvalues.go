// Package helmvalues reads and edits the image of a Helm values file,
// byte-exactly: the image is found by paths in the values
// (`image.repository` and `image.tag`, `api.image`, `containers[0].image`),
// declared per application or inferred, and only the bytes of the values
// set change.
package helmvalues

import (
	"errors"
	"fmt"

	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/stagehand-gitops/stagehand/internal/source"
)

// Paths says where values write one image. Either Image names a string
// holding the whole reference (`image: ghcr.io/acme/web:1.4.2`), or
// Repository and Tag name its parts, with Registry (the host, joined to
// the repository with '/') and Digest beside them when the chart has them.
// A path is keys joined by dots, with [n] for a list item:
// `api.image.tag`, `containers[0].image`.
type Paths struct {
	Image      string
	Registry   string
	Repository string
	Tag        string
	Digest     string
}

// DefaultPaths is the shape most charts use, and what a values source
// without declared paths is read with. Its registry and digest are
// optional: a values file without them is read and edited all the same.
var DefaultPaths = Paths{Registry: "image.registry", Repository: "image.repository", Tag: "image.tag", Digest: "image.digest"}

// Lookup finds the field at path for part.
type Lookup func(path string, part source.Part) (source.Field, error)

// Group returns the fields the paths name, found with lookup. Image,
// Repository and Tag must be there when given; Registry and Digest may be
// missing, unless nothing else is there.
func (p Paths) Group(lookup Lookup) (source.Group, error) {
	if p == (Paths{}) {
		return nil, fmt.Errorf("no path: %w", source.ErrInvalidEdit)
	}
	var g source.Group
	for _, q := range []struct {
		path     string
		part     source.Part
		optional bool
	}{{p.Image, source.Full, false}, {p.Registry, source.Registry, true}, {p.Repository, source.Repository, false}, {p.Tag, source.Tag, false}, {p.Digest, source.Digest, true}} {
		if q.path == "" {
			continue
		}
		f, err := lookup(q.path, q.part)
		if q.optional && errors.Is(err, source.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		g = append(g, f)
	}
	if len(g) == 0 {
		return nil, fmt.Errorf("none of %s, %s: %w", p.Registry, p.Digest, source.ErrNotFound)
	}
	return g, nil
}

// In returns the Lookup of paths below root; prefix is written before a
// path in messages (`spec.values.`).
func In(root *yaml.Node, prefix string) Lookup {
	return func(path string, part source.Part) (source.Field, error) {
		return source.Lookup(root, prefix, path, part)
	}
}

// Groups returns one group for each of paths, found with lookup.
func Groups(lookup Lookup, paths []Paths) ([]source.Group, error) {
	var out []source.Group
	for _, p := range paths {
		g, err := p.Group(lookup)
		if err != nil {
			return nil, err
		}
		out = append(out, g)
	}
	return out, nil
}

// Editor edits the images at Paths of the values file File (its name is
// for messages and locations only). Without Paths it uses DefaultPaths.
type Editor struct {
	File  string
	Paths []Paths
}

var _ source.Editor = Editor{}

// Read returns the image at each of the editor's paths.
func (e Editor) Read(data []byte) ([]source.Image, error) {
	return source.Read(e.File, data, e.locate)
}

// Set writes w at each of the editor's paths.
func (e Editor) Set(data []byte, w source.Want) ([]byte, bool, error) {
	return source.Set(e.File, data, e.locate, w)
}

func (e Editor) locate(docs []*yaml.Node) ([]source.Group, error) {
	paths := e.Paths
	if len(paths) == 0 {
		paths = []Paths{DefaultPaths}
	}
	// Helm reads the first document of a values file.
	if len(docs) == 0 || docs[0] == nil {
		return nil, fmt.Errorf("the values are empty: %w", source.ErrNotFound)
	}
	return Groups(In(docs[0], ""), paths)
}
