package chatops

import (
	"strings"
	"sync"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
)

// candidate is a visible line of a comment that starts with a slash.
type candidate struct {
	line int    // 1-based
	text string // the line from the slash on, without the line break
}

// markdown parses comments the way GitHub renders them (CommonMark with the
// GitHub extensions that matter here, gfm.go), so that what the parser sees as a command is exactly
// what a reader sees as ordinary text at the start of a line. It is built at
// first use: the offline commands never parse a comment.
var markdown = sync.OnceValue(func() parser.Parser {
	return goldmark.New(goldmark.WithParserOptions(gfmOptions()...)).Parser()
})

// candidates returns the lines that start with a slash as plain paragraph
// text: not in a fenced or indented code block, not in a block quote (nested
// or lazily continued), not in an inline code span or HTML, not in a list
// item, indented by at most three spaces.
func candidates(body string) []candidate {
	if !maySlash(body) {
		return nil // most comments: no need to parse the markdown
	}
	return parseCandidates(markdown(), kindTable, body)
}

// parseCandidates is candidates with the parser and its table kind given.
func parseCandidates(p parser.Parser, table ast.NodeKind, body string) []candidate {
	src := []byte(normalize(body))
	doc := p.Parse(text.NewReader(src))
	var out []candidate
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch n.Kind() {
		case ast.KindBlockquote, ast.KindFencedCodeBlock, ast.KindCodeBlock, ast.KindHTMLBlock,
			ast.KindList, ast.KindListItem, table:
			return ast.WalkSkipChildren, nil
		case ast.KindParagraph, ast.KindTextBlock, ast.KindHeading:
			out = append(out, blockCandidates(src, n)...)
			return ast.WalkSkipChildren, nil
		}
		return ast.WalkContinue, nil
	})
	return out
}

// maySlash reports whether any line starts with a slash after at most
// three spaces: without one, no line can be a command.
func maySlash(body string) bool {
	for len(body) > 0 {
		line := body
		if i := strings.IndexAny(body, "\r\n"); i >= 0 {
			line, body = body[:i], body[i+1:]
		} else {
			body = ""
		}
		trimmed := strings.TrimLeft(line, " ")
		if strings.HasPrefix(trimmed, "/") && len(line)-len(trimmed) <= 3 {
			return true
		}
	}
	return false
}

// normalize turns CRLF and lone CR line breaks into LF.
func normalize(s string) string {
	if !strings.Contains(s, "\r") {
		return s
	}
	return strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
}

// blockCandidates checks each line of a paragraph or heading.
func blockCandidates(src []byte, block ast.Node) []candidate {
	var out []candidate
	lines := block.Lines()
	for i := 0; i < lines.Len(); i++ {
		seg := lines.At(i)
		pos := seg.Start
		for pos < seg.Stop && (src[pos] == ' ' || src[pos] == '\t') {
			pos++
		}
		if pos >= seg.Stop || src[pos] != '/' || !lineStart(src, pos) || !plainTextAt(block, pos) {
			continue
		}
		end := pos
		for end < len(src) && src[end] != '\n' {
			end++
		}
		out = append(out, candidate{line: 1 + strings.Count(string(src[:pos]), "\n"), text: string(src[pos:end])})
	}
	return out
}

// lineStart reports whether only up to three spaces precede pos on its line.
func lineStart(src []byte, pos int) bool {
	for i := 1; i <= 4; i++ {
		if pos-i < 0 || src[pos-i] == '\n' {
			return true
		}
		if src[pos-i] != ' ' || i == 4 {
			return false
		}
	}
	return false
}

// plainTextAt reports whether pos lies in a text node directly inside the
// block, rather than in a code span, raw HTML, a link or emphasis.
func plainTextAt(block ast.Node, pos int) bool {
	for c := block.FirstChild(); c != nil; c = c.NextSibling() {
		t, ok := c.(*ast.Text)
		if ok && t.Segment.Start <= pos && pos < t.Segment.Stop {
			return true
		}
	}
	return false
}
