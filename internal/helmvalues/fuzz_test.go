package helmvalues

import (
	"testing"

	"github.com/stagehand-gitops/stagehand/internal/source/sourcetest"
)

// FuzzSet checks that an edit of a values file either fails or reads back
// as the wanted values with only the value lines changed (see
// sourcetest.CheckSet), for declared, default and inferred paths.
func FuzzSet(f *testing.F) {
	seeds := append(sourcetest.Seeds(f, "helm"),
		[]byte("image: {repository: a, tag: '1'}\n"),
		[]byte("image:\n  registry: r.io\n  repository: a\n  tag: ~\n  digest: \"\"\n"),
		[]byte("a: &x\n  repository: a\n  tag: v1\nimage: *x\n"),
		[]byte("containers:\n- image: \"a:1@sha256:0\" # c\n"))
	for i, s := range seeds {
		f.Add(s, "v2.0.0", "sha256:2", "r.io/b", uint8(i))
		f.Add(s, "1.10", "", "a", uint8(i+3))
	}
	f.Fuzz(func(t *testing.T, data []byte, tag, digest, repository string, mask uint8) {
		w := sourcetest.Want(tag, digest, repository, mask)
		var paths []Paths
		switch mask >> 4 % 3 {
		case 1:
			paths = []Paths{{Image: "containers[0].image"}}
		case 2:
			if docs, err := documents(data); err == nil && len(docs) > 0 {
				paths = Infer(docs[0], "ghcr.io/acme/web")
			}
		}
		sourcetest.CheckSet(t, Editor{File: "values.yaml", Paths: paths}, data, w)
	})
}
