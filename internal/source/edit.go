package source

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

// Locate finds, in the documents of a file, the groups of fields an editor
// reads and writes. It returns an error wrapping ErrNotFound, naming what
// it looked for, when there are none.
type Locate func(docs []*yaml.Node) ([]Group, error)

// Documents parses every YAML document of data. An empty document is a
// nil root.
func Documents(file string, data []byte) ([]*yaml.Node, error) {
	if !utf8.Valid(data) {
		return nil, fmt.Errorf("%s: not valid UTF-8: %w", file, ErrInvalid)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var docs []*yaml.Node
	for {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			return docs, nil
		}
		if err != nil {
			return nil, At(file, fmt.Errorf("%s: %w", strings.TrimPrefix(err.Error(), "yaml: "), ErrInvalid))
		}
		var root *yaml.Node
		if len(doc.Content) == 1 && !yamltext.IsEmptyNull(doc.Content[0]) {
			root = doc.Content[0]
		}
		docs = append(docs, root)
	}
}

// Read returns the images of the groups locate finds in data.
func Read(file string, data []byte, locate Locate) ([]Image, error) {
	_, groups, err := find(file, data, locate)
	if err != nil {
		return nil, err
	}
	var out []Image
	for _, g := range groups {
		img, err := g.read(file)
		if err != nil {
			return nil, err
		}
		out = append(out, img)
	}
	return out, nil
}

func find(file string, data []byte, locate Locate) ([]*yaml.Node, []Group, error) {
	docs, err := Documents(file, data)
	if err != nil {
		return nil, nil, err
	}
	groups, err := locate(docs)
	if err != nil {
		return nil, nil, At(file, err)
	}
	if len(groups) == 0 {
		return nil, nil, fmt.Errorf("%s: %w", file, ErrNotFound)
	}
	return docs, groups, nil
}

// Set gives every group locate finds in data the values w asks for. Only
// the bytes of the values that change are replaced; changed is false, and
// out is data itself, when nothing has to change. The result is read back
// and checked before it is returned.
func Set(file string, data []byte, locate Locate, w Want) (out []byte, changed bool, err error) {
	if err := w.check(); err != nil {
		return nil, false, fmt.Errorf("%s: %w", file, err)
	}
	_, groups, err := find(file, data, locate)
	if err != nil {
		return nil, false, err
	}
	src := yamltext.NewSource(data, ErrInvalid)
	var splices []yamltext.Splice
	var wanted []Image
	lines := map[int]bool{}
	for _, g := range groups {
		cur, err := g.read(file)
		if err != nil {
			return nil, false, err
		}
		next := w.apply(cur)
		s, ls, err := g.splices(src, file, cur, next)
		if err != nil {
			return nil, false, err
		}
		splices = append(splices, s...)
		for _, l := range ls {
			lines[l] = true
		}
		wanted = append(wanted, next)
	}
	if len(splices) == 0 {
		return data, false, nil
	}
	out, err = yamltext.Apply(data, splices)
	if err != nil {
		return nil, false, fmt.Errorf("%s: %w", file, err)
	}
	if err := verify(file, data, out, locate, wanted, lines); err != nil {
		return nil, false, fmt.Errorf("%s: %v: %w", file, err, ErrVerify)
	}
	return out, true, nil
}

// verify reads out back: the same places must hold the wanted images, and
// every line but the edited ones must be as it was.
func verify(file string, data, out []byte, locate Locate, wanted []Image, lines map[int]bool) error {
	got, err := Read(file, out, locate)
	if err != nil {
		return err
	}
	if len(got) != len(wanted) {
		return fmt.Errorf("%d images read back, want %d", len(got), len(wanted))
	}
	for i, g := range got {
		w := wanted[i]
		if g.Repository != w.Repository || g.Tag != w.Tag || g.Digest != w.Digest {
			return fmt.Errorf("line %d reads back as %s, want %s", g.Line, g, w)
		}
	}
	for _, n := range ChangedLines(data, out) {
		if !lines[n] {
			return fmt.Errorf("line %d changed, but no value on it was edited", n)
		}
	}
	return nil
}

// ChangedLines returns the 1-based numbers of the lines that differ
// between a and b, which must have as many lines (an edit of single-line
// values never adds or removes one); when they have not, every line from
// the first difference on counts as changed.
func ChangedLines(a, b []byte) []int {
	la, lb := strings.SplitAfter(string(a), "\n"), strings.SplitAfter(string(b), "\n")
	var out []int
	for i := range min(len(la), len(lb)) {
		if la[i] != lb[i] {
			out = append(out, i+1)
		}
	}
	for i := min(len(la), len(lb)); i < max(len(la), len(lb)); i++ {
		out = append(out, i+1)
	}
	return out
}

// At returns err located in file. An error whose text starts with
// `line N:` reads `file:N: …`, the form editors and annotations take;
// any other reads `file: …`. It wraps err.
func At(file string, err error) error {
	return &located{file: file, err: err}
}

type located struct {
	file string
	err  error
}

func (e *located) Error() string {
	msg := e.err.Error()
	var n int
	if _, err := fmt.Sscanf(msg, "line %d:", &n); err == nil && n > 0 {
		return fmt.Sprintf("%s:%d:%s", e.file, n, strings.TrimPrefix(msg, fmt.Sprintf("line %d:", n)))
	}
	return e.file + ": " + msg
}

func (e *located) Unwrap() error { return e.err }
