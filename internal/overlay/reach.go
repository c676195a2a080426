package overlay

import (
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing/fstest"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Kustomization fields whose values kustomize loads as files, directories
// or URLs. A value that is not in the repository would make kustomize
// fetch it over the network or run git, on behalf of whoever wrote the
// pull request; the build rule refuses it instead.
var (
	pathLists  = []string{"resources", "components", "bases", "crds", "patchesStrategicMerge", "generators", "transformers", "validators", "configurations"}
	entryPaths = []string{"patches", "patchesJson6902", "replacements"}
	generators = []string{"configMapGenerator", "secretGenerator"}
	remoteRE   = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`^([a-zA-Z][a-zA-Z0-9+.-]*://|git@|git::|(github\.com|gitlab\.com|bitbucket\.org)/)`)
	})
	maxOverlays = 1000
)

// RemoteError reports a kustomization value that kustomize would look for
// outside the repository: a URL, a git repository or a path above the
// root. Render refuses to build such an overlay rather than fetch it.
type RemoteError struct {
	File  string // the kustomization that names it
	Line  int
	Value string
}

// Error implements error.
func (e *RemoteError) Error() string {
	return fmt.Sprintf("%s:%d: %q is not in the repository, and Stagehand fetches nothing from elsewhere", e.File, e.Line, e.Value)
}

// reach is what kustomize would read to build an overlay: the
// directories of the kustomizations reachable from it (each with its whole
// subtree), the files they name, and the values it would look for outside
// the repository.
type reach struct {
	dirs, files []string
	remote      []RemoteError
}

// reachable walks the kustomizations reachable from dir, through the
// directories their resources, components and bases name.
func reachable(tree fs.FS, dir string) reach {
	var r reach
	seen := map[string]bool{}
	queue := []string{dir}
	for len(queue) > 0 && len(seen) < maxOverlays {
		d := queue[0]
		queue = queue[1:]
		if seen[d] {
			continue
		}
		seen[d] = true
		r.dirs = append(r.dirs, d)
		file, err := FileIn(tree, d)
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
			p, info, ok := local(tree, d, v.Value)
			switch {
			case !ok:
				r.remote = append(r.remote, RemoteError{File: file, Value: v.Value, Line: v.Line})
			case info.IsDir():
				queue = append(queue, p)
			default:
				r.files = append(r.files, p)
			}
		}
	}
	return r
}

// copyTree copies what r names from tree into memory, so that kustomize
// reads only those files (a snapshot of a large repository then fetches
// only them).
func (r reach) copyTree(tree fs.FS) (fstest.MapFS, error) {
	mem := fstest.MapFS{}
	add := func(p string) error {
		data, err := fs.ReadFile(tree, p)
		if err != nil {
			return err
		}
		mem[p] = &fstest.MapFile{Data: data, Mode: 0o644}
		return nil
	}
	for _, d := range r.dirs {
		err := fs.WalkDir(tree, d, func(p string, e fs.DirEntry, err error) error {
			if err != nil || !e.Type().IsRegular() {
				return err
			}
			return add(p)
		})
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", d, err)
		}
	}
	for _, f := range r.files {
		if err := add(f); err != nil {
			return nil, fmt.Errorf("read %s: %w", f, err)
		}
	}
	return mem, nil
}

// local finds a path value in the tree, relative to dir, and returns the
// path it names; generator sources may be written key=path. A value
// kustomize would look for elsewhere (a URL, a git repository, a path
// above the root) is not local.
func local(tree fs.FS, dir, v string) (string, fs.FileInfo, bool) {
	if remoteRE().MatchString(v) {
		return "", nil, false
	}
	if p := path.Join(dir, v); fs.ValidPath(p) {
		if info, err := fs.Stat(tree, p); err == nil {
			return p, info, true
		}
	}
	if _, after, ok := strings.Cut(v, "="); ok && !remoteRE().MatchString(after) {
		if p := path.Join(dir, after); fs.ValidPath(p) {
			if info, err := fs.Stat(tree, p); err == nil {
				return p, info, true
			}
		}
	}
	return "", nil, false
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

// field returns the value of key in mapping m; the last occurrence wins,
// as in Kubernetes' decoding.
func field(m *yaml.Node, key string) (*yaml.Node, bool) {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil, false
	}
	var v *yaml.Node
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			v = m.Content[i+1]
		}
	}
	return v, v != nil
}

// Reads lists what kustomize reads to build the overlay in dir: the
// kustomization file of every directory it reaches (the overlay, a shared
// base, components) and every file those name (resources, patches,
// generator sources), sorted. A change to any of them changes what the
// overlay deploys. Values that are not in the tree are left out: Render
// refuses them.
func Reads(tree fs.FS, dir string) []string {
	r := reachable(tree, dir)
	out := slices.Clone(r.files)
	for _, d := range r.dirs {
		if file, err := FileIn(tree, d); err == nil {
			out = append(out, file)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}
