// Package manifest reads and edits the image of a plain Kubernetes
// manifest, byte-exactly: the `image: repository:tag@digest` of the
// containers, init containers and ephemeral containers of any PodSpec
// holder (a Pod, a Deployment, StatefulSet, DaemonSet, ReplicaSet or Job
// and anything else with spec.template.spec, a CronJob), in every document
// of the file.
package manifest

import (
	"fmt"

	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/stagehand-gitops/stagehand/internal/source"
)

// Editor edits the images of repository Repository in the file File (its
// name is for messages and locations only); when Container is set, only
// in the containers of that name.
type Editor struct {
	File       string
	Repository string
	Container  string
}

var _ source.Editor = Editor{}

// Read returns the image of each matching container, in file order.
func (e Editor) Read(data []byte) ([]source.Image, error) {
	return source.Read(e.File, data, e.locate)
}

// Set writes w into the image of each matching container. It cannot move
// the containers to another repository, since the repository is what finds
// them: a Flux setter comment can (internal/setter).
func (e Editor) Set(data []byte, w source.Want) ([]byte, bool, error) {
	if w.Repository != nil && *w.Repository != e.Repository {
		return nil, false, fmt.Errorf("%s: containers are found by their repository %s, which an edit cannot change to %q: %w", e.File, e.Repository, *w.Repository, source.ErrInvalidEdit)
	}
	return source.Set(e.File, data, e.locate, w)
}

func (e Editor) locate(docs []*yaml.Node) ([]source.Group, error) {
	var out []source.Group
	specs := 0
	for _, d := range docs {
		for _, ps := range PodSpecs(d) {
			specs++
			out = append(out, e.containers(ps)...)
		}
	}
	if len(out) == 0 {
		what := "no container with image " + e.Repository
		if e.Container != "" {
			what = fmt.Sprintf("no container %s with image %s", e.Container, e.Repository)
		}
		return nil, fmt.Errorf("%s in %d pod specs: %w", what, specs, source.ErrNotFound)
	}
	return out, nil
}

// containers returns a group for each matching container of a pod spec.
func (e Editor) containers(ps PodSpec) []source.Group {
	var out []source.Group
	for _, list := range []string{"initContainers", "containers", "ephemeralContainers"} {
		seq := source.Get(ps.Spec, list)
		if seq == nil || seq.Kind != yaml.SequenceNode {
			continue
		}
		for i, c := range seq.Content {
			if e.Container != "" && source.Text(c, "name") != e.Container {
				continue
			}
			f, err := source.Lookup(c, fmt.Sprintf("%s %s: %s%s[%d].", ps.Kind, ps.Name, ps.Prefix, list, i), "image", source.Full)
			if err != nil {
				continue
			}
			if ref, err := source.ParseRef(f.Value.Value); err == nil && ref.Repository == e.Repository {
				out = append(out, source.Group{f})
			}
		}
	}
	return out
}

// PodSpec is one pod spec of a manifest.
type PodSpec struct {
	// Kind and Name are the holding object's kind and metadata.name.
	Kind, Name string
	// Spec is the pod spec mapping, at path Prefix in the object.
	Spec   *yaml.Node
	Prefix string
}

// PodSpecs returns the pod specs of one document: a Pod's spec, a
// CronJob's job template's pod template, or any object's
// spec.template.spec.
func PodSpecs(doc *yaml.Node) []PodSpec {
	if doc == nil || doc.Kind != yaml.MappingNode {
		return nil
	}
	kind, name := source.Text(doc, "kind"), source.Text(source.Get(doc, "metadata"), "name")
	spec := source.Get(doc, "spec")
	var ps *yaml.Node
	var prefix string
	switch kind {
	case "Pod":
		ps, prefix = spec, "spec."
	case "CronJob":
		ps, prefix = source.Get(source.Get(source.Get(source.Get(spec, "jobTemplate"), "spec"), "template"), "spec"), "spec.jobTemplate.spec.template.spec."
	default:
		ps, prefix = source.Get(source.Get(spec, "template"), "spec"), "spec.template.spec."
	}
	if ps == nil || ps.Kind != yaml.MappingNode {
		return nil
	}
	return []PodSpec{{Kind: kind, Name: name, Spec: ps, Prefix: prefix}}
}
