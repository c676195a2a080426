// Package helmrelease reads and edits the image in the Helm values a GitOps
// controller's object carries, byte-exactly: a Flux HelmRelease's
// spec.values, and an Argo CD Application's spec.source.helm.valuesObject
// and spec.source.helm.parameters (also in each of spec.sources). The image
// is found by the same paths as in a values file (internal/helmvalues).
package helmrelease

import (
	"fmt"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/stagehand-gitops/stagehand/internal/helmvalues"
	"github.com/stagehand-gitops/stagehand/internal/source"
)

// Root is the Helm values of one object of a file.
type Root struct {
	// Kind and Name are the object's kind (HelmRelease or Application)
	// and metadata.name.
	Kind, Name string
	// Values is the values mapping (spec.values, helm.valuesObject); nil
	// when the object has none.
	Values *yaml.Node
	// Prefix is the path of Values in the object, for messages.
	Prefix string
	// Params is an Application's helm.parameters list; nil otherwise.
	Params *yaml.Node
}

// Roots returns the Helm values of the file's HelmReleases and
// Applications named name (every one when name is "").
func Roots(docs []*yaml.Node, name string) []Root {
	var out []Root
	objects(docs, name, func(kind, objName string, spec *yaml.Node) {
		if kind == "HelmRelease" {
			out = append(out, Root{Kind: kind, Name: objName, Values: source.Get(spec, "values"), Prefix: "spec.values."})
		} else {
			out = append(out, appRoots(objName, spec)...)
		}
	})
	return out
}

// objects calls each with the kind (HelmRelease or Application), name
// and spec of each Flux HelmRelease and Argo CD Application named name
// (every one when name is "") in docs.
func objects(docs []*yaml.Node, name string, each func(kind, name string, spec *yaml.Node)) {
	for _, d := range docs {
		if d == nil || d.Kind != yaml.MappingNode {
			continue
		}
		kind, api, objName := source.Text(d, "kind"), source.Text(d, "apiVersion"), source.Text(source.Get(d, "metadata"), "name")
		if name != "" && objName != name {
			continue
		}
		if kind == "HelmRelease" && strings.HasPrefix(api, "helm.toolkit.fluxcd.io/") ||
			kind == "Application" && strings.HasPrefix(api, "argoproj.io/") {
			each(kind, objName, source.Get(d, "spec"))
		}
	}
}

// appRoots returns the Helm values of an Application's source or sources.
func appRoots(name string, spec *yaml.Node) []Root {
	var out []Root
	add := func(src *yaml.Node, prefix string) {
		helm := source.Get(src, "helm")
		if helm == nil {
			return
		}
		out = append(out, Root{Kind: "Application", Name: name, Values: source.Get(helm, "valuesObject"), Prefix: prefix + "helm.valuesObject.", Params: source.Get(helm, "parameters")})
	}
	add(source.Get(spec, "source"), "spec.source.")
	if srcs := source.Get(spec, "sources"); srcs != nil && srcs.Kind == yaml.SequenceNode {
		for i, s := range srcs.Content {
			add(s, fmt.Sprintf("spec.sources[%d].", i))
		}
	}
	return out
}

// Lookup finds a path among the root's parameters (Argo CD lets them
// override valuesObject, so a path named there is edited there) and then
// in its values.
func (r Root) Lookup(path string, part source.Part) (source.Field, error) {
	if f, ok := r.param(path, part); ok {
		return f, nil
	}
	if r.Values == nil {
		return source.Field{}, fmt.Errorf("%s %s: no values holding %s: %w", r.Kind, r.Name, path, source.ErrNotFound)
	}
	f, err := source.Lookup(r.Values, r.Prefix, path, part)
	if err != nil {
		return source.Field{}, fmt.Errorf("%w, in %s %s", err, r.Kind, r.Name)
	}
	return f, nil
}

// param returns the value of the parameter named path.
func (r Root) param(path string, part source.Part) (source.Field, bool) {
	if r.Params == nil || r.Params.Kind != yaml.SequenceNode {
		return source.Field{}, false
	}
	for i, p := range r.Params.Content {
		if p.Kind != yaml.MappingNode || source.Text(p, "name") != path {
			continue
		}
		for j := 0; j+1 < len(p.Content); j += 2 {
			if p.Content[j].Value == "value" {
				prefix := strings.TrimSuffix(r.Prefix, "valuesObject.")
				return source.Field{Part: part, Path: fmt.Sprintf("%sparameters[%d].value", prefix, i), Key: p.Content[j], Value: p.Content[j+1], Flow: p.Style&yaml.FlowStyle != 0}, true
			}
		}
	}
	return source.Field{}, false
}

// Infer returns the paths of the root's values and parameters that write
// repository: those helmvalues.Infer finds in its values, and each pair of
// parameters PREFIX.repository (holding repository) and PREFIX.tag.
func (r Root) Infer(repository string) []helmvalues.Paths {
	out := helmvalues.Infer(r.Values, repository)
	if r.Params == nil {
		return out
	}
	names := map[string]string{}
	for _, p := range r.Params.Content {
		names[source.Text(p, "name")] = source.Text(p, "value")
	}
	for _, p := range r.Params.Content {
		name := source.Text(p, "name")
		prefix, ok := strings.CutSuffix(name, ".repository")
		if _, tagged := names[prefix+".tag"]; ok && tagged && names[name] == repository {
			out = append(out, helmvalues.Paths{Repository: name, Tag: prefix + ".tag"})
		}
	}
	return out
}

// Editor edits the images at Paths in the Helm values of the HelmReleases
// and Applications named Name (every one when Name is "") in the file
// File (its name is for messages and locations only). Without Paths it
// uses helmvalues.DefaultPaths.
type Editor struct {
	File  string
	Name  string
	Paths []helmvalues.Paths
}

var _ source.Editor = Editor{}

// Read returns the image at each path of each object.
func (e Editor) Read(data []byte) ([]source.Image, error) {
	return source.Read(e.File, data, e.locate)
}

// Set writes w at each path of each object.
func (e Editor) Set(data []byte, w source.Want) ([]byte, bool, error) {
	return source.Set(e.File, data, e.locate, w)
}

func (e Editor) locate(docs []*yaml.Node) ([]source.Group, error) {
	paths := e.Paths
	if len(paths) == 0 {
		paths = []helmvalues.Paths{helmvalues.DefaultPaths}
	}
	roots := Roots(docs, e.Name)
	if len(roots) == 0 {
		what := "no HelmRelease or Application with Helm values"
		if e.Name != "" {
			what += " named " + e.Name
		}
		return nil, fmt.Errorf("%s: %w", what, source.ErrNotFound)
	}
	var out []source.Group
	for _, r := range roots {
		g, err := helmvalues.Groups(r.Lookup, paths)
		if err != nil {
			return nil, err
		}
		out = append(out, g...)
	}
	return out, nil
}
