package source

import (
	"fmt"
	"strconv"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// step is one step of a values path: a mapping key, or a sequence index
// when key is "".
type step struct {
	key   string
	index int
}

// parsePath splits `api.image.tag` or `containers[0].image` into steps.
// Keys are separated by dots; a key holding a dot cannot be named.
func parsePath(p string) ([]step, error) {
	if p == "" {
		return nil, fmt.Errorf("empty path: %w", ErrInvalidEdit)
	}
	var steps []step
	for _, part := range strings.Split(p, ".") {
		key, rest, _ := strings.Cut(part, "[")
		if key == "" && len(steps) == 0 || key == "" && rest == "" {
			return nil, fmt.Errorf("path %q: empty key: %w", p, ErrInvalidEdit)
		}
		if key != "" {
			steps = append(steps, step{key: key})
		}
		for rest != "" {
			num, after, ok := strings.Cut(rest, "]")
			i, err := strconv.Atoi(num)
			if !ok || err != nil || i < 0 || after != "" && after[0] != '[' {
				return nil, fmt.Errorf("path %q: bad index in %q: %w", p, part, ErrInvalidEdit)
			}
			steps = append(steps, step{index: i})
			rest = strings.TrimPrefix(after, "[")
		}
	}
	return steps, nil
}

// Lookup finds the scalar at path below root, following aliases (a field
// reached through one can be read but not edited). prefix is put before
// path in the field's Path. A missing key is an error wrapping ErrNotFound.
func Lookup(root *yaml.Node, prefix, path string, part Part) (Field, error) {
	steps, err := parsePath(path)
	if err != nil {
		return Field{}, err
	}
	f := Field{Part: part, Path: prefix + path}
	n := root
	for _, s := range steps {
		if n == nil {
			return Field{}, fmt.Errorf("%s: %w", f.Path, ErrNotFound)
		}
		if n.Kind == yaml.AliasNode {
			f.Alias, n = n, n.Alias
		}
		f.Flow = n.Style&yaml.FlowStyle != 0
		var via *yaml.Node
		f.Key, n, via, err = child(n, s)
		if via != nil {
			f.Alias = via
		}
		if err != nil {
			return Field{}, fmt.Errorf("%w, looking for %s", err, f.Path)
		}
	}
	if n.Kind == yaml.AliasNode {
		f.Alias, n = n, n.Alias
	}
	if n.Kind != yaml.ScalarNode {
		return Field{}, fmt.Errorf("line %d: %s is not a string: %w", n.Line, f.Path, ErrInvalid)
	}
	f.Value = n
	return f, nil
}

// child returns the key and value one step below n. A key found only in
// a mapping merged in with `<<: *anchor` comes with that alias.
func child(n *yaml.Node, s step) (key, val, via *yaml.Node, err error) {
	if s.key == "" {
		if n.Kind != yaml.SequenceNode {
			return nil, nil, nil, fmt.Errorf("line %d: not a list: %w", n.Line, ErrNotFound)
		}
		if s.index >= len(n.Content) {
			return nil, nil, nil, fmt.Errorf("line %d: the list has %d items, no [%d]: %w", n.Line, len(n.Content), s.index, ErrNotFound)
		}
		return nil, n.Content[s.index], nil, nil
	}
	if n.Kind != yaml.MappingNode {
		return nil, nil, nil, fmt.Errorf("line %d: not a mapping: %w", n.Line, ErrNotFound)
	}
	var merged []*yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		switch k, v := n.Content[i], n.Content[i+1]; {
		case k.Value == s.key:
			return k, v, nil, nil
		case k.Value == "<<" && v.Kind == yaml.AliasNode:
			merged = append(merged, v)
		case k.Value == "<<" && v.Kind == yaml.SequenceNode:
			merged = append(merged, v.Content...)
		}
	}
	for _, a := range merged {
		if a.Kind != yaml.AliasNode || a.Alias == nil {
			continue
		}
		if k, v, _, err := child(a.Alias, s); err == nil {
			return k, v, a, nil
		}
	}
	return nil, nil, nil, fmt.Errorf("line %d: no key %q: %w", n.Line, s.key, ErrNotFound)
}

// Get returns the value of key in mapping m, or nil when m is no mapping
// or has no such key.
func Get(m *yaml.Node, key string) *yaml.Node {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

// Text returns the string value of key in mapping m, or "".
func Text(m *yaml.Node, key string) string {
	if v := Get(m, key); v != nil && v.Kind == yaml.ScalarNode {
		return v.Value
	}
	return ""
}
