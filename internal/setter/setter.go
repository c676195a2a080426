// Package setter reads and edits the values Flux's image automation marks
// with setter comments, byte-exactly, so that a repository moving from
// Flux keeps its markers:
//
//	image: ghcr.io/acme/web:1.4.2 # {"$imagepolicy": "flux-system:web"}
//	tag: 1.4.2 # {"$imagepolicy": "flux-system:web:tag"}
//	repository: ghcr.io/acme/web # {"$imagepolicy": "flux-system:web:name"}
//	digest: sha256:… # {"$imagepolicy": "flux-system:web:digest"}
//
// The comment names which part the value holds. Markers may stand in any
// file kind (a manifest, a values file, a HelmRelease) and any document.
package setter

import (
	"encoding/json"
	"fmt"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/stagehand-gitops/stagehand/internal/source"
)

// Editor edits the values marked for the image policy Policy
// (`namespace:name`) in the file File (its name is for messages and
// locations only).
type Editor struct {
	File   string
	Policy string
}

var _ source.Editor = Editor{}

// Read returns one image for each full-reference marker, and one for each
// mapping whose values carry the name, tag or digest markers.
func (e Editor) Read(data []byte) ([]source.Image, error) {
	return source.Read(e.File, data, e.locate)
}

// Set writes w into every marked value.
func (e Editor) Set(data []byte, w source.Want) ([]byte, bool, error) {
	return source.Set(e.File, data, e.locate, w)
}

// Marker parses a setter comment; ok is false for any other comment.
func Marker(comment string) (policy string, part source.Part, ok bool) {
	c := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(comment), "#"))
	if !strings.HasPrefix(c, "{") {
		return "", 0, false
	}
	var m map[string]string
	if json.Unmarshal([]byte(c), &m) != nil || m["$imagepolicy"] == "" {
		return "", 0, false
	}
	v := m["$imagepolicy"]
	ns, rest, _ := strings.Cut(v, ":")
	name, suffix, _ := strings.Cut(rest, ":")
	parts := map[string]source.Part{"": source.Full, "tag": source.Tag, "name": source.Repository, "digest": source.Digest}
	part, known := parts[suffix]
	if ns == "" || name == "" || !known {
		return "", 0, false
	}
	return ns + ":" + name, part, true
}

func (e Editor) locate(docs []*yaml.Node) ([]source.Group, error) {
	var out []source.Group
	parts := map[*yaml.Node]int{} // mapping -> index in out of its part markers
	var walk func(parent, key, n *yaml.Node, path string)
	walk = func(parent, key, n *yaml.Node, path string) {
		switch n.Kind {
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				walk(n, n.Content[i], n.Content[i+1], join(path, n.Content[i].Value))
			}
		case yaml.SequenceNode:
			for i, c := range n.Content {
				walk(n, nil, c, fmt.Sprintf("%s[%d]", path, i))
			}
		case yaml.ScalarNode:
			policy, part, ok := Marker(n.LineComment)
			if !ok || policy != e.Policy {
				return
			}
			f := source.Field{Part: part, Path: path, Key: key, Value: n, Flow: parent.Style&yaml.FlowStyle != 0}
			if i, seen := parts[parent]; seen && part != source.Full {
				out[i] = append(out[i], f)
				return
			}
			if part != source.Full {
				parts[parent] = len(out)
			}
			out = append(out, source.Group{f})
		}
	}
	for i, d := range docs {
		if d != nil {
			walk(&yaml.Node{}, nil, d, fmt.Sprintf("document %d: ", i+1))
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no setter comment for the image policy %s: %w", e.Policy, source.ErrNotFound)
	}
	return out, nil
}

func join(path, key string) string {
	if strings.HasSuffix(path, ": ") {
		return path + key
	}
	return path + "." + key
}
