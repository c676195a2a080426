package checks

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Secret is a plain-text Kubernetes Secret found in a file: a document of
// kind Secret with data or stringData and no sops: key, or a kustomization
// secretGenerator with literals.
type Secret struct {
	// Line is where the secret material starts (the data, stringData or
	// literals key).
	Line int
	// Name is the Secret's metadata.name or the generator's name.
	Name string
	// Field is "data", "stringData" or "secretGenerator literals".
	Field string
	// fingerprint identifies the material, so an unchanged Secret in a
	// changed file is not reported.
	fingerprint string
}

// PlainSecrets returns the plain-text Secrets in a YAML (or JSON) file,
// in file order. SealedSecret, ExternalSecret and SOPS-encrypted documents
// (those with a top-level sops: key) are not plain text. The error is for
// a file that does not parse; the documents before the bad one are still
// reported.
func PlainSecrets(data []byte) ([]Secret, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var out []Secret
	for i := 0; ; i++ {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return out, fmt.Errorf("document %d: %w", i+1, err)
		}
		if len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
			continue
		}
		out = append(out, docSecrets(doc.Content[0])...)
	}
}

func docSecrets(top *yaml.Node) []Secret {
	if _, ok := field(top, "sops"); ok {
		return nil
	}
	kind, _ := field(top, "kind")
	if kind != nil && kind.Kind == yaml.ScalarNode && kind.Value == "Secret" {
		return plainSecret(top)
	}
	if gen, ok := field(top, "secretGenerator"); ok && gen.Kind == yaml.SequenceNode {
		return generatorLiterals(gen)
	}
	return nil
}

func plainSecret(top *yaml.Node) []Secret {
	name := ""
	if meta, ok := field(top, "metadata"); ok {
		if n, ok := field(meta, "name"); ok {
			name = n.Value
		}
	}
	var out []Secret
	for _, key := range []string{"data", "stringData"} {
		k, v := keyValue(top, key)
		if v == nil || !hasContent(v) {
			continue
		}
		out = append(out, Secret{Line: k.Line, Name: name, Field: key, fingerprint: name + "\x00" + key + "\x00" + encode(v)})
	}
	return out
}

func generatorLiterals(gen *yaml.Node) []Secret {
	var out []Secret
	for _, entry := range gen.Content {
		if entry.Kind != yaml.MappingNode {
			continue
		}
		k, v := keyValue(entry, "literals")
		if v == nil || !hasContent(v) {
			continue
		}
		name := ""
		if n, ok := field(entry, "name"); ok {
			name = n.Value
		}
		out = append(out, Secret{Line: k.Line, Name: name, Field: "secretGenerator literals", fingerprint: name + "\x00literals\x00" + encode(v)})
	}
	return out
}

// hasContent reports whether a data-like node holds anything.
func hasContent(n *yaml.Node) bool {
	for i := 0; n.Kind == yaml.AliasNode && n.Alias != nil && i < 64; i++ {
		n = n.Alias
	}
	switch n.Kind {
	case yaml.MappingNode, yaml.SequenceNode:
		return len(n.Content) > 0
	case yaml.ScalarNode:
		return n.Tag != "!!null" && n.Value != ""
	}
	return false
}

func field(m *yaml.Node, key string) (*yaml.Node, bool) {
	_, v := keyValue(m, key)
	return v, v != nil
}

// keyValue finds key in mapping m; the last occurrence wins, as in
// Kubernetes' decoding.
func keyValue(m *yaml.Node, key string) (*yaml.Node, *yaml.Node) {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil, nil
	}
	var k, v *yaml.Node
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			k, v = m.Content[i], m.Content[i+1]
		}
	}
	return k, v
}

// encode renders a node canonically enough to compare two versions of
// the same Secret: scalars by value, in document order.
func encode(n *yaml.Node) string {
	var b strings.Builder
	budget := 100000 // aliases may expand exponentially ("billion laughs")
	var walk func(*yaml.Node, int)
	walk = func(n *yaml.Node, depth int) {
		if n == nil || depth > 64 || budget == 0 {
			return
		}
		budget--
		if n.Kind == yaml.AliasNode {
			walk(n.Alias, depth+1)
			return
		}
		b.WriteString(n.Value)
		b.WriteByte(0)
		for _, c := range n.Content {
			walk(c, depth+1)
		}
	}
	walk(n, 0)
	return b.String()
}

// newSecrets returns the secrets of head that base does not hold already.
func newSecrets(base, head []Secret) []Secret {
	seen := map[string]bool{}
	for _, s := range base {
		seen[s.fingerprint] = true
	}
	var out []Secret
	for _, s := range head {
		if !seen[s.fingerprint] {
			out = append(out, s)
		}
	}
	return out
}
