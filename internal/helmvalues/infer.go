package helmvalues

import (
	"fmt"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/stagehand-gitops/stagehand/internal/source"
)

// Infer returns the paths below root that write repository: every mapping
// with `repository` and `tag` keys (and `registry` and `digest` beside them
// when present) whose registry/repository, or repository alone, is
// repository; and every string that is a reference to it
// (`image: ghcr.io/acme/web:1.4.2`). Keys holding '.', '[' or ']' cannot
// be written in a path and are not looked into.
func Infer(root *yaml.Node, repository string) []Paths {
	var out []Paths
	var walk func(n *yaml.Node, path string)
	walk = func(n *yaml.Node, path string) {
		switch n.Kind {
		case yaml.MappingNode:
			if p, ok := partsAt(n, path, repository); ok {
				out = append(out, p)
				return
			}
			for i := 0; i+1 < len(n.Content); i += 2 {
				k := n.Content[i].Value
				if k == "" || strings.ContainsAny(k, ".[]") || n.Content[i].Kind != yaml.ScalarNode {
					continue
				}
				walk(n.Content[i+1], join(path, k))
			}
		case yaml.SequenceNode:
			for i, c := range n.Content {
				walk(c, fmt.Sprintf("%s[%d]", path, i))
			}
		case yaml.ScalarNode:
			// A bare repository is no reference: its tag is elsewhere.
			ref, err := source.ParseRef(n.Value)
			if err == nil && path != "" && ref.Repository == repository && n.Tag == "!!str" && (ref.Tag != "" || ref.Digest != "") {
				out = append(out, Paths{Image: path})
			}
		}
	}
	if root != nil {
		walk(root, "")
	}
	return out
}

// partsAt reports the paths of a mapping that writes repository in parts.
func partsAt(m *yaml.Node, path, repository string) (Paths, bool) {
	vals := map[string]*yaml.Node{}
	for i := 0; i+1 < len(m.Content); i += 2 {
		v := m.Content[i+1]
		if v.Kind == yaml.AliasNode && v.Alias != nil {
			v = v.Alias // found, to be refused with a clear error if edited
		}
		if v.Kind == yaml.ScalarNode {
			vals[m.Content[i].Value] = v
		}
	}
	repo, tag := vals["repository"], vals["tag"]
	if repo == nil || tag == nil {
		return Paths{}, false
	}
	full := repo.Value
	p := Paths{Repository: join(path, "repository"), Tag: join(path, "tag")}
	if reg := vals["registry"]; reg != nil && reg.Value != "" && reg.Tag != "!!null" {
		full = reg.Value + "/" + repo.Value
		p.Registry = join(path, "registry")
	}
	if vals["digest"] != nil {
		p.Digest = join(path, "digest")
	}
	return p, full == repository || repo.Value == repository
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}
