package helmrelease

import (
	"strings"
	"testing"

	"github.com/stagehand-gitops/stagehand/internal/helmvalues"
	"github.com/stagehand-gitops/stagehand/internal/source"
	"github.com/stagehand-gitops/stagehand/internal/source/sourcetest"
)

// FuzzSet checks that an edit of a HelmRelease's or an Application's
// values either fails or reads back as the wanted values with only the
// value lines changed (see sourcetest.CheckSet).
func FuzzSet(f *testing.F) {
	seeds := append(sourcetest.Seeds(f, "release"),
		[]byte("kind: HelmRelease\napiVersion: helm.toolkit.fluxcd.io/v2\nspec: {values: {image: {repository: a, tag: '1'}}}\n"),
		[]byte("kind: Application\napiVersion: argoproj.io/v1alpha1\nspec:\n  source:\n    helm:\n      parameters: [{name: image.tag, value: '1'}]\n      valuesObject: {image: {repository: a, tag: '0'}}\n"))
	for i, s := range seeds {
		f.Add(s, "v2.0.0", "sha256:2", "ghcr.io/acme/b", uint8(i))
	}
	f.Fuzz(func(t *testing.T, data []byte, tag, digest, repository string, mask uint8) {
		var paths []helmvalues.Paths
		if mask&8 != 0 {
			paths = []helmvalues.Paths{{Repository: "api.image.repository", Tag: "api.image.tag"}}
		}
		sourcetest.CheckSet(t, Editor{File: "release.yaml", Paths: paths}, data, sourcetest.Want(tag, digest, repository, mask))
		if docs, err := source.Documents("release.yaml", data); err == nil {
			for _, c := range Charts(docs, "") {
				if (c.Dir == "") == (c.Elsewhere == "") || strings.HasPrefix(c.Dir, "..") || strings.HasPrefix(c.Dir, "/") {
					t.Fatalf("chart %+v: a repository directory or where it is from, not both", c)
				}
			}
		}
	})
}
