package policy

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// maxNodes bounds how many nodes the decoder visits, so that a document of
// nested aliases (a "billion laughs") cannot make it run for ever.
const maxNodes = 200_000

// fields lists the keys each kind of mapping accepts. It is the single
// source of truth for unknown-field errors and is checked against
// policies/schema.json by a test.
var fields = map[string][]string{
	"policy":      {"version", "overlays", "layout", "discover", "exclude", "environments", "defaults", "apps", "groups"},
	"environment": {"name", "dir", "promotion", "autoMerge", "prerelease", "soak", "requireHealthy", "promoters", "freeze", "carry", "constraint", "allowTags", "ignoreTags", "verify"},
	"override":    {"dir", "promotion", "autoMerge", "prerelease", "soak", "requireHealthy", "promoters", "freeze", "carry", "constraint", "allowTags", "ignoreTags"},
	"app":         {"image", "images", "poll", "environments", "values", "helmRelease", "manifest", "setter"},
	"layout":      {"values", "helmRelease", "manifest", "setter"},
	"values":      {"file", "image", "chart"},
	"helmRelease": {"file", "name", "image"},
	"manifest":    {"file", "container"},
	"setter":      {"file", "policy"},
	"imagePaths":  {"registry", "repository", "tag", "digest"},
	"image":       {"name", "strategy", "constraint", "allowTags", "ignoreTags", "extract", "pinDigest", "verify", "poll"},
	"defaults":    {"strategy", "constraint", "allowTags", "ignoreTags", "extract", "pinDigest", "poll"},
	"freeze":      {"from", "to", "cron", "duration", "timezone"},
	"verify":      {"key", "identity", "identityRegexp", "issuer", "issuerRegexp", "attestations"},
	"group":       {"apps", "envs"},
}

// notHere explains, by "kind.key", a field people look for where it is
// not, and where it belongs instead.
var notHere = map[string]string{
	// A list on the group could let someone move an app past its own
	// promoters: who may move the group is whoever may move every member.
	"group.promoters": "a group has no promoters of its own; whoever may promote every member into an environment may promote (and roll back) the group there, so set promoters on the environment or on a member's environments override",
}

// Parse parses and validates a policy file. filename is used in messages
// only. The error, when not nil, is an ErrorList holding every problem
// found, sorted by position.
func Parse(filename string, data []byte) (*Policy, error) {
	d := &decoder{file: filename}
	root := d.document(data)
	if root == nil {
		return nil, d.errs.Err()
	}
	p := d.policy(root)
	if err := d.errs.Err(); err != nil {
		return nil, err
	}
	return p, nil
}

// decoder walks a yaml.v3 node tree and collects every problem it finds.
type decoder struct {
	file  string
	errs  ErrorList
	nodes int
	// imageless holds the listed apps with neither image: nor images:.
	imageless []*yaml.Node
}

var yamlLine = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^yaml: line (\d+): (.*)$`) })

// document returns the top-level mapping, or nil after recording why not.
func (d *decoder) document(data []byte) *yaml.Node {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			d.add(1, 1, "the policy file is empty; it needs at least version: 1 and environments:")
			return nil
		}
		d.syntax(err)
		return nil
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		d.add(extra.Line, extra.Column, "the policy file holds more than one YAML document; keep one")
	} else if !errors.Is(err, io.EOF) {
		d.syntax(err)
	}
	root := &doc
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		root = root.Content[0]
	}
	root = d.deref(root)
	if root == nil || root.Kind != yaml.MappingNode {
		line, col := 1, 1
		if root != nil {
			line, col = root.Line, root.Column
		}
		d.add(line, col, "the policy file must be a mapping (version:, environments:, ...)")
		return nil
	}
	return root
}

func (d *decoder) syntax(err error) {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	line := 1
	if m := yamlLine().FindStringSubmatch(err.Error()); m != nil {
		line, _ = strconv.Atoi(m[1])
		msg = m[2]
	}
	d.add(line, 1, "invalid YAML: "+msg)
}

func (d *decoder) add(line, col int, msg string) {
	d.errs = append(d.errs, &Error{File: d.file, Line: line, Col: col, Msg: msg})
}

func (d *decoder) errorf(n *yaml.Node, format string, args ...any) {
	d.add(n.Line, n.Column, fmt.Sprintf(format, args...))
}

// deref follows aliases and counts nodes against maxNodes. It returns nil
// when the budget is spent.
func (d *decoder) deref(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < 100; i++ {
		n = n.Alias
	}
	if n == nil || n.Kind == yaml.AliasNode {
		return nil
	}
	d.nodes++
	if d.nodes == maxNodes {
		d.errorf(n, "the policy file is too large or too deeply aliased")
	}
	if d.nodes >= maxNodes {
		return nil
	}
	return n
}

// pair is one key and its value in a mapping.
type pair struct{ key, val *yaml.Node }

// mapping checks that n is a mapping with only the keys of kind, reports
// unknown and duplicate keys, and returns the known ones.
func (d *decoder) mapping(n *yaml.Node, what, kind string) map[string]pair {
	n = d.deref(n)
	if n == nil {
		return nil
	}
	if isNull(n) {
		return map[string]pair{}
	}
	if n.Kind != yaml.MappingNode {
		d.errorf(n, "%s: want a mapping, got %s", what, describe(n))
		return nil
	}
	known := fields[kind]
	out := map[string]pair{}
	for _, p := range d.pairs(n, what) {
		if kind == "policy" && strings.HasPrefix(p.key.Value, "x-") {
			continue // extension keys hold anchors for reuse, as in Compose files
		}
		if !contains(known, p.key.Value) {
			if why := notHere[kind+"."+p.key.Value]; why != "" {
				d.errorf(p.key, "%s is not a field of %s: %s", p.key.Value, what, why)
				continue
			}
			d.errorf(p.key, "unknown field %q in %s%s", p.key.Value, what, didYouMean(p.key.Value, known))
			continue
		}
		out[p.key.Value] = p
	}
	return out
}

// pairs returns the entries of a mapping in file order, reporting
// duplicate and non-scalar keys. Merge keys (<<: *anchor) are expanded:
// the merged mapping's entries come after the explicit ones, which win.
func (d *decoder) pairs(n *yaml.Node, what string) []pair {
	var out, merged []pair
	seen := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := d.deref(n.Content[i]), n.Content[i+1]
		if k == nil {
			return out
		}
		if k.Kind != yaml.ScalarNode {
			d.errorf(k, "%s: keys must be plain strings", what)
			continue
		}
		if k.Tag == "!!merge" {
			merged = append(merged, d.merge(v, what)...)
			continue
		}
		if first, dup := seen[k.Value]; dup {
			if what == "apps" {
				d.errorf(k, "duplicate app %q (first defined at line %d)", k.Value, first.Line)
			} else {
				d.errorf(k, "duplicate key %q in %s (first at line %d)", k.Value, what, first.Line)
			}
			continue
		}
		seen[k.Value] = k
		out = append(out, pair{k, v})
	}
	for _, p := range merged {
		if _, ok := seen[p.key.Value]; !ok {
			seen[p.key.Value] = p.key
			out = append(out, p)
		}
	}
	return out
}

// merge returns the entries a merge key brings in: those of one mapping,
// or of a list of mappings where earlier ones win.
func (d *decoder) merge(v *yaml.Node, what string) []pair {
	v = d.deref(v)
	if v == nil {
		return nil
	}
	switch v.Kind {
	case yaml.MappingNode:
		return d.pairs(v, what)
	case yaml.SequenceNode:
		var out []pair
		have := map[string]bool{}
		for _, m := range v.Content {
			if m = d.deref(m); m == nil || m.Kind != yaml.MappingNode {
				d.errorf(v, "%s: a merge key (<<) takes a mapping or a list of mappings", what)
				return out
			}
			for _, p := range d.pairs(m, what) {
				if !have[p.key.Value] {
					have[p.key.Value] = true
					out = append(out, p)
				}
			}
		}
		return out
	}
	d.errorf(v, "%s: a merge key (<<) takes a mapping or a list of mappings", what)
	return nil
}

func (d *decoder) str(p pair) (string, bool) {
	v := d.deref(p.val)
	if v == nil {
		return "", false
	}
	if v.Kind != yaml.ScalarNode || isNull(v) {
		d.errorf(v, "%s: want a string, got %s", p.key.Value, describe(v))
		return "", false
	}
	return v.Value, true
}

func (d *decoder) boolean(p pair) (bool, bool) {
	v := d.deref(p.val)
	if v == nil {
		return false, false
	}
	if v.Kind == yaml.ScalarNode && v.Tag == "!!bool" {
		b, err := strconv.ParseBool(strings.ToLower(v.Value))
		if err == nil {
			return b, true
		}
	}
	d.errorf(v, "%s: want true or false, got %s", p.key.Value, describe(v))
	return false, false
}

func (d *decoder) duration(p pair) (time.Duration, bool) {
	s, ok := d.str(p)
	if !ok {
		return 0, false
	}
	dur, err := time.ParseDuration(s)
	if err != nil || dur < 0 {
		d.errorf(d.deref(p.val), "%s: invalid duration %q; use a Go duration such as 30m, 1h30m or 48h", p.key.Value, s)
		return 0, false
	}
	return dur, true
}

// list returns the string items of a sequence. With orScalar, a single
// string stands for a list of one.
func (d *decoder) list(p pair, orScalar bool) ([]string, bool) {
	v := d.deref(p.val)
	if v == nil {
		return nil, false
	}
	if orScalar && v.Kind == yaml.ScalarNode && !isNull(v) {
		return []string{v.Value}, true
	}
	if v.Kind != yaml.SequenceNode {
		d.errorf(v, "%s: want a list of strings, got %s", p.key.Value, describe(v))
		return nil, false
	}
	out := []string{}
	ok := true
	for _, it := range v.Content {
		it = d.deref(it)
		if it == nil {
			return nil, false
		}
		if it.Kind != yaml.ScalarNode || isNull(it) {
			d.errorf(it, "%s: want a string, got %s", p.key.Value, describe(it))
			ok = false
			continue
		}
		out = append(out, it.Value)
	}
	return out, ok
}

// items returns the elements of a sequence.
func (d *decoder) items(p pair) []*yaml.Node {
	v := d.deref(p.val)
	if v == nil {
		return nil
	}
	if isNull(v) {
		return nil
	}
	if v.Kind != yaml.SequenceNode {
		d.errorf(v, "%s: want a list, got %s", p.key.Value, describe(v))
		return nil
	}
	return v.Content
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.Tag == "!!null"
}

func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		if isNull(n) {
			return "nothing"
		}
		return strconv.Quote(n.Value)
	}
	return "something else"
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
