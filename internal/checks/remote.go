package checks

import (
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/stagehand-gitops/stagehand/internal/overlay"
)

// Kustomization fields whose values kustomize loads as files, directories
// or URLs. A value that is not in the repository would make kustomize
// fetch it over the network or run git, on behalf of whoever wrote the
// pull request; the build rule refuses it instead.
var (
	pathLists   = []string{"resources", "components", "bases", "crds", "patchesStrategicMerge", "generators", "transformers", "validators", "configurations"}
	entryPaths  = []string{"patches", "patchesJson6902", "replacements"}
	generators  = []string{"configMapGenerator", "secretGenerator"}
	remoteRE    = regexp.MustCompile(`^([a-zA-Z][a-zA-Z0-9+.-]*://|git@|git::|(github\.com|gitlab\.com|bitbucket\.org)/)`)
	maxOverlays = 1000
)

// remoteRef is a kustomization value that kustomize would look for
// outside the repository.
type remoteRef struct {
	file, value string
	line        int
}

// remoteRefs walks the kustomizations reachable from dir (through the
// directories their resources, components and bases name) and returns the
// values that point outside the tree.
func remoteRefs(tree fs.FS, dir string) []remoteRef {
	var out []remoteRef
	seen := map[string]bool{}
	queue := []string{dir}
	for len(queue) > 0 && len(seen) < maxOverlays {
		d := queue[0]
		queue = queue[1:]
		if seen[d] {
			continue
		}
		seen[d] = true
		file, err := overlay.FileIn(tree, d)
		if err != nil {
			continue
		}
		data, err := fs.ReadFile(tree, file)
		if err != nil {
			continue
		}
		var doc yaml.Node
		if yaml.Unmarshal(data, &doc) != nil || len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
			continue
		}
		for _, v := range fileValues(doc.Content[0]) {
			if strings.Contains(v.Value, "\n") {
				continue // an inline patch, not a path
			}
			info, ok := local(tree, d, v.Value)
			if !ok {
				out = append(out, remoteRef{file: file, value: v.Value, line: v.Line})
				continue
			}
			if info.IsDir() {
				queue = append(queue, path.Join(d, v.Value))
			}
		}
	}
	return out
}

// local finds a path value in the tree, relative to dir; generator
// sources may be written key=path. A value kustomize would look for
// elsewhere (a URL, a git repository, a path above the root) is not local.
func local(tree fs.FS, dir, v string) (fs.FileInfo, bool) {
	if remoteRE.MatchString(v) {
		return nil, false
	}
	if info, err := fs.Stat(tree, path.Join(dir, v)); err == nil {
		return info, true
	}
	if _, p, ok := strings.Cut(v, "="); ok && !remoteRE.MatchString(p) {
		if info, err := fs.Stat(tree, path.Join(dir, p)); err == nil {
			return info, true
		}
	}
	return nil, false
}

// fileValues returns the scalar values of a kustomization that kustomize
// loads from a path.
func fileValues(top *yaml.Node) []*yaml.Node {
	var out []*yaml.Node
	scalars := func(n *yaml.Node) {
		if n == nil {
			return
		}
		if n.Kind == yaml.ScalarNode {
			out = append(out, n)
			return
		}
		for _, c := range n.Content {
			if c.Kind == yaml.ScalarNode {
				out = append(out, c)
			}
		}
	}
	for _, k := range pathLists {
		v, _ := field(top, k)
		scalars(v)
	}
	for _, k := range entryPaths {
		list, _ := field(top, k)
		for _, e := range contentOf(list) {
			v, _ := field(e, "path")
			scalars(v)
		}
	}
	for _, k := range generators {
		list, _ := field(top, k)
		for _, e := range contentOf(list) {
			for _, f := range []string{"files", "envs", "env"} {
				v, _ := field(e, f)
				scalars(v)
			}
		}
	}
	if o, ok := field(top, "openapi"); ok {
		v, _ := field(o, "path")
		scalars(v)
	}
	return out
}

func contentOf(n *yaml.Node) []*yaml.Node {
	if n == nil || n.Kind != yaml.SequenceNode {
		return nil
	}
	return n.Content
}

// refuseRemote is the build rule's guard: an error naming the first value
// that points outside the repository, with its file and line.
func refuseRemote(tree fs.FS, dir string) (string, int, error) {
	refs := remoteRefs(tree, dir)
	if len(refs) == 0 {
		return "", 0, nil
	}
	r := refs[0]
	return r.file, r.line, fmt.Errorf("%s:%d: %q is not in the repository, and Stagehand fetches nothing from elsewhere", r.file, r.line, r.value)
}
