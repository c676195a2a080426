package argoimport

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Application is what the translation needs of one Argo CD Application:
// where it is, which overlay directories it deploys, and its Image Updater
// annotations.
type Application struct {
	// Name is metadata.name.
	Name string
	// File and Line locate the document, for the report.
	File string
	Line int
	// Paths holds spec.source.path and every spec.sources[].path, in order.
	Paths []string
	// Annotations holds the Image Updater annotations (keys with Prefix),
	// sorted by key.
	Annotations []Annotation
}

// Annotation is one Image Updater annotation of an Application.
type Annotation struct {
	Key   string
	Value string
	Line  int
}

// ReadApplications reads the Argo CD Applications of one YAML file of one
// or more documents. Documents of any other kind, and empty ones, are
// skipped. file names the input in messages.
func ReadApplications(file string, data []byte) ([]Application, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var apps []Application
	for {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			return apps, nil
		}
		if err != nil {
			return apps, fmt.Errorf("%s: %w", file, err)
		}
		root := &doc
		if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
			root = root.Content[0]
		}
		if !isApplication(root) {
			continue
		}
		app, err := readApplication(file, root)
		if err != nil {
			return apps, err
		}
		apps = append(apps, app)
	}
}

func isApplication(root *yaml.Node) bool {
	kind, api := scalar(field(root, "kind")), scalar(field(root, "apiVersion"))
	return kind == "Application" && strings.HasPrefix(api, "argoproj.io/")
}

func readApplication(file string, root *yaml.Node) (Application, error) {
	meta := field(root, "metadata")
	app := Application{Name: scalar(field(meta, "name")), File: file, Line: root.Line}
	if app.Name == "" {
		return app, fmt.Errorf("%s:%d: Application without metadata.name", file, root.Line)
	}
	spec := field(root, "spec")
	if p := scalar(field(field(spec, "source"), "path")); p != "" {
		app.Paths = append(app.Paths, p)
	}
	if sources := field(spec, "sources"); sources != nil && sources.Kind == yaml.SequenceNode {
		for _, s := range sources.Content {
			if p := scalar(field(s, "path")); p != "" {
				app.Paths = append(app.Paths, p)
			}
		}
	}
	ann := field(meta, "annotations")
	if ann == nil || ann.Kind != yaml.MappingNode {
		return app, nil
	}
	for i := 0; i+1 < len(ann.Content); i += 2 {
		k, v := ann.Content[i], ann.Content[i+1]
		if !strings.HasPrefix(k.Value, Prefix) {
			continue
		}
		if v.Kind != yaml.ScalarNode {
			return app, fmt.Errorf("%s:%d: annotation %s: the value must be a string", file, v.Line, k.Value)
		}
		app.Annotations = append(app.Annotations, Annotation{Key: k.Value, Value: v.Value, Line: k.Line})
	}
	sort.SliceStable(app.Annotations, func(i, j int) bool { return app.Annotations[i].Key < app.Annotations[j].Key })
	return app, nil
}

// field returns the value of key in mapping n, or nil. Aliases are not
// followed: Argo CD manifests do not need them, and not following them
// keeps a hostile document from growing without bound.
func field(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

func scalar(n *yaml.Node) string {
	if n == nil || n.Kind != yaml.ScalarNode {
		return ""
	}
	return strings.TrimSpace(n.Value)
}
