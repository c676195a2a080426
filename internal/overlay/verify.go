package overlay

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/yaml"
	sigsyaml "sigs.k8s.io/yaml"
)

// verify parses an edited file back and checks that its images are want
// and that every other node, in every document, is as it was. The edited
// entries (indexes into the original list) may differ only in their image
// fields. It checks the file both as kyaml reads it and as kustomize does.
func verify(orig *kustomization, out []byte, want []Image, edited map[int]bool) error {
	k, err := parse(out)
	if err != nil {
		return fmt.Errorf("edited file does not parse: %w", err)
	}
	got := make([]Image, 0, len(want))
	for _, e := range k.entries() {
		img, err := readEntry(e)
		if err != nil {
			return err
		}
		img.Line = 0
		got = append(got, img)
	}
	if !sameImages(got, want) {
		return fmt.Errorf("images are %+v, want %+v", got, want)
	}
	if err := sameTop(orig, k, edited); err != nil {
		return err
	}
	if err := sameLaterDocuments(orig.src.data, out); err != nil {
		return err
	}
	return sameForKustomize(orig.src.data, out, want)
}

func sameImages(got, want []Image) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		w := want[i]
		w.Line = 0
		if got[i] != w {
			return false
		}
	}
	return true
}

// sameTop compares the first documents outside the image fields of edited
// entries and the entry or images key that was added.
func sameTop(a, b *kustomization, edited map[int]bool) error {
	if a.top == nil {
		if b.top == nil || len(b.top.Content) != 2 {
			return errors.New("expected a kustomization holding images only")
		}
		return nil
	}
	if b.top == nil || b.top.Kind != a.top.Kind || b.top.Style != a.top.Style {
		return errors.New("kustomization mapping changed")
	}
	ac, bc := a.top.Content, b.top.Content
	if a.imgKey == nil {
		if len(bc) != len(ac)+2 {
			return errors.New("expected exactly one key added")
		}
		bc = bc[:len(ac)]
	}
	if len(ac) != len(bc) {
		return errors.New("number of kustomization keys changed")
	}
	for i := 0; i < len(ac); i += 2 {
		if !sameNode(ac[i], bc[i]) {
			return fmt.Errorf("key %q changed", ac[i].Value)
		}
		if ac[i] == a.imgKey {
			if err := sameEntries(a.entries(), bc[i+1], edited); err != nil {
				return err
			}
			continue
		}
		if !sameNode(ac[i+1], bc[i+1]) {
			return fmt.Errorf("value of %q changed", ac[i].Value)
		}
	}
	return nil
}

// sameEntries compares the entries that were neither edited nor added.
func sameEntries(a []*yaml.Node, seq *yaml.Node, edited map[int]bool) error {
	if seq.Kind != yaml.SequenceNode {
		return errors.New("images is no longer a list")
	}
	b := seq.Content
	if len(b) < len(a) {
		return errors.New("an images entry disappeared")
	}
	for i := range a {
		if !edited[i] {
			if !sameNode(a[i], b[i]) {
				return fmt.Errorf("images entry %d changed", i)
			}
			continue
		}
		if !sameNodes(otherPairs(a[i]), otherPairs(b[i])) {
			return fmt.Errorf("images entry %d: fields other than the image changed", i)
		}
	}
	return nil
}

// otherPairs returns the keys and values of an entry that are not image fields.
func otherPairs(n *yaml.Node) []*yaml.Node {
	var out []*yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		if fieldRank(n.Content[i].Value) < 0 {
			out = append(out, n.Content[i], n.Content[i+1])
		}
	}
	return out
}

func sameNode(a, b *yaml.Node) bool {
	if a.Kind != b.Kind || a.Style != b.Style || a.Tag != b.Tag || a.Value != b.Value || a.Anchor != b.Anchor {
		return false
	}
	return sameNodes(a.Content, b.Content)
}

func sameNodes(a, b []*yaml.Node) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !sameNode(a[i], b[i]) {
			return false
		}
	}
	return true
}

// sameLaterDocuments compares every document after the first.
func sameLaterDocuments(a, b []byte) error {
	da, db := yaml.NewDecoder(bytes.NewReader(a)), yaml.NewDecoder(bytes.NewReader(b))
	for i := 0; ; i++ {
		var na, nb yaml.Node
		ea, eb := da.Decode(&na), db.Decode(&nb)
		if errors.Is(ea, io.EOF) && errors.Is(eb, io.EOF) {
			return nil
		}
		if (ea == nil) != (eb == nil) {
			return fmt.Errorf("document %d: %v / %v", i+1, ea, eb)
		}
		if ea != nil {
			// The original does not parse beyond this point either.
			return nil
		}
		if i > 0 && !sameNode(&na, &nb) {
			return fmt.Errorf("document %d changed", i+1)
		}
	}
}

// kustImage is an images entry as kustomize decodes it (JSON field names
// match case-insensitively).
type kustImage struct {
	Name      string `json:"name"`
	NewName   string `json:"newName"`
	TagSuffix string `json:"tagSuffix"`
	NewTag    string `json:"newTag"`
	Digest    string `json:"digest"`
}

// sameForKustomize reads both files the way kustomize reads a
// kustomization (YAML 1.1 to JSON) and checks that the edit changed
// nothing but the images, and that kustomize sees the intended images.
// Files kustomize cannot read before the edit are not checked this way.
func sameForKustomize(a, b []byte, want []Image) error {
	ra, _, err := kustomizeView(a)
	if err != nil {
		return nil
	}
	rb, ib, err := kustomizeView(b)
	if err != nil {
		return fmt.Errorf("kustomize cannot read the edited file: %v", err)
	}
	if !reflect.DeepEqual(ra, rb) {
		return errors.New("kustomize reads other fields differently after the edit")
	}
	if len(ib) != len(want) {
		return fmt.Errorf("kustomize reads %d images, want %d", len(ib), len(want))
	}
	for i, w := range want {
		if ib[i] != (kustImage{w.Name, w.NewName, w.TagSuffix, w.NewTag, w.Digest}) {
			return fmt.Errorf("kustomize reads image %+v, want %+v", ib[i], w)
		}
	}
	return nil
}

func kustomizeView(data []byte) (map[string]any, []kustImage, error) {
	j, err := sigsyaml.YAMLToJSON(data)
	if err != nil {
		return nil, nil, err
	}
	var m map[string]any
	if err := json.Unmarshal(j, &m); err != nil {
		return nil, nil, err
	}
	var imgs []kustImage
	for key, v := range m {
		if !strings.EqualFold(key, "images") {
			continue
		}
		raw, err := json.Marshal(v)
		if err != nil {
			return nil, nil, err
		}
		if err := json.Unmarshal(raw, &imgs); err != nil {
			return nil, nil, err
		}
		delete(m, key)
	}
	return m, imgs, nil
}
