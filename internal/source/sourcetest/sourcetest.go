// Package sourcetest holds the checks every editor's fuzz target and
// golden test make, so that each file kind is held to the same promises.
package sourcetest

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/stagehand-gitops/stagehand/internal/source"
)

// CheckSet runs ed.Set on data and checks its promises: a failure is never
// ErrVerify; an unchanged result is data itself; a changed one reads back
// as the wanted values, has as many lines, differs only on lines that hold
// a wanted value, and a second run changes nothing. It returns the result,
// or nil when the edit failed.
func CheckSet(t testing.TB, ed source.Editor, data []byte, w source.Want) []byte {
	t.Helper()
	before, readErr := ed.Read(data)
	if readErr == nil && len(before) == 1 {
		CheckNoOp(t, ed, data, before[0])
	}
	out, changed, err := ed.Set(data, w)
	if errors.Is(err, source.ErrVerify) {
		t.Fatalf("edit failed its own check: %v\n%q", err, data)
	}
	if err != nil {
		return nil
	}
	if readErr != nil {
		t.Fatalf("edit succeeded on a file Read refuses: %v", readErr)
	}
	if !changed {
		if !bytes.Equal(out, data) {
			t.Fatal("an unchanged edit returned other bytes")
		}
		return out
	}
	after, err := ed.Read(out)
	if err != nil {
		t.Fatalf("edited file does not read back: %v\n%q", err, out)
	}
	if len(after) != len(before) {
		t.Fatalf("%d images became %d", len(before), len(after))
	}
	for i, img := range after {
		if want := Apply(w, before[i]); !Same(img, want) {
			t.Fatalf("image %d reads back as %s, want %s\n%q", i, img, want, out)
		}
	}
	CheckLines(t, data, out, w)
	again, changed, err := ed.Set(out, w)
	if err != nil || changed || !bytes.Equal(again, out) {
		t.Fatalf("second run: changed=%v err=%v; an edit must be idempotent", changed, err)
	}
	return out
}

// CheckNoOp checks that setting the tag and digest img already has
// changes nothing and returns data itself.
func CheckNoOp(t testing.TB, ed source.Editor, data []byte, img source.Image) {
	t.Helper()
	out, changed, err := ed.Set(data, source.Want{Tag: source.Value(img.Tag), Digest: source.Value(img.Digest)})
	if errors.Is(err, source.ErrInvalidEdit) {
		return // a value read that no edit may write, such as a tag with a '/'
	}
	if err != nil || changed || !bytes.Equal(out, data) {
		t.Fatalf("setting the values read (%s) changed=%v err=%v\n%q", img, changed, err, data)
	}
}

// scalars returns the scalar values a line of YAML writes, decoded (a
// quoted value unescaped), when the line reads as YAML on its own.
func scalars(line string) []string {
	var v any
	if yaml.Unmarshal([]byte(strings.TrimLeft(line, " ")), &v) != nil {
		return nil
	}
	var out []string
	var walk func(any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			for _, e := range x {
				walk(e)
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		case nil:
		default:
			out = append(out, fmt.Sprint(x))
		}
	}
	walk(v)
	return out
}

// CheckLines checks that out has as many lines as data and that every line
// that differs holds one of the values w sets (any line, when w empties a
// value).
func CheckLines(t testing.TB, data, out []byte, w source.Want) {
	t.Helper()
	if bytes.Count(data, []byte("\n")) != bytes.Count(out, []byte("\n")) {
		t.Fatalf("line count changed:\n%q\n%q", data, out)
	}
	lines := strings.SplitAfter(string(out), "\n")
	var values []string
	for _, v := range []*string{w.Repository, w.Tag, w.Digest} {
		if v != nil {
			values = append(values, *v)
		}
	}
	if w.Repository != nil {
		// A registry field and a repository field each hold a part.
		reg, rest, _ := strings.Cut(*w.Repository, "/")
		values = append(values, reg, rest)
	}
	for _, n := range source.ChangedLines(data, out) {
		holds := false
		for _, v := range values {
			// An emptied value leaves nothing to look for on its line.
			// A value quoted inside a whole reference ("a:0\"0") is in the
			// decoded scalar, not in the line's text.
			holds = holds || v == "" || strings.Contains(lines[n-1], v) ||
				slices.ContainsFunc(scalars(lines[n-1]), func(s string) bool { return strings.Contains(s, v) })
		}
		if !holds {
			t.Fatalf("line %d changed but holds no value set: %q", n, lines[n-1])
		}
	}
}

// Apply returns img with w's fields set.
func Apply(w source.Want, img source.Image) source.Image {
	for _, f := range []struct{ from, to *string }{{w.Repository, &img.Repository}, {w.Tag, &img.Tag}, {w.Digest, &img.Digest}} {
		if f.from != nil {
			*f.to = *f.from
		}
	}
	return img
}

// Same reports whether two images have the same repository, tag and digest.
func Same(a, b source.Image) bool {
	return a.Repository == b.Repository && a.Tag == b.Tag && a.Digest == b.Digest
}

// Seeds returns the original files of the golden corpus (testdata/values,
// from a package two levels below the repository root) whose edit.txt names
// editor, as fuzz seeds.
func Seeds(tb testing.TB, editor string) [][]byte {
	tb.Helper()
	specs, _ := filepath.Glob(filepath.Join("..", "..", "testdata", "values", "*", "edit.txt"))
	var out [][]byte
	for _, spec := range specs {
		data, err := os.ReadFile(spec)
		if err != nil || !strings.Contains(string(data), "editor: "+editor+"\n") {
			continue
		}
		files, _ := filepath.Glob(filepath.Join(filepath.Dir(spec), "original", "*"))
		for _, f := range files {
			if d, err := os.ReadFile(f); err == nil {
				out = append(out, d)
			}
		}
	}
	if len(out) == 0 {
		tb.Fatalf("no corpus seeds for the %s editor", editor)
	}
	return out
}

// Want returns the Want a fuzz target sets from its inputs: mask bit 0
// sets the tag, bit 1 the digest, bit 2 the repository.
func Want(tag, digest, repository string, mask uint8) source.Want {
	var w source.Want
	if mask&1 != 0 {
		w.Tag = source.Value(tag)
	}
	if mask&2 != 0 {
		w.Digest = source.Value(digest)
	}
	if mask&4 != 0 {
		w.Repository = source.Value(repository)
	}
	return w
}
