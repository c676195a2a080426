package source

import (
	"fmt"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/stagehand-gitops/stagehand/internal/yamltext"
)

// Part is what a field holds of an image.
type Part int

// The parts a field can hold.
const (
	Full       Part = iota // repository[:tag][@digest] in one string
	Registry               // the host part, with Repository beside it
	Repository             // the repository, without tag or digest
	Tag
	Digest
)

var partNames = [...]string{"image", "registry", "repository", "tag", "digest"}

func (p Part) String() string { return partNames[p] }

// Field is one scalar of a file that holds a part of an image.
type Field struct {
	Part Part
	// Path says where the field is, in the editor's terms
	// (`spec.values.image.tag`, `containers[0].image`), for messages.
	Path string
	// Key is the mapping key of Value; nil for a sequence item.
	Key, Value *yaml.Node
	// Flow tells that Value stands in a flow collection.
	Flow bool
	// Alias is the alias the field was reached through, if any: the value
	// can be read there but not edited, since the edit would change every
	// other alias of the same anchor too.
	Alias *yaml.Node
}

// Group is the fields that together write one image: a full reference, or
// registry, repository, tag and digest fields side by side.
type Group []Field

// text returns the string a field holds; null is "".
func (f Field) text() (string, error) {
	if f.Value.Kind != yaml.ScalarNode {
		return "", fmt.Errorf("line %d: %s is not a string: %w", f.Value.Line, f.Path, ErrInvalid)
	}
	if f.Value.Tag == "!!null" {
		return "", nil
	}
	return f.Value.Value, nil
}

// read combines a group's fields into the image they write.
func (g Group) read(file string) (Image, error) {
	img := Image{File: file}
	var registry string
	for _, f := range g {
		v, err := f.text()
		if err != nil {
			return Image{}, At(file, err)
		}
		if img.Line == 0 || f.Part == Tag {
			img.Line = f.Value.Line
		}
		switch f.Part {
		case Full:
			ref, err := ParseRef(v)
			if err != nil {
				return Image{}, fmt.Errorf("%s:%d: %s: %v: %w", file, f.Value.Line, f.Path, err, ErrInvalid)
			}
			img.Repository, img.Tag, img.Digest = ref.Repository, ref.Tag, ref.Digest
		case Registry:
			registry = v
		case Repository:
			img.Repository = v
		case Tag:
			img.Tag = v
		case Digest:
			img.Digest = v
		}
	}
	if registry != "" {
		img.Repository = registry + "/" + img.Repository
	}
	return img, nil
}

// has reports whether the group has a field of part p.
func (g Group) has(p Part) bool {
	for _, f := range g {
		if f.Part == p {
			return true
		}
	}
	return false
}

// values returns the text each field must hold to write next.
func (g Group) values(cur, next Image) (map[Part]string, error) {
	reg, _ := g.current(Registry)
	v := map[Part]string{Full: next.String(), Registry: reg, Repository: next.Repository, Tag: next.Tag, Digest: next.Digest}
	if g.has(Full) {
		if ref, err := ParseRef(v[Full]); err != nil || ref.Repository != next.Repository || ref.Tag != next.Tag || ref.Digest != next.Digest {
			return nil, fmt.Errorf("%s cannot be written as one reference at %s: %w", next, g[0].Path, ErrInvalidEdit)
		}
		return v, nil
	}
	for _, p := range []struct {
		part      Part
		cur, next string
	}{{Repository, cur.Repository, next.Repository}, {Tag, cur.Tag, next.Tag}, {Digest, cur.Digest, next.Digest}} {
		if p.cur != p.next && !g.has(p.part) {
			return nil, fmt.Errorf("no %s field beside %s to write %q in: %w", p.part, g[0].Path, p.next, ErrNotFound)
		}
	}
	switch {
	case reg == "":
		return v, nil
	case cur.Repository == next.Repository:
		// The repository field holds the part after the registry.
		v[Repository], _ = g.current(Repository)
		return v, nil
	}
	rest, ok := strings.CutPrefix(next.Repository, reg+"/")
	if !ok {
		reg, rest, ok = strings.Cut(next.Repository, "/")
	}
	if !ok || reg == "" || rest == "" {
		return nil, fmt.Errorf("repository %q has no registry for the registry field %s: %w", next.Repository, g[0].Path, ErrInvalidEdit)
	}
	v[Registry], v[Repository] = reg, rest
	return v, nil
}

// current returns the text of the group's field of part p.
func (g Group) current(p Part) (string, bool) {
	for _, f := range g {
		if f.Part == p {
			v, err := f.text()
			return v, err == nil
		}
	}
	return "", false
}

// splices plans the replacement of every field whose text changes.
func (g Group) splices(src *yamltext.Source, file string, cur, next Image) ([]yamltext.Splice, []int, error) {
	want, err := g.values(cur, next)
	if err != nil {
		return nil, nil, At(file, err)
	}
	var out []yamltext.Splice
	var lines []int
	for _, f := range g {
		have, _ := f.text()
		v := want[f.Part]
		if have == v && (f.Value.Tag != "!!null" || v == "") {
			continue
		}
		s, err := f.splice(src, v)
		if err != nil {
			return nil, nil, fmt.Errorf("%s:%d: %s: %w", file, f.Value.Line, f.Path, err)
		}
		out = append(out, s)
		lines = append(lines, f.Value.Line)
	}
	return out, lines, nil
}

// splice replaces the field's value with v, in the value's quoting style.
func (f Field) splice(src *yamltext.Source, v string) (yamltext.Splice, error) {
	if f.Alias != nil {
		return yamltext.Splice{}, fmt.Errorf("reached through the alias *%s at line %d; editing it would change every use of the anchor &%s, so edit the value at line %d by hand: %w",
			f.Alias.Value, f.Alias.Line, f.Alias.Value, f.Value.Line, ErrUnsupported)
	}
	if f.Value.Anchor != "" {
		return yamltext.Splice{}, fmt.Errorf("the value carries the anchor &%s, and editing it would change every alias of it: %w", f.Value.Anchor, ErrUnsupported)
	}
	var start, end int
	var err error
	if f.Key != nil {
		start, end, err = src.ValueSpan(f.Key, f.Value)
	} else {
		start, end, err = src.ScalarSpan(f.Value)
	}
	if err != nil {
		return yamltext.Splice{}, err
	}
	style := f.Value.Style
	if f.Value.Tag == "!!null" {
		style = 0 // `~` or `null` becomes a value, not a quoted "~"
	}
	text := yamltext.EncodeScalar(v, style, f.Flow)
	if start == end {
		text = " " + text
	}
	return yamltext.Splice{Start: start, End: end, Text: text}, nil
}
