package manifest

import (
	"testing"

	"github.com/stagehand-gitops/stagehand/internal/source/sourcetest"
)

// FuzzSet checks that an edit of a manifest's container images either
// fails or reads back as the wanted values with only the image lines
// changed (see sourcetest.CheckSet).
func FuzzSet(f *testing.F) {
	seeds := append(sourcetest.Seeds(f, "manifest"),
		[]byte("kind: Pod\nspec:\n  containers:\n  - {name: a, image: 'ghcr.io/acme/web'}\n"),
		[]byte("kind: Job\nspec:\n  template:\n    spec:\n      initContainers:\n      - image: \"ghcr.io/acme/web@sha256:0\"\n"))
	for i, s := range seeds {
		f.Add(s, "v2.0.0", "sha256:2", "ghcr.io/acme/b", uint8(i))
	}
	f.Fuzz(func(t *testing.T, data []byte, tag, digest, repository string, mask uint8) {
		for _, repo := range []string{"ghcr.io/acme/web", "ghcr.io/acme/db", "ghcr.io/acme/toolbox", "registry.acme.io:5000/jobs/report"} {
			sourcetest.CheckSet(t, Editor{File: "deploy.yaml", Repository: repo}, data, sourcetest.Want(tag, digest, repository, mask))
		}
	})
}
