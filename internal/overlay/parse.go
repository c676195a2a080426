package overlay

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/stagehand-gitops/stagehand/internal/yamltext"
)

// Field names of an images entry, in kustomize's struct order. Like
// kustomize's JSON decoding, keys match case-insensitively.
const (
	fieldName      = "name"
	fieldNewName   = "newName"
	fieldTagSuffix = "tagSuffix"
	fieldNewTag    = "newTag"
	fieldDigest    = "digest"
)

var fieldOrder = []string{fieldName, fieldNewName, fieldTagSuffix, fieldNewTag, fieldDigest}

// fieldRank returns the position of key in fieldOrder, or -1.
func fieldRank(key string) int {
	for i, f := range fieldOrder {
		if strings.EqualFold(key, f) {
			return i
		}
	}
	return -1
}

// kustomization is the parsed first document of a kustomization file, the
// one kustomize reads.
type kustomization struct {
	src    *yamltext.Source
	doc    *yaml.Node // nil when the file holds no document
	top    *yaml.Node // the document's mapping; nil when the document is empty
	imgKey *yaml.Node // nil when there is no images key
	imgVal *yaml.Node
	dec    *yaml.Decoder // positioned after the first document
}

func parse(data []byte) (*kustomization, error) {
	if !utf8.Valid(data) {
		return nil, fmt.Errorf("kustomization is not valid UTF-8: %w", ErrInvalid)
	}
	k := &kustomization{src: yamltext.NewSource(data, ErrInvalid)}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	k.dec = dec
	var doc yaml.Node
	switch err := dec.Decode(&doc); {
	case errors.Is(err, io.EOF):
		return k, nil
	case err != nil:
		return nil, fmt.Errorf("parse kustomization: %v: %w", err, ErrInvalid)
	}
	k.doc = &doc
	if len(doc.Content) != 1 {
		return nil, fmt.Errorf("parse kustomization: empty document: %w", ErrInvalid)
	}
	root := doc.Content[0]
	if yamltext.IsEmptyNull(root) {
		return k, nil
	}
	if root.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("line %d: kustomization is not a mapping: %w", root.Line, ErrInvalid)
	}
	k.top = root
	for i := 0; i+1 < len(root.Content); i += 2 {
		key := root.Content[i]
		switch {
		case strings.EqualFold(key.Value, "images"):
			if k.imgKey != nil {
				return nil, fmt.Errorf("line %d: a second images key: %w", key.Line, ErrInvalid)
			}
			k.imgKey, k.imgVal = key, root.Content[i+1]
		case strings.EqualFold(key.Value, "imageTags"):
			return nil, fmt.Errorf("line %d: the deprecated imageTags field: rename it to images: %w", key.Line, ErrUnsupported)
		}
	}
	if k.imgVal != nil && !isNull(k.imgVal) && k.imgVal.Kind != yaml.SequenceNode {
		return nil, fmt.Errorf("line %d: images is not a list: %w", k.imgVal.Line, ErrInvalid)
	}
	return k, nil
}

func isNull(n *yaml.Node) bool { return n.Kind == yaml.ScalarNode && n.Tag == "!!null" }

// entries returns the images list's entries, or nil.
func (k *kustomization) entries() []*yaml.Node {
	if k.imgVal == nil || k.imgVal.Kind != yaml.SequenceNode {
		return nil
	}
	return k.imgVal.Content
}

// readEntry decodes one images entry.
func readEntry(n *yaml.Node) (Image, error) {
	if n.Kind != yaml.MappingNode {
		return Image{}, fmt.Errorf("line %d: images entry is not a mapping: %w", n.Line, ErrInvalid)
	}
	img := Image{Line: n.Line}
	seen := map[int]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		key, val := n.Content[i], n.Content[i+1]
		r := fieldRank(key.Value)
		if r < 0 {
			continue
		}
		if seen[r] {
			return Image{}, fmt.Errorf("line %d: %s given twice: %w", key.Line, fieldOrder[r], ErrInvalid)
		}
		seen[r] = true
		if val.Kind != yaml.ScalarNode {
			return Image{}, fmt.Errorf("line %d: %s is not a scalar: %w", val.Line, key.Value, ErrInvalid)
		}
		v := val.Value
		if isNull(val) {
			v = ""
		}
		*img.field(r) = v
	}
	return img, nil
}

// field returns the Image field of a fieldOrder rank.
func (img *Image) field(rank int) *string {
	return [...]*string{&img.Name, &img.NewName, &img.TagSuffix, &img.NewTag, &img.Digest}[rank]
}

// Images returns the entries of the kustomization's images list, in file
// order. A kustomization without images returns none and no error.
func Images(data []byte) ([]Image, error) {
	k, err := parse(data)
	if err != nil {
		return nil, err
	}
	var out []Image
	for _, e := range k.entries() {
		img, err := readEntry(e)
		if err != nil {
			return nil, err
		}
		out = append(out, img)
	}
	return out, nil
}
