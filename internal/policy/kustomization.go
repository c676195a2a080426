package policy

import (
	"slices"
	"sync"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// imageEntry is the part of a kustomization images[] entry discovery needs.
type imageEntry struct{ name, newName string }

// kustomizations memoizes what kustomizationImages read from a file that
// parsed: one check discovers the apps of the base, the head and the
// commits of their history, trees that share nearly every kustomization,
// and parsing them was most of its time. It is cleared when the files it
// holds reach maxKustomizationBytes.
var kustomizations struct {
	sync.Mutex
	m     map[[2]string][]imageEntry
	bytes int
}

const maxKustomizationBytes = 4 << 20

// kustomizationImages reads the names in a kustomization's images: list.
// It is deliberately minimal: editing overlays is another package's job.
// A file without images: yields none and no error.
func kustomizationImages(file string, data []byte) ([]imageEntry, error) {
	key := [2]string{file, string(data)}
	kustomizations.Lock()
	entries, ok := kustomizations.m[key]
	kustomizations.Unlock()
	if ok {
		return slices.Clone(entries), nil
	}
	entries, err := parseKustomizationImages(file, data)
	if err != nil {
		return entries, err
	}
	kustomizations.Lock()
	if kustomizations.m == nil || kustomizations.bytes+len(file)+len(data) > maxKustomizationBytes {
		kustomizations.m, kustomizations.bytes = map[[2]string][]imageEntry{}, 0
	}
	if _, dup := kustomizations.m[key]; !dup {
		kustomizations.bytes += len(file) + len(data)
	}
	kustomizations.m[key] = slices.Clone(entries)
	kustomizations.Unlock()
	return entries, nil
}

func parseKustomizationImages(file string, data []byte) ([]imageEntry, error) {
	d := &decoder{file: file}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		d.syntax(err)
		return nil, d.errs.Err()
	}
	root := &doc
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		root = root.Content[0]
	}
	root = d.deref(root)
	if root == nil || root.Kind != yaml.MappingNode {
		return nil, nil
	}
	var list *yaml.Node
	for _, pr := range d.pairs(root, "kustomization") {
		if pr.key.Value == "images" {
			list = d.deref(pr.val)
		}
	}
	if list == nil || isNull(list) {
		return nil, d.errs.Err()
	}
	if list.Kind != yaml.SequenceNode {
		d.errorf(list, "images: want a list, got %s", describe(list))
		return nil, d.errs.Err()
	}
	var out []imageEntry
	for _, it := range list.Content {
		it = d.deref(it)
		if it == nil || it.Kind != yaml.MappingNode {
			if it != nil {
				d.errorf(it, "images: want a mapping with name:, got %s", describe(it))
			}
			continue
		}
		var e imageEntry
		for _, pr := range d.pairs(it, "images entry") {
			v := d.deref(pr.val)
			if v == nil || v.Kind != yaml.ScalarNode {
				continue
			}
			switch pr.key.Value {
			case "name":
				e.name = v.Value
			case "newName":
				e.newName = v.Value
			}
		}
		if e.name == "" {
			d.errorf(it, "images: this entry has no name")
			continue
		}
		out = append(out, e)
	}
	return out, d.errs.Err()
}
