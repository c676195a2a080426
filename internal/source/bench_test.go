package source_test

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/stagehand-gitops/stagehand/internal/source"
)

// BenchmarkSet times one edit per corpus file with the byte-exact editors
// and reports how many lines it changed.
func BenchmarkSet(b *testing.B) {
	for _, c := range loadCorpus(b) {
		b.Run(c.name, func(b *testing.B) {
			orig := c.original(b)
			out, _, err := c.editor.Set(orig, c.want)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := c.editor.Set(orig, c.want); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(len(source.ChangedLines(orig, out))), "lines-changed")
		})
	}
}

// BenchmarkNodeRewrite is the baseline for BenchmarkSet: the same edit the
// way yq and the tools built on yaml.Node make it, by decoding every
// document, setting the scalars, and encoding the documents again. The
// scalars set are those on the lines the byte-exact edit changes, given
// the values they hold in the expected file; it reports how many lines
// the rewrite changed.
func BenchmarkNodeRewrite(b *testing.B) {
	for _, c := range loadCorpus(b) {
		b.Run(c.name, func(b *testing.B) {
			orig := c.original(b)
			want, _, err := c.editor.Set(orig, c.want)
			if err != nil {
				b.Fatal(err)
			}
			values := scalarsOn(b, want, source.ChangedLines(orig, want))
			out := rewrite(b, orig, values)
			b.ReportAllocs()
			for b.Loop() {
				rewrite(b, orig, values)
			}
			b.ReportMetric(float64(len(source.ChangedLines(orig, out))), "lines-changed")
		})
	}
}

type position struct{ line, column int }

// scalarsOn returns the scalars of data on the given lines, by position.
func scalarsOn(tb testing.TB, data []byte, lines []int) map[position]string {
	on := map[int]bool{}
	for _, l := range lines {
		on[l] = true
	}
	out := map[position]string{}
	for _, doc := range decodeAll(tb, data) {
		walk(doc, func(n *yaml.Node) {
			if on[n.Line] {
				out[position{n.Line, n.Column}] = n.Value
			}
		})
	}
	return out
}

// rewrite decodes data, sets the scalars at the given positions and
// encodes every document again.
func rewrite(tb testing.TB, data []byte, values map[position]string) []byte {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	for _, doc := range decodeAll(tb, data) {
		walk(doc, func(n *yaml.Node) {
			if v, ok := values[position{n.Line, n.Column}]; ok {
				n.Value = v
			}
		})
		if err := enc.Encode(doc); err != nil {
			tb.Fatal(err)
		}
	}
	if err := enc.Close(); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

func decodeAll(tb testing.TB, data []byte) []*yaml.Node {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var docs []*yaml.Node
	for {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			return docs
		}
		if err != nil {
			tb.Fatal(err)
		}
		docs = append(docs, &doc)
	}
}

func walk(n *yaml.Node, f func(*yaml.Node)) {
	if n.Kind == yaml.ScalarNode {
		f(n)
	}
	for _, c := range n.Content {
		walk(c, f)
	}
}
