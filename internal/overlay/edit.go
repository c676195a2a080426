package overlay

import (
	"fmt"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/stagehand-gitops/stagehand/internal/yamltext"
)

// SetImage applies e to the kustomization in data and returns the new file.
// It edits every entry whose name is e.Name (kustomize's match), or appends
// an entry when there is none; changed is false when the file already says
// what e asks for, and out is then data itself. Only the bytes of the values
// set change, plus the lines of fields or entries added or removed.
func SetImage(data []byte, e Edit) (out []byte, changed bool, err error) {
	if err := e.check(); err != nil {
		return nil, false, err
	}
	// A file without a final line break gets one while it is edited, so
	// that lines can be added or removed at its end like anywhere else;
	// the break is taken off again afterwards.
	padded, pad := data, ""
	if len(data) > 0 && !yamltext.EndsWithBreak(data) {
		pad = yamltext.NewSource(data, ErrInvalid).EOL(0)
		padded = append(data[:len(data):len(data)], pad...)
	}
	k, err := parse(padded)
	if err != nil {
		return nil, false, fmt.Errorf("set image %s: %w", e.Name, err)
	}
	p := &planner{src: k.src}
	var want []Image
	edited := map[int]bool{}
	for i, n := range k.entries() {
		cur, err := readEntry(n)
		if err != nil {
			return nil, false, fmt.Errorf("set image %s: %w", e.Name, err)
		}
		if cur.Name != e.Name {
			want = append(want, cur)
			continue
		}
		next := e.apply(cur)
		want = append(want, next)
		edited[i] = true
		if err := p.editEntry(n, cur, next); err != nil {
			return nil, false, fmt.Errorf("set image %s: %w", e.Name, err)
		}
	}
	if len(edited) == 0 {
		img := e.apply(Image{Name: e.Name})
		want = append(want, img)
		if err := p.addEntry(k, img); err != nil {
			return nil, false, fmt.Errorf("set image %s: %w", e.Name, err)
		}
	}
	if len(p.splices) == 0 {
		return data, false, nil
	}
	res, err := p.apply()
	if err != nil {
		return nil, false, fmt.Errorf("set image %s: %w", e.Name, err)
	}
	if err := verify(k, res, want, edited); err != nil {
		return nil, false, fmt.Errorf("set image %s: %v: %w", e.Name, err, ErrVerify)
	}
	if pad != "" {
		if !strings.HasSuffix(string(res), pad) {
			return nil, false, fmt.Errorf("set image %s: final line break lost: %w", e.Name, ErrVerify)
		}
		res = res[:len(res)-len(pad)]
	}
	return res, true, nil
}

func (e Edit) check() error {
	if e.Name == "" {
		return fmt.Errorf("image name is empty: %w", ErrInvalidEdit)
	}
	if err := checkValue(fieldName, e.Name); err != nil {
		return err
	}
	for r, v := range []*string{nil, e.NewName, e.TagSuffix, e.NewTag, e.Digest} {
		if v == nil {
			continue
		}
		if err := checkValue(fieldOrder[r], *v); err != nil {
			return err
		}
	}
	return nil
}

// apply returns cur with the edit's fields set.
func (e Edit) apply(cur Image) Image {
	for r, v := range []*string{nil, e.NewName, e.TagSuffix, e.NewTag, e.Digest} {
		if v != nil {
			*cur.field(r) = *v
		}
	}
	return cur
}

type planner struct {
	src     *yamltext.Source
	splices []yamltext.Splice
}

func (p *planner) add(start, end int, text string) {
	p.splices = append(p.splices, yamltext.Splice{Start: start, End: end, Text: text})
}

func (p *planner) apply() ([]byte, error) {
	return yamltext.Apply(p.src.Data(), p.splices)
}

// checkValue refuses values no images field can hold: kustomize would not
// read back a value with control characters the way it was meant.
func checkValue(field, v string) error {
	if err := yamltext.CheckValue(field, v); err != nil {
		return fmt.Errorf("%v: %w", err, ErrInvalidEdit)
	}
	return nil
}

// pair is one key/value of an images entry.
type pair struct {
	key, val *yaml.Node
	rank     int // fieldRank of the key
	removed  bool
}

// editEntry plans the changes that turn entry n from cur into next.
func (p *planner) editEntry(n *yaml.Node, cur, next Image) error {
	flow := n.Style&yaml.FlowStyle != 0
	var pairs []*pair
	present := map[int]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		pr := &pair{key: n.Content[i], val: n.Content[i+1], rank: fieldRank(n.Content[i].Value)}
		pairs = append(pairs, pr)
		present[pr.rank] = true
	}
	for _, pr := range pairs {
		if pr.rank <= 0 {
			continue
		}
		have, want := *cur.field(pr.rank), *next.field(pr.rank)
		switch {
		case have == want:
		case want == "":
			pr.removed = true
		default:
			if err := p.setValue(pr, want, flow); err != nil {
				return err
			}
		}
	}
	if err := p.removePairs(pairs, flow); err != nil {
		return err
	}
	adds := map[*pair][]string{}
	var anchors []*pair
	for r := 1; r < len(fieldOrder); r++ {
		want := *next.field(r)
		if present[r] || want == "" {
			continue
		}
		var anchor *pair
		for _, pr := range pairs {
			if !pr.removed && pr.rank >= 0 && pr.rank < r {
				anchor = pr
			}
		}
		if adds[anchor] == nil {
			anchors = append(anchors, anchor)
		}
		adds[anchor] = append(adds[anchor], fieldOrder[r]+": "+yamltext.EncodeScalar(want, 0, flow))
	}
	for _, a := range anchors {
		if err := p.addPairs(n, a, adds[a], flow); err != nil {
			return err
		}
	}
	return nil
}

// setValue replaces a pair's value, keeping its quoting style.
func (p *planner) setValue(pr *pair, want string, flow bool) error {
	if pr.val.Kind != yaml.ScalarNode {
		return fmt.Errorf("line %d: %s is not a scalar: %w", pr.val.Line, pr.key.Value, ErrInvalid)
	}
	start, end, err := p.src.ValueSpan(pr.key, pr.val)
	if err != nil {
		return err
	}
	text := yamltext.EncodeScalar(want, pr.val.Style, flow)
	if start == end {
		text = " " + text
	}
	p.add(start, end, text)
	return nil
}

// addPairs adds fields to entry n right after the anchor pair.
func (p *planner) addPairs(n *yaml.Node, anchor *pair, fields []string, flow bool) error {
	if anchor == nil {
		return fmt.Errorf("line %d: entry has no name: %w", n.Line, ErrInvalid)
	}
	end, err := p.src.ValueEnd(anchor.key, anchor.val)
	if err != nil {
		return err
	}
	if flow {
		p.add(end, end, ", "+strings.Join(fields, ", "))
		return nil
	}
	eol := p.src.EOL(end)
	indent := strings.Repeat(" ", n.Column-1)
	var b strings.Builder
	for _, f := range fields {
		b.WriteString(indent + f + eol)
	}
	at := p.src.NextLine(end)
	p.add(at, at, b.String())
	return nil
}

// removePairs plans the removal of the pairs marked removed.
func (p *planner) removePairs(pairs []*pair, flow bool) error {
	for i := 0; i < len(pairs); i++ {
		pr := pairs[i]
		if !pr.removed {
			continue
		}
		keyStart, err := p.src.Offset(pr.key)
		if err != nil {
			return err
		}
		end, err := p.src.ValueEnd(pr.key, pr.val)
		if err != nil {
			return err
		}
		keptBefore := false
		for _, q := range pairs[:i] {
			keptBefore = keptBefore || !q.removed
		}
		if flow && keptBefore {
			prevEnd, err := p.src.ValueEnd(pairs[i-1].key, pairs[i-1].val)
			if err != nil {
				return err
			}
			p.add(prevEnd, end, "")
			continue
		}
		ls := p.src.LineStart(keyStart)
		if !flow && strings.TrimLeft(string(p.src.Data()[ls:keyStart]), " ") == "" {
			p.add(ls, p.src.NextLine(end), "")
			continue
		}
		// The first pair of a flow mapping, or of a block mapping that
		// starts on its sequence entry's "- " line: the next kept key
		// moves up into its place.
		j := i + 1
		for j < len(pairs) && pairs[j].removed {
			j++
		}
		if j == len(pairs) {
			return fmt.Errorf("line %d: cannot remove every field of an entry: %w", pr.key.Line, ErrUnsupported)
		}
		next, err := p.src.Offset(pairs[j].key)
		if err != nil {
			return err
		}
		p.add(keyStart, next, "")
		i = j - 1
	}
	return nil
}
