package chatops

import (
	"bytes"

	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

// The two GitHub extensions to CommonMark that can hide a line starting with
// a slash: a table (the line is a row) and strikethrough (the line is inside
// ~~…~~ spanning lines). The others cannot: a task list lives in a list item,
// which is never read for commands, and an autolink never spans a line
// break. goldmark's extension package has both, but it compiles its
// autolink expressions when a program starts, a millisecond of every
// command's start-up; these two follow its rules (TestGFMSubset holds them to
// it, comment by comment) and build nothing until a comment is parsed.

// kindTable and kindStrikethrough are the node kinds of what they find; only
// the kinds matter, the tree is never rendered.
var (
	kindTable         = ast.NewNodeKind("StagehandTable")
	kindStrikethrough = ast.NewNodeKind("StagehandStrikethrough")
)

// gfmNode is a block or inline node of one of those kinds.
type gfmNode struct {
	ast.BaseBlock
	kind ast.NodeKind
}

func (n *gfmNode) Kind() ast.NodeKind           { return n.kind }
func (n *gfmNode) Dump(src []byte, level int)   { ast.DumpHelper(n, src, level, nil, nil) }
func (n *gfmNode) IsRaw() bool                  { return true }
func (n *gfmNode) Type() ast.NodeType           { return ast.TypeBlock }
func (n *gfmNode) HasBlankPreviousLines() bool  { return false }
func (n *gfmNode) SetBlankPreviousLines(_ bool) {}

// strikeNode is the inline node strikethrough makes.
type strikeNode struct{ ast.BaseInline }

func (n *strikeNode) Kind() ast.NodeKind         { return kindStrikethrough }
func (n *strikeNode) Dump(src []byte, level int) { ast.DumpHelper(n, src, level, nil, nil) }

// gfmOptions are the parser options for the two extensions, at goldmark's
// priorities for them.
func gfmOptions() []parser.Option {
	return []parser.Option{
		parser.WithParagraphTransformers(util.Prioritized(tableTransformer{}, 200)),
		parser.WithInlineParsers(util.Prioritized(strikeParser{}, 500)),
	}
}

// tableTransformer turns the lines of a paragraph from a header row followed
// by a delimiter row with at least as many cells into a table, as goldmark's table
// extension does: the lines before the header stay a paragraph.
type tableTransformer struct{}

func (tableTransformer) Transform(node *ast.Paragraph, reader text.Reader, _ parser.Context) {
	lines := node.Lines()
	src := reader.Source()
	for i := 1; i < lines.Len(); i++ {
		delim := lines.At(i)
		cols := delimiterCells(delim.Value(src))
		if cols < 0 {
			continue
		}
		// A header with fewer cells is padded; one with more is no table.
		if headerCells(lines.At(i-1), src) > cols {
			return
		}
		table := &gfmNode{kind: kindTable}
		for j := i - 1; j < lines.Len(); j++ {
			table.Lines().Append(lines.At(j))
		}
		node.Lines().SetSliced(0, i-1)
		node.Parent().InsertAfter(node.Parent(), node, table)
		if node.Lines().Len() == 0 {
			node.Parent().RemoveChild(node.Parent(), node)
		} else {
			last := node.Lines().At(i - 2)
			last.Stop-- // the line break before the table
			node.Lines().Set(i-2, last)
		}
		return
	}
}

// delimiterCells returns the number of cells of a delimiter row (| :--- |
// ---: |), or -1 when line is not one.
func delimiterCells(line []byte) int {
	if w, _ := util.IndentWidth(line, 0); w > 3 {
		return -1
	}
	for _, b := range line {
		if !(util.IsSpace(b) || b == '-' || b == '|' || b == ':') {
			return -1
		}
	}
	cols := bytes.Split(line, []byte{'|'})
	if util.IsBlank(cols[0]) {
		cols = cols[1:]
	}
	if len(cols) > 0 && util.IsBlank(cols[len(cols)-1]) {
		cols = cols[:len(cols)-1]
	}
	if len(cols) == 0 {
		return -1
	}
	for _, col := range cols {
		if !delimiterCell(col) {
			return -1
		}
	}
	return len(cols)
}

// delimiterCell reports whether col is spaces, an optional colon, one or
// more hyphens, an optional colon and spaces.
func delimiterCell(col []byte) bool {
	col = util.TrimRightSpace(util.TrimLeftSpace(col))
	col = bytes.TrimPrefix(col, []byte{':'})
	col = bytes.TrimSuffix(col, []byte{':'})
	return len(col) > 0 && len(bytes.Trim(col, "-")) == 0
}

// headerCells counts the cells of a header row: split at pipes not escaped
// by a backslash, a leading and a trailing pipe dropped.
func headerCells(seg text.Segment, src []byte) int {
	seg = seg.TrimLeftSpace(src)
	seg = seg.TrimRightSpace(src)
	line := seg.Value(src)
	pos, limit := 0, len(line)
	if limit > 0 && line[0] == '|' {
		pos++
	}
	if limit > 0 && line[limit-1] == '|' {
		limit--
	}
	n := 0
	for pos < limit {
		end := pos
		for end < limit && (line[end] != '|' || (end > 0 && line[end-1] == '\\')) {
			end++
		}
		n++
		pos = end + 1
	}
	return n
}

// strikeParser reads ~text~ and ~~text~~ as strikethrough, as goldmark's
// strikethrough extension does.
type strikeParser struct{}

func (strikeParser) Trigger() []byte { return []byte{'~'} }

func (strikeParser) Parse(_ ast.Node, block text.Reader, pc parser.Context) ast.Node {
	before := block.PrecendingCharacter()
	line, segment := block.PeekLine()
	node := parser.ScanDelimiter(line, before, 1, strikeDelimiter{})
	if node == nil || node.OriginalLength > 2 || before == '~' {
		return nil
	}
	node.Segment = segment.WithStop(segment.Start + node.OriginalLength)
	block.Advance(node.OriginalLength)
	pc.PushDelimiter(node)
	return node
}

func (strikeParser) CloseBlock(ast.Node, parser.Context) {}

// strikeDelimiter pairs tildes with tildes.
type strikeDelimiter struct{}

func (strikeDelimiter) IsDelimiter(b byte) bool { return b == '~' }
func (strikeDelimiter) CanOpenCloser(opener, closer *parser.Delimiter) bool {
	return opener.Char == closer.Char
}
func (strikeDelimiter) OnMatch(int) ast.Node { return &strikeNode{} }
