package checks

import (
	"io/fs"
	"path"
	"strings"

	"sigs.k8s.io/yaml"

	"github.com/stagehand-gitops/stagehand/internal/overlay"
)

// maxReached bounds the kustomizations one overlay walk reads.
const maxReached = 1000

// reads is what kustomize reads, outside the overlay directories
// themselves, to build an environment's overlays: the kustomization files
// of the directories they reach (a shared base, components) and the files
// those name (resources, patches, generator sources). A change to any of
// them changes what the environment deploys, so it touches the
// environment: otherwise a pull request that edits a shared base would get
// a neutral stagehand/prod and pass a required check untested.
type reads map[string]bool

// add walks the kustomizations reachable from dir in tree. Values that
// are not in the tree (URLs, paths above the root) are the build rule's
// to refuse; here they are skipped.
func (r reads) add(tree fs.FS, dir string) {
	seen := map[string]bool{}
	queue := []string{dir}
	for len(queue) > 0 && len(seen) < maxReached {
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
		r[file] = true
		data, err := fs.ReadFile(tree, file)
		if err != nil {
			continue
		}
		var k map[string]any
		if yaml.Unmarshal(data, &k) != nil {
			continue
		}
		for _, v := range pathValues(k) {
			p, ok := inTree(tree, d, v)
			if !ok {
				continue
			}
			if info, err := fs.Stat(tree, p); err == nil && info.IsDir() {
				queue = append(queue, p)
			} else {
				r[p] = true
			}
		}
	}
}

// has reports whether kustomize reads file.
func (r reads) has(file string) bool { return r[file] }

// pathValues lists the values of a kustomization that name files or
// directories, as kustomize reads them.
func pathValues(k map[string]any) []string {
	var out []string
	strs := func(v any) {
		switch v := v.(type) {
		case string:
			out = append(out, v)
		case []any:
			for _, e := range v {
				if s, ok := e.(string); ok {
					out = append(out, s)
				}
			}
		}
	}
	for _, key := range []string{"resources", "components", "bases", "crds", "patchesStrategicMerge", "generators", "transformers", "validators", "configurations"} {
		strs(k[key])
	}
	entries := func(key string, fields ...string) {
		list, _ := k[key].([]any)
		for _, e := range list {
			if m, ok := e.(map[string]any); ok {
				for _, f := range fields {
					strs(m[f])
				}
			}
		}
	}
	entries("patches", "path")
	entries("patchesJson6902", "path")
	entries("replacements", "path")
	entries("configMapGenerator", "files", "envs", "env")
	entries("secretGenerator", "files", "envs", "env")
	if o, ok := k["openapi"].(map[string]any); ok {
		strs(o["path"])
	}
	return out
}

// inTree resolves a kustomization value against dir; generator sources
// may be written key=path.
func inTree(tree fs.FS, dir, v string) (string, bool) {
	if strings.Contains(v, "\n") {
		return "", false // an inline patch, not a path
	}
	for _, c := range []string{v, afterEquals(v)} {
		if c == "" {
			continue
		}
		if p := path.Join(dir, c); fs.ValidPath(p) {
			if _, err := fs.Stat(tree, p); err == nil {
				return p, true
			}
		}
	}
	return "", false
}

func afterEquals(v string) string {
	_, after, ok := strings.Cut(v, "=")
	if !ok {
		return ""
	}
	return after
}
