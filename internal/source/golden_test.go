package source_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stagehand-gitops/stagehand/internal/golden"
	"github.com/stagehand-gitops/stagehand/internal/helmrelease"
	"github.com/stagehand-gitops/stagehand/internal/helmvalues"
	"github.com/stagehand-gitops/stagehand/internal/manifest"
	"github.com/stagehand-gitops/stagehand/internal/setter"
	"github.com/stagehand-gitops/stagehand/internal/source"
	"github.com/stagehand-gitops/stagehand/internal/source/sourcetest"
)

// corpusDir holds the golden corpus of the editors beyond kustomizations:
// one directory per case with original/FILE, expected/FILE and edit.txt.
var corpusDir = filepath.Join("..", "..", "testdata", "values")

// corpusCase is one directory of the corpus. edit.txt holds `key: value`
// lines: editor (helm, release, manifest or setter), file, and the
// editor's settings (path, name, repository, container, policy); set,
// the values written (`tag=1.5.0 digest=sha256:…`); read, the images the
// expected file holds (one line each); lines, how many lines change.
type corpusCase struct {
	name, dir, file string
	editor          source.Editor
	want            source.Want
	read            []string
	lines           int
}

func loadCorpus(tb testing.TB) []corpusCase {
	tb.Helper()
	specs, err := filepath.Glob(filepath.Join(corpusDir, "*", "edit.txt"))
	if err != nil || len(specs) == 0 {
		tb.Fatalf("no corpus: %v", err)
	}
	var out []corpusCase
	for _, spec := range specs {
		out = append(out, parseCase(tb, spec))
	}
	return out
}

func parseCase(tb testing.TB, spec string) corpusCase {
	tb.Helper()
	data, err := os.ReadFile(spec)
	if err != nil {
		tb.Fatal(err)
	}
	c := corpusCase{dir: filepath.Dir(spec), name: filepath.Base(filepath.Dir(spec)), lines: -1}
	kv := map[string][]string{}
	for _, l := range strings.Split(string(data), "\n") {
		k, v, ok := strings.Cut(strings.TrimSpace(l), ":")
		if !ok || strings.HasPrefix(k, "#") {
			continue
		}
		kv[k] = append(kv[k], strings.TrimSpace(v))
	}
	first := func(k string) string {
		if len(kv[k]) == 0 {
			return ""
		}
		return kv[k][0]
	}
	c.file, c.read = first("file"), kv["read"]
	if c.lines, err = strconv.Atoi(first("lines")); err != nil || c.file == "" || len(c.read) == 0 {
		tb.Fatalf("%s: needs file, read and lines (%v)", spec, err)
	}
	for _, f := range strings.Fields(first("set")) {
		k, v, _ := strings.Cut(f, "=")
		p := map[string]**string{"repository": &c.want.Repository, "tag": &c.want.Tag, "digest": &c.want.Digest}[k]
		if p == nil {
			tb.Fatalf("%s: set %q", spec, f)
		}
		*p = source.Value(strings.Trim(v, `"`))
	}
	var paths []helmvalues.Paths
	for _, l := range kv["path"] {
		paths = append(paths, parsePaths(tb, spec, l))
	}
	switch first("editor") {
	case "helm":
		c.editor = helmvalues.Editor{File: c.file, Paths: paths}
	case "release":
		c.editor = helmrelease.Editor{File: c.file, Name: first("name"), Paths: paths}
	case "manifest":
		c.editor = manifest.Editor{File: c.file, Repository: first("repository"), Container: first("container")}
	case "setter":
		c.editor = setter.Editor{File: c.file, Policy: first("policy")}
	default:
		tb.Fatalf("%s: editor %q", spec, first("editor"))
	}
	return c
}

// parsePaths reads `repository=image.repository tag=image.tag`.
func parsePaths(tb testing.TB, spec, l string) helmvalues.Paths {
	var p helmvalues.Paths
	for _, f := range strings.Fields(l) {
		k, v, _ := strings.Cut(f, "=")
		dst := map[string]*string{"image": &p.Image, "registry": &p.Registry, "repository": &p.Repository, "tag": &p.Tag, "digest": &p.Digest}[k]
		if dst == nil {
			tb.Fatalf("%s: path %q", spec, f)
		}
		*dst = v
	}
	return p
}

func (c corpusCase) original(tb testing.TB) []byte {
	tb.Helper()
	data, err := os.ReadFile(filepath.Join(c.dir, "original", c.file))
	if err != nil {
		tb.Fatal(err)
	}
	return data
}

func TestGoldenCorpus(t *testing.T) {
	cases := loadCorpus(t)
	if len(cases) < 20 {
		t.Fatalf("corpus has %d cases, want at least 20", len(cases))
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			orig := c.original(t)
			got, changed, err := c.editor.Set(orig, c.want)
			if err != nil || !changed {
				t.Fatalf("changed=%v err=%v", changed, err)
			}
			golden.Check(t, filepath.Join(c.dir, "expected", c.file), got)
			if n := len(source.ChangedLines(orig, got)); n != c.lines {
				t.Errorf("%d lines changed, want %d", n, c.lines)
			}
			sourcetest.CheckLines(t, orig, got, c.want)
			imgs, err := c.editor.Read(got)
			if err != nil {
				t.Fatal(err)
			}
			var read []string
			for _, img := range imgs {
				read = append(read, img.String())
			}
			if strings.Join(read, "\n") != strings.Join(c.read, "\n") {
				t.Errorf("expected file reads as %q, want %q", read, c.read)
			}
			again, changed, err := c.editor.Set(got, c.want)
			if err != nil || changed || !bytes.Equal(again, got) {
				t.Errorf("second run: changed=%v err=%v; the edit must be idempotent", changed, err)
			}
		})
	}
}
