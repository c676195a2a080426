package overlay

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"

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
	if err := sameLaterDocuments(orig, k); err != nil {
		return err
	}
	return sameForKustomize(orig.src.Data(), out, want)
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
func sameLaterDocuments(a, b *kustomization) error {
	if a.doc == nil {
		return nil // no document at all, so none follows
	}
	for i := 2; ; i++ {
		var na, nb yaml.Node
		ea, eb := a.dec.Decode(&na), b.dec.Decode(&nb)
		switch {
		case errors.Is(ea, io.EOF) && errors.Is(eb, io.EOF):
			return nil
		case ea != nil && !errors.Is(ea, io.EOF):
			return nil // the original does not parse beyond this point
		case (ea == nil) != (eb == nil):
			return fmt.Errorf("document %d: %v / %v", i, ea, eb)
		case !sameNode(&na, &nb):
			return fmt.Errorf("document %d changed", i)
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

// sameForKustomize reads the edited file the way kustomize reads a
// kustomization (YAML 1.1, then JSON with case-insensitive field names) and
// checks that kustomize sees the intended images. A file kustomize could
// not read before the edit is not checked this way.
func sameForKustomize(a, b []byte, want []Image) error {
	got, err := kustomizeImages(b)
	if err != nil {
		if _, errA := kustomizeImages(a); errA != nil {
			return nil
		}
		return fmt.Errorf("kustomize cannot read the edited file: %v", err)
	}
	if len(got) != len(want) {
		return fmt.Errorf("kustomize reads %d images, want %d", len(got), len(want))
	}
	for i, w := range want {
		if got[i] != (kustImage{w.Name, w.NewName, w.TagSuffix, w.NewTag, w.Digest}) {
			return fmt.Errorf("kustomize reads image %+v, want %+v", got[i], w)
		}
	}
	return nil
}

func kustomizeImages(data []byte) ([]kustImage, error) {
	j, err := sigsyaml.YAMLToJSON(data)
	if err != nil {
		return nil, err
	}
	var k struct {
		Images []kustImage `json:"images"`
	}
	if err := json.Unmarshal(j, &k); err != nil {
		return nil, err
	}
	return k.Images, nil
}
