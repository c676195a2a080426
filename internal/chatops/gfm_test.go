package chatops

import (
	"reflect"
	"testing"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
	extast "github.com/yuin/goldmark/extension/ast"
)

// gfmFull is goldmark with its whole GitHub-flavoured extension, which the
// program leaves out (gfm.go): the tests hold the subset to it.
var gfmFull = goldmark.New(goldmark.WithExtensions(extension.GFM)).Parser()

// gfmCases are comments where a table, strikethrough, an autolink or a task
// list meets a line that starts with a slash.
var gfmCases = []string{
	"| a | b |\n|---|---|\n/promote web to prod\n",
	"| a | b |\n| :-- | --: |\n| x | y |\n/status\n",
	"text\n| a |\n|---|\n/status\n",
	"/status\n| a |\n|---|\n",
	"| a | b | c |\n|---|---|\n/status\n",
	"| a |\n|---|---|\n/status\n",
	"a | b\n--|--\n/hold web\n",
	"| a \\| b |\n|---|\n/status\n",
	"| `a \\| b` |\n|---|---|\n/status\n",
	"|---|\n/status\n",
	"| a |\n    |---|\n/status\n",
	"| a |\n|-:-|\n/status\n",
	"| a |\n| |\n/status\n",
	"~~struck\n/promote web to prod~~\n",
	"~struck\n/status~\n",
	"~~~struck\n/status~~~\n",
	"a~~b\n/status~~\n",
	"see https://example.com/x\n/status\n",
	"www.example.com\n/status ~~x~~\n",
	"- [ ] task\n/status\n",
	"- [x] /status\n",
	"| a |\n|---|\n\n/status\n",
	"> | a |\n> |---|\n/status\n",
}

func TestGFMSubset(t *testing.T) {
	for _, body := range gfmCases {
		want := parseCandidates(gfmFull, extast.KindTable, body)
		if got := candidates(body); !reflect.DeepEqual(got, want) {
			t.Errorf("%q: candidates %v, goldmark's GFM %v", body, got, want)
		}
	}
}

// FuzzGFMSubset: for any comment, the lines read as commands are those
// goldmark's whole GFM extension would give.
func FuzzGFMSubset(f *testing.F) {
	for _, body := range gfmCases {
		f.Add(body)
	}
	f.Fuzz(func(t *testing.T, body string) {
		if !maySlash(body) {
			return
		}
		want := parseCandidates(gfmFull, extast.KindTable, body)
		if got := candidates(body); !reflect.DeepEqual(got, want) {
			t.Fatalf("%q: candidates %v, goldmark's GFM %v", body, got, want)
		}
	})
}
