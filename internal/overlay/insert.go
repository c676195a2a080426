package overlay

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/stagehand-gitops/stagehand/internal/yamltext"
)

// addEntry plans a new images entry, following the file's layout: the
// indentation of the existing entries (or of the file's other lists), their
// block or flow style, and its line breaks.
func (p *planner) addEntry(k *kustomization, img Image) error {
	s := p.src
	switch {
	case k.top == nil:
		if err := singleDocument(s.Data()); err != nil {
			return err
		}
		eol := s.EOL(0)
		at := len(s.Data())
		p.add(at, at, "images:"+eol+blockEntry(img, 0, 2, eol))
		return nil
	case k.imgKey == nil && k.top.Style&yaml.FlowStyle != 0:
		return p.addToFlowMapping(k.top, "images: ["+flowEntry(img)+"]")
	case k.imgKey == nil:
		end, err := s.BlockEnd(k.top)
		if err != nil {
			return err
		}
		eol := s.EOL(end)
		indent := k.top.Column - 1
		text := strings.Repeat(" ", indent) + "images:" + eol + blockEntry(img, indent+seqOffset(k.top), 2, eol)
		at := s.NextLine(end)
		p.add(at, at, text)
		return nil
	case isNull(k.imgVal):
		return p.fillNullImages(k, img)
	case k.imgVal.Style&yaml.FlowStyle != 0:
		return p.addToFlowSequence(k.imgVal, flowEntry(img))
	}
	seq := k.imgVal
	end, err := s.BlockEnd(seq)
	if err != nil {
		return err
	}
	eol := s.EOL(end)
	text := blockEntry(img, seq.Column-1, p.entryKeyOffset(seq), eol)
	if last := seq.Content[len(seq.Content)-1]; last.Kind == yaml.MappingNode && last.Style&yaml.FlowStyle != 0 {
		text = strings.Repeat(" ", seq.Column-1) + "- " + flowEntry(img) + eol
	}
	at := s.NextLine(end)
	p.add(at, at, text)
	return nil
}

// fillNullImages turns `images:` (or `images: ~`) into a list holding img.
func (p *planner) fillNullImages(k *kustomization, img Image) error {
	s := p.src
	start, end, err := s.ValueSpan(k.imgKey, k.imgVal)
	if err != nil {
		return err
	}
	colon, err := s.ColonAfter(k.imgKey)
	if err != nil {
		return err
	}
	if k.top.Style&yaml.FlowStyle != 0 {
		p.add(start, end, "["+flowEntry(img)+"]")
		if start == end {
			p.splices[len(p.splices)-1].Text = " [" + flowEntry(img) + "]"
		}
		return nil
	}
	if start != end {
		p.add(colon, end, "")
	}
	eol := s.EOL(end)
	indent := k.imgKey.Column - 1 + seqOffset(k.top)
	at := s.NextLine(end)
	p.add(at, at, blockEntry(img, indent, 2, eol))
	return nil
}

func (p *planner) addToFlowMapping(m *yaml.Node, text string) error {
	if len(m.Content) == 0 {
		start, err := p.src.Offset(m)
		if err != nil {
			return err
		}
		p.add(start+1, start+1, text)
		return nil
	}
	end, err := p.src.ValueEnd(m.Content[len(m.Content)-2], m.Content[len(m.Content)-1])
	if err != nil {
		return err
	}
	p.add(end, end, ", "+text)
	return nil
}

func (p *planner) addToFlowSequence(seq *yaml.Node, text string) error {
	if len(seq.Content) == 0 {
		start, err := p.src.Offset(seq)
		if err != nil {
			return err
		}
		if _, err := p.src.FlowClose(seq); err != nil {
			return err
		}
		p.add(start+1, start+1, text)
		return nil
	}
	end, err := p.src.End(seq.Content[len(seq.Content)-1])
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
		start, err := p.src.Offset(e)
		if err != nil {
			continue
		}
		before := strings.TrimRight(string(p.src.Data()[p.src.LineStart(start):start]), " ")
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
	b.WriteString(pad + "-" + strings.Repeat(" ", keyOffset-1) + fieldName + ": " + yamltext.EncodeScalar(img.Name, 0, false) + eol)
	for r := 1; r < len(fieldOrder); r++ {
		if v := *img.field(r); v != "" {
			b.WriteString(pad + strings.Repeat(" ", keyOffset) + fieldOrder[r] + ": " + yamltext.EncodeScalar(v, 0, false) + eol)
		}
	}
	return b.String()
}

// flowEntry writes img as a flow mapping.
func flowEntry(img Image) string {
	parts := []string{fieldName + ": " + yamltext.EncodeScalar(img.Name, 0, true)}
	for r := 1; r < len(fieldOrder); r++ {
		if v := *img.field(r); v != "" {
			parts = append(parts, fieldOrder[r]+": "+yamltext.EncodeScalar(v, 0, true))
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
