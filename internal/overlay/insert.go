package overlay

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// addEntry plans a new images entry, following the file's layout: the
// indentation of the existing entries (or of the file's other lists), their
// block or flow style, and its line breaks.
func (p *planner) addEntry(k *kustomization, img Image) error {
	s := p.src
	switch {
	case k.top == nil:
		if err := singleDocument(s.data); err != nil {
			return err
		}
		eol := s.eol(0)
		at := len(s.data)
		p.add(at, at, "images:"+eol+blockEntry(img, 0, 2, eol))
		return nil
	case k.imgKey == nil && k.top.Style&yaml.FlowStyle != 0:
		return p.addToFlowMapping(k.top, "images: ["+flowEntry(img)+"]")
	case k.imgKey == nil:
		end, err := s.blockEnd(k.top)
		if err != nil {
			return err
		}
		eol := s.eol(end)
		indent := k.top.Column - 1
		text := strings.Repeat(" ", indent) + "images:" + eol + blockEntry(img, indent+seqOffset(k.top), 2, eol)
		at := s.nextLine(end)
		p.add(at, at, text)
		return nil
	case isNull(k.imgVal):
		return p.fillNullImages(k, img)
	case k.imgVal.Style&yaml.FlowStyle != 0:
		return p.addToFlowSequence(k.imgVal, flowEntry(img))
	}
	seq := k.imgVal
	end, err := s.blockEnd(seq)
	if err != nil {
		return err
	}
	eol := s.eol(end)
	text := blockEntry(img, seq.Column-1, p.entryKeyOffset(seq), eol)
	if last := seq.Content[len(seq.Content)-1]; last.Kind == yaml.MappingNode && last.Style&yaml.FlowStyle != 0 {
		text = strings.Repeat(" ", seq.Column-1) + "- " + flowEntry(img) + eol
	}
	at := s.nextLine(end)
	p.add(at, at, text)
	return nil
}

// fillNullImages turns `images:` (or `images: ~`) into a list holding img.
func (p *planner) fillNullImages(k *kustomization, img Image) error {
	s := p.src
	start, end, err := s.valueSpan(k.imgKey, k.imgVal)
	if err != nil {
		return err
	}
	colon, err := s.colonAfter(k.imgKey)
	if err != nil {
		return err
	}
	if k.top.Style&yaml.FlowStyle != 0 {
		p.add(start, end, "["+flowEntry(img)+"]")
		if start == end {
			p.splices[len(p.splices)-1].text = " [" + flowEntry(img) + "]"
		}
		return nil
	}
	if start != end {
		p.add(colon, end, "")
	}
	eol := s.eol(end)
	indent := k.imgKey.Column - 1 + seqOffset(k.top)
	at := s.nextLine(end)
	p.add(at, at, blockEntry(img, indent, 2, eol))
	return nil
}

func (p *planner) addToFlowMapping(m *yaml.Node, text string) error {
	if len(m.Content) == 0 {
		start, err := p.src.offset(m)
		if err != nil {
			return err
		}
		p.add(start+1, start+1, text)
		return nil
	}
	end, err := p.src.valueEnd(m.Content[len(m.Content)-2], m.Content[len(m.Content)-1])
	if err != nil {
		return err
	}
	p.add(end, end, ", "+text)
	return nil
}

func (p *planner) addToFlowSequence(seq *yaml.Node, text string) error {
	if len(seq.Content) == 0 {
		start, err := p.src.offset(seq)
		if err != nil {
			return err
		}
		if _, err := p.src.flowClose(seq); err != nil {
			return err
		}
		p.add(start+1, start+1, text)
		return nil
	}
	end, err := p.src.end(seq.Content[len(seq.Content)-1])
	if err != nil {
		return err
	}
	p.add(end, end, ", "+text)
	return nil
}

// entryKeyOffset returns how far an entry's keys sit right of its dash,
// taken from the first block entry that starts on its dash line; 2 by default.
func (p *planner) entryKeyOffset(seq *yaml.Node) int {
	for _, e := range seq.Content {
		if e.Kind != yaml.MappingNode || e.Style&yaml.FlowStyle != 0 || e.Column <= seq.Column {
			continue
		}
		start, err := p.src.offset(e)
		if err != nil {
			continue
		}
		before := strings.TrimRight(string(p.src.data[p.src.lineStart(start):start]), " ")
		if strings.HasSuffix(before, "-") {
			return e.Column - seq.Column
		}
	}
	return 2
}

// seqOffset returns how far the file indents a block list below its key:
// 0 for kustomize's own style, 2 for `  - item`. It looks at the top-level
// lists and defaults to 0.
func seqOffset(top *yaml.Node) int {
	for i := 0; i+1 < len(top.Content); i += 2 {
		key, val := top.Content[i], top.Content[i+1]
		if val.Kind == yaml.SequenceNode && val.Style&yaml.FlowStyle == 0 && val.Line > key.Line && val.Column >= key.Column {
			return val.Column - key.Column
		}
	}
	return 0
}

// blockEntry writes img as a block list entry.
func blockEntry(img Image, indent, keyOffset int, eol string) string {
	if keyOffset < 2 {
		keyOffset = 2
	}
	pad := strings.Repeat(" ", indent)
	var b strings.Builder
	b.WriteString(pad + "-" + strings.Repeat(" ", keyOffset-1) + fieldName + ": " + encodeScalar(img.Name, 0, false) + eol)
	for r := 1; r < len(fieldOrder); r++ {
		if v := *img.field(r); v != "" {
			b.WriteString(pad + strings.Repeat(" ", keyOffset) + fieldOrder[r] + ": " + encodeScalar(v, 0, false) + eol)
		}
	}
	return b.String()
}

// flowEntry writes img as a flow mapping.
func flowEntry(img Image) string {
	parts := []string{fieldName + ": " + encodeScalar(img.Name, 0, true)}
	for r := 1; r < len(fieldOrder); r++ {
		if v := *img.field(r); v != "" {
			parts = append(parts, fieldOrder[r]+": "+encodeScalar(v, 0, true))
		}
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

// singleDocument refuses to append to an empty first document that other
// documents follow: the new lines would land in the wrong one.
func singleDocument(data []byte) error {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var n yaml.Node
	for i := 0; ; i++ {
		err := dec.Decode(&n)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("parse kustomization: %v: %w", err, ErrInvalid)
		}
		if i > 0 {
			return fmt.Errorf("the kustomization document is empty and others follow it: %w", ErrUnsupported)
		}
	}
}
