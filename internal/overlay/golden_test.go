package overlay

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/pmezard/go-difflib/difflib"

	"github.com/stagehand-gitops/stagehand/internal/golden"
)

// corpusDir holds the golden corpus: one directory per case, shared with
// the documentation and the benchmarks.
var corpusDir = filepath.Join("..", "..", "testdata", "overlay")

// corpusCase is one directory of the golden corpus (testdata/overlay at the
// repository root): an original/ tree, the
// expected/ tree after the edit, and edit.txt with the arguments of
// `kustomize edit set image` (one per line) and the number of lines the
// edit may change.
type corpusCase struct {
	name  string
	dir   string
	args  []string
	lines int
	file  string // kustomization file name
}

func loadCorpus(tb testing.TB) []corpusCase {
	tb.Helper()
	dirs, err := filepath.Glob(filepath.Join(corpusDir, "*", "edit.txt"))
	if err != nil || len(dirs) == 0 {
		tb.Fatalf("no corpus: %v", err)
	}
	var cases []corpusCase
	for _, f := range dirs {
		dir := filepath.Dir(f)
		c := corpusCase{name: filepath.Base(dir), dir: dir, lines: -1}
		spec, err := os.ReadFile(f)
		if err != nil {
			tb.Fatal(err)
		}
		for _, l := range strings.Split(string(spec), "\n") {
			l = strings.TrimSpace(l)
			switch {
			case l == "" || strings.HasPrefix(l, "#"):
			case strings.HasPrefix(l, "lines:"):
				c.lines, err = strconv.Atoi(strings.TrimSpace(strings.TrimPrefix(l, "lines:")))
				if err != nil {
					tb.Fatalf("%s: %v", f, err)
				}
			default:
				c.args = append(c.args, l)
			}
		}
		if c.lines < 0 || len(c.args) == 0 {
			tb.Fatalf("%s: needs a lines: count and at least one argument", f)
		}
		file, err := FileIn(os.DirFS(filepath.Join(dir, "original")), ".")
		if err != nil {
			tb.Fatal(err)
		}
		c.file = file
		cases = append(cases, c)
	}
	return cases
}

func (c corpusCase) original(tb testing.TB) []byte {
	tb.Helper()
	data, err := os.ReadFile(filepath.Join(c.dir, "original", c.file))
	if err != nil {
		tb.Fatal(err)
	}
	return data
}

// edit runs the corpus case's arguments through the same code path as
// `stagehand set-image`.
func (c corpusCase) edit(tb testing.TB, data []byte) []byte {
	tb.Helper()
	edits, err := ParseImageArgs(c.args)
	if err != nil {
		tb.Fatal(err)
	}
	out, _, err := SetImages(data, edits)
	if err != nil {
		tb.Fatal(err)
	}
	return out
}

func TestGoldenCorpus(t *testing.T) {
	cases := loadCorpus(t)
	if len(cases) < 15 {
		t.Fatalf("corpus has %d cases, want at least 15", len(cases))
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			orig := c.original(t)
			got := c.edit(t, orig)
			if golden.Updating() {
				writeTree(t, filepath.Join(c.dir, "original"), filepath.Join(c.dir, "expected"), c.file, got)
			}
			compareTree(t, filepath.Join(c.dir, "original"), filepath.Join(c.dir, "expected"), c.file, got)
			if n := changedLines(orig, got); n != c.lines {
				t.Errorf("%d lines changed, want %d:\n%s", n, c.lines, unifiedDiff(orig, got))
			}
			again, changed, err := SetImages(got, mustParseArgs(t, c.args))
			if err != nil || changed || !bytes.Equal(again, got) {
				t.Errorf("second run: changed=%v err=%v; the edit must be idempotent", changed, err)
			}
		})
	}
}

func mustParseArgs(tb testing.TB, args []string) []Edit {
	tb.Helper()
	e, err := ParseImageArgs(args)
	if err != nil {
		tb.Fatal(err)
	}
	return e
}

// writeTree writes expected/ as original/ with the kustomization replaced.
func writeTree(t *testing.T, from, to, file string, kust []byte) {
	t.Helper()
	if err := os.RemoveAll(to); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(to, 0o755); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(from)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(from, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if e.Name() == file {
			data = kust
		}
		if err := os.WriteFile(filepath.Join(to, e.Name()), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// compareTree checks expected/ byte for byte: the kustomization against
// got, every other file against original/.
func compareTree(t *testing.T, from, to, file string, got []byte) {
	t.Helper()
	entries, err := os.ReadDir(to)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	orig, err := os.ReadDir(from)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != len(orig) {
		t.Errorf("expected/ has %d files, original/ %d", len(entries), len(orig))
	}
	for _, e := range entries {
		want, err := os.ReadFile(filepath.Join(to, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		have := got
		if e.Name() != file {
			if have, err = os.ReadFile(filepath.Join(from, e.Name())); err != nil {
				t.Fatal(err)
			}
		}
		if !bytes.Equal(have, want) {
			t.Errorf("%s differs from expected:\n%s", e.Name(), unifiedDiff(want, have))
		}
	}
}

// changedLines counts the lines an edit touched: a replaced run of lines
// counts its longer side, an inserted or deleted run its length.
func changedLines(a, b []byte) int {
	m := difflib.NewMatcher(splitLines(a), splitLines(b))
	n := 0
	for _, op := range m.GetOpCodes() {
		switch op.Tag {
		case 'r':
			n += max(op.I2-op.I1, op.J2-op.J1)
		case 'd':
			n += op.I2 - op.I1
		case 'i':
			n += op.J2 - op.J1
		}
	}
	return n
}

func splitLines(b []byte) []string {
	return strings.SplitAfter(string(b), "\n")
}

func unifiedDiff(a, b []byte) string {
	s, _ := difflib.GetUnifiedDiffString(difflib.UnifiedDiff{A: splitLines(a), B: splitLines(b), FromFile: "want", ToFile: "got", Context: 2})
	return s
}
