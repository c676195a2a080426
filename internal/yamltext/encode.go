package yamltext

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"sigs.k8s.io/kustomize/kyaml/yaml"
	sigsyaml "sigs.k8s.io/yaml"
)

// CheckValue refuses values no single-line scalar can hold: a value with
// control characters or line breaks would not read back the way it was
// meant. field names the value in the error.
func CheckValue(field, v string) error {
	if !utf8.ValidString(v) {
		return fmt.Errorf("%s %q is not valid UTF-8", field, v)
	}
	for _, r := range v {
		if r < 0x20 || r == 0x7f || r == 0x85 || r == 0x2028 || r == 0x2029 || r == utf8.RuneError {
			return fmt.Errorf("%s %q holds a control character", field, v)
		}
	}
	return nil
}

// EncodeScalar writes v as a YAML scalar in the given style. A plain scalar
// stays plain only when both YAML readers involved, kyaml (YAML 1.2) and
// the sigs.k8s.io/yaml reader kustomize and Helm decode files with
// (YAML 1.1), read it back as the same string; `1.20`, `yes` or `0x1F`
// become double-quoted, as kustomize itself writes them. A quoted
// value keeps its quote character. flow tells whether the value stands in
// a flow collection, where `,[]{}` end a plain scalar.
func EncodeScalar(v string, style yaml.Style, flow bool) string {
	switch {
	case style&yaml.SingleQuotedStyle != 0:
		return "'" + strings.ReplaceAll(v, "'", "''") + "'"
	case style&yaml.DoubleQuotedStyle != 0:
		return strconv.Quote(v)
	case PlainSafe(v, flow):
		return v
	default:
		return strconv.Quote(v)
	}
}

// PlainSafe reports whether v can be written as a plain scalar.
func PlainSafe(v string, flow bool) bool {
	if v == "" {
		return false
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case strings.IndexByte("._/-+@:=", c) >= 0:
		default:
			return false
		}
	}
	if strings.IndexByte(":@", v[0]) >= 0 || strings.HasSuffix(v, ":") {
		return false
	}
	if plainWord(v, flow) {
		return true
	}
	doc := "k: " + v
	if flow {
		doc = "{k: " + v + "}"
	}
	var m map[string]any
	if err := yaml.Unmarshal([]byte(doc), &m); err != nil {
		return false
	}
	if s, ok := m["k"].(string); !ok || s != v {
		return false
	}
	j, err := sigsyaml.YAMLToJSON([]byte(doc))
	if err != nil {
		return false
	}
	var jm map[string]any
	if err := json.Unmarshal(j, &jm); err != nil {
		return false
	}
	s, ok := jm["k"].(string)
	return ok && s == v
}

// plainWord is the fast path of PlainSafe: a value that starts with a
// letter is no number, date or timestamp in either YAML version, so only
// the words YAML 1.1 reads as booleans or null need quotes.
func plainWord(v string, flow bool) bool {
	c := v[0]
	if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') || (flow && strings.IndexByte(v, ':') >= 0) {
		return false
	}
	switch strings.ToLower(v) {
	case "y", "n", "yes", "no", "on", "off", "true", "false", "null":
		return false
	}
	return true
}
