package checks

import (
	"io/fs"

	"github.com/stagehand-gitops/stagehand/internal/overlay"
)

// reads is what kustomize reads, outside the overlay directories
// themselves, to build an environment's overlays: the kustomization files
// of the directories they reach (a shared base, components) and the files
// those name (resources, patches, generator sources). A change to any of
// them changes what the environment deploys, so it touches the
// environment: otherwise a pull request that edits a shared base would get
// a neutral stagehand/prod and pass a required check untested.
type reads map[string]bool

// add records what kustomize reads to build the overlay in dir of tree.
func (r reads) add(tree fs.FS, dir string) {
	for _, f := range overlay.Reads(tree, dir) {
		r[f] = true
	}
}

// has reports whether kustomize reads file.
func (r reads) has(file string) bool { return r[file] }
