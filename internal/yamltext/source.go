// Package yamltext maps parsed YAML nodes back to the bytes they were
// written as, so that editors can replace a value's bytes and keep every
// other byte of the file: comments, quoting, indentation, line endings.
package yamltext

import (
	"bytes"
	"errors"
	"fmt"
	"unicode/utf8"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Source maps the line and column of a parsed node back to its byte offset.
// The YAML parser counts a column in characters, skips a leading byte order
// mark, and breaks lines at \r\n, \r, \n, NEL, LS and PS; so does Source.
type Source struct {
	data    []byte
	starts  []int // byte offset of the first character of each line
	invalid error
}

// ErrUnsupported: the text is valid YAML, but a value cannot be replaced
// without rewriting more than its own bytes (an anchored or tagged value,
// a block scalar, a plain scalar folded over several lines).
var ErrUnsupported = errors.New("unsupported for a byte-exact edit")

var bom = []byte("\xef\xbb\xbf")

// NewSource indexes the lines of data. Malformed text the parser let
// through (an unterminated quote, say) is reported wrapping invalid, so
// each file kind keeps its own sentinel error.
func NewSource(data []byte, invalid error) *Source {
	s := &Source{data: data, starts: []int{0}, invalid: invalid}
	if bytes.HasPrefix(data, bom) {
		s.starts[0] = len(bom)
	}
	for i := 0; i < len(data); {
		if n := BreakLen(data, i); n > 0 {
			i += n
			s.starts = append(s.starts, i)
			continue
		}
		i++
	}
	return s
}

// Data returns the text the source indexes.
func (s *Source) Data() []byte { return s.data }

// BreakLen returns the length of the line break at data[i:], or 0.
func BreakLen(data []byte, i int) int {
	switch data[i] {
	case '\n':
		return 1
	case '\r':
		if i+1 < len(data) && data[i+1] == '\n' {
			return 2
		}
		return 1
	case 0xc2:
		if i+1 < len(data) && data[i+1] == 0x85 {
			return 2
		}
	case 0xe2:
		if i+2 < len(data) && data[i+1] == 0x80 && (data[i+2] == 0xa8 || data[i+2] == 0xa9) {
			return 3
		}
	}
	return 0
}

// Offset returns the byte offset of a node's first character.
func (s *Source) Offset(n *yaml.Node) (int, error) {
	if n.Line < 1 || n.Line > len(s.starts) || n.Column < 1 {
		return 0, fmt.Errorf("position %d:%d outside the file: %w", n.Line, n.Column, ErrUnsupported)
	}
	off := s.starts[n.Line-1]
	for c := 1; c < n.Column; c++ {
		if off >= len(s.data) || BreakLen(s.data, off) > 0 {
			return 0, fmt.Errorf("column %d beyond line %d: %w", n.Column, n.Line, ErrUnsupported)
		}
		_, size := utf8.DecodeRune(s.data[off:])
		off += size
	}
	return off, nil
}

// ScalarSpan returns the byte range of a scalar as written, quotes included.
// It refuses forms an in-place edit cannot keep: anchors, explicit tags,
// block scalars and plain scalars folded over several lines.
func (s *Source) ScalarSpan(n *yaml.Node) (int, int, error) {
	if n.Kind != yaml.ScalarNode {
		return 0, 0, fmt.Errorf("line %d: expected a scalar: %w", n.Line, s.invalid)
	}
	if n.Anchor != "" || n.Style&yaml.TaggedStyle != 0 {
		return 0, 0, fmt.Errorf("line %d: anchored or tagged scalar %q: %w", n.Line, n.Value, ErrUnsupported)
	}
	start, err := s.Offset(n)
	if err != nil {
		return 0, 0, err
	}
	d := s.data
	switch {
	case n.Style&yaml.DoubleQuotedStyle != 0:
		for i := start + 1; i < len(d); i++ {
			switch d[i] {
			case '\\':
				i++
			case '"':
				return start, i + 1, nil
			}
		}
	case n.Style&yaml.SingleQuotedStyle != 0:
		for i := start + 1; i < len(d); i++ {
			if d[i] != '\'' {
				continue
			}
			if i+1 < len(d) && d[i+1] == '\'' {
				i++
				continue
			}
			return start, i + 1, nil
		}
	case n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0:
		return 0, 0, fmt.Errorf("line %d: block scalar: %w", n.Line, ErrUnsupported)
	default:
		end := start + len(n.Value)
		if n.Value != "" && end <= len(d) && string(d[start:end]) == n.Value {
			return start, end, nil
		}
		return 0, 0, fmt.Errorf("line %d: plain scalar %q does not stand on one line: %w", n.Line, n.Value, ErrUnsupported)
	}
	return 0, 0, fmt.Errorf("line %d: unterminated quoted scalar: %w", n.Line, s.invalid)
}

// IsEmptyNull reports a value that is written as nothing at all (`key:`).
func IsEmptyNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.Tag == "!!null" && n.Value == "" && n.Style == 0
}

// ColonAfter returns the offset just past the ':' that follows key.
func (s *Source) ColonAfter(key *yaml.Node) (int, error) {
	_, end, err := s.ScalarSpan(key)
	if err != nil {
		return 0, err
	}
	for i := end; i < len(s.data); i++ {
		switch s.data[i] {
		case ' ', '\t':
			continue
		case ':':
			return i + 1, nil
		}
		break
	}
	return 0, fmt.Errorf("line %d: no ':' after key %q: %w", key.Line, key.Value, ErrUnsupported)
}

// ValueSpan returns the byte range of a scalar value; an empty value is the
// empty range just after its key's colon.
func (s *Source) ValueSpan(key, val *yaml.Node) (int, int, error) {
	if IsEmptyNull(val) {
		c, err := s.ColonAfter(key)
		return c, c, err
	}
	return s.ScalarSpan(val)
}

// ValueEnd returns the offset just past the last character of a pair's value.
func (s *Source) ValueEnd(key, val *yaml.Node) (int, error) {
	if IsEmptyNull(val) {
		return s.ColonAfter(key)
	}
	return s.End(val)
}

// End returns the offset just past the last character of a node.
func (s *Source) End(n *yaml.Node) (int, error) {
	switch n.Kind {
	case yaml.ScalarNode:
		_, e, err := s.ScalarSpan(n)
		return e, err
	case yaml.AliasNode:
		start, err := s.Offset(n)
		return start + 1 + len(n.Value), err
	case yaml.MappingNode, yaml.SequenceNode:
	default:
		return 0, fmt.Errorf("line %d: unexpected node kind: %w", n.Line, ErrUnsupported)
	}
	if n.Style&yaml.FlowStyle == 0 {
		if len(n.Content) == 0 {
			return 0, fmt.Errorf("line %d: empty block collection: %w", n.Line, ErrUnsupported)
		}
		if n.Kind == yaml.MappingNode {
			return s.ValueEnd(n.Content[len(n.Content)-2], n.Content[len(n.Content)-1])
		}
		last := n.Content[len(n.Content)-1]
		if IsEmptyNull(last) {
			return 0, fmt.Errorf("line %d: empty sequence item: %w", last.Line, ErrUnsupported)
		}
		return s.End(last)
	}
	return s.FlowClose(n)
}

// FlowClose returns the offset just past the closing bracket of a flow
// collection.
func (s *Source) FlowClose(n *yaml.Node) (int, error) {
	start, err := s.Offset(n)
	if err != nil {
		return 0, err
	}
	open, closing := byte('['), byte(']')
	if n.Kind == yaml.MappingNode {
		open, closing = '{', '}'
	}
	if start >= len(s.data) || s.data[start] != open {
		return 0, fmt.Errorf("line %d: flow collection does not start with %q: %w", n.Line, open, ErrUnsupported)
	}
	from := start + 1
	if len(n.Content) > 0 {
		last := n.Content[len(n.Content)-1]
		if n.Kind == yaml.MappingNode {
			from, err = s.ValueEnd(n.Content[len(n.Content)-2], last)
		} else {
			from, err = s.End(last)
		}
		if err != nil {
			return 0, err
		}
	}
	for i := from; i < len(s.data); i++ {
		switch c := s.data[i]; {
		case c == closing:
			return i + 1, nil
		case c == ' ' || c == '\t' || c == ',' || BreakLen(s.data, i) > 0:
		case c == '#':
			for i < len(s.data) && BreakLen(s.data, i) == 0 {
				i++
			}
		default:
			return 0, fmt.Errorf("line %d: unexpected %q before %q: %w", n.Line, c, closing, ErrUnsupported)
		}
	}
	return 0, fmt.Errorf("line %d: unterminated flow collection: %w", n.Line, s.invalid)
}

// LineEnd returns the offset of the line break that ends the line holding
// off, or len(data).
func (s *Source) LineEnd(off int) int {
	for i := off; i < len(s.data); i++ {
		if BreakLen(s.data, i) > 0 {
			return i
		}
	}
	return len(s.data)
}

// NextLine returns the offset of the line after the one holding off, or
// len(data) when off is on the last line.
func (s *Source) NextLine(off int) int {
	e := s.LineEnd(off)
	if e < len(s.data) {
		e += BreakLen(s.data, e)
	}
	return e
}

// LineStart returns the offset of the first character of the line holding off.
func (s *Source) LineStart(off int) int {
	i := off
	for i > 0 && !EndsWithBreak(s.data[:i]) {
		i--
	}
	if i == 0 && bytes.HasPrefix(s.data, bom) {
		return len(bom)
	}
	return i
}

// EndsWithBreak reports whether d ends with a line break.
func EndsWithBreak(d []byte) bool {
	n := len(d)
	switch {
	case n >= 1 && (d[n-1] == '\n' || d[n-1] == '\r'):
		return true
	case n >= 2 && d[n-2] == 0xc2 && d[n-1] == 0x85:
		return true
	case n >= 3 && d[n-3] == 0xe2 && d[n-2] == 0x80 && (d[n-1] == 0xa8 || d[n-1] == 0xa9):
		return true
	}
	return false
}

// EOL returns the line break to use for lines added near off: the one that
// ends off's line, else the file's first, else "\n".
func (s *Source) EOL(off int) string {
	if e := s.LineEnd(off); e < len(s.data) {
		return string(s.data[e : e+BreakLen(s.data, e)])
	}
	for i := range s.data {
		if n := BreakLen(s.data, i); n > 0 {
			return string(s.data[i : i+n])
		}
	}
	return "\n"
}

// BlockEnd is end for a node in block context, where the next lines can be
// added after it. Where End cannot tell (a block scalar, an anchored or
// folded value as the last leaf), it falls back on indentation: the node
// runs on while lines are blank or indented deeper than the line it starts
// on, which holds because nothing of the enclosing collections follows it.
func (s *Source) BlockEnd(n *yaml.Node) (int, error) {
	e, err := s.End(n)
	if err == nil {
		return e, nil
	}
	leaf := n
	for (leaf.Kind == yaml.MappingNode || leaf.Kind == yaml.SequenceNode) && leaf.Style&yaml.FlowStyle == 0 && len(leaf.Content) > 0 {
		leaf = leaf.Content[len(leaf.Content)-1]
	}
	start, oerr := s.Offset(leaf)
	if oerr != nil {
		return 0, err
	}
	if leaf.Kind == yaml.MappingNode || leaf.Kind == yaml.SequenceNode {
		if e, ferr := s.FlowClose(leaf); ferr == nil {
			return e, nil
		}
	}
	ls := s.LineStart(start)
	threshold := Indentation(s.data[ls:])
	end := s.LineEnd(start)
	for next := s.NextLine(start); next < len(s.data); next = s.NextLine(next) {
		line := s.data[next:s.LineEnd(next)]
		if len(bytes.TrimLeft(line, " \t")) == 0 {
			continue
		}
		if Indentation(line) <= threshold || bytes.HasPrefix(line, []byte("---")) || bytes.HasPrefix(line, []byte("...")) {
			break
		}
		end = s.LineEnd(next)
	}
	return end, nil
}

// Indentation counts the leading spaces of a line.
func Indentation(line []byte) int {
	n := 0
	for n < len(line) && line[n] == ' ' {
		n++
	}
	return n
}
