package overlay

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func fuzzSeeds(f *testing.F) [][]byte {
	seeds := [][]byte{
		[]byte(""),
		[]byte("images: []\n"),
		[]byte("images:\n- name: a\n  newTag: v1\n"),
		[]byte("images:\r\n  - name: a # c\r\n    newName: b\r\n"),
		[]byte("{images: [{newName: b, name: a, digest: sha256:1}]}"),
		[]byte("images:\n- newName: b\n  name: a\n  newTag: ~\n---\nimages: [x]\n"),
		[]byte("images:\n-\n  name: a\n  newTag: 'v''1'\n  digest: \"sha256:\\\"\"\n"),
	}
	files, _ := filepath.Glob(filepath.Join(corpusDir, "*", "original", "*"))
	for _, p := range files {
		if data, err := os.ReadFile(p); err == nil && filepath.Base(p) != "deployment.yaml" {
			seeds = append(seeds, data)
		}
	}
	return seeds
}

// FuzzSetImage checks that an edit either fails or leaves a file whose
// images are exactly the intended ones, and that it is idempotent. (Every
// successful edit is also verified node by node inside SetImage.)
func FuzzSetImage(f *testing.F) {
	for i, s := range fuzzSeeds(f) {
		f.Add(s, "a", "registry/a", "v2", "sha256:2", uint8(i))
		f.Add(s, "ghcr.io/acme/web", "", "1.20", "", uint8(i*3))
	}
	f.Fuzz(func(t *testing.T, data []byte, name, newName, tag, digest string, mask uint8) {
		e := Edit{Name: name}
		for bit, p := range []**string{&e.NewName, &e.NewTag, &e.Digest, &e.TagSuffix} {
			v := []string{newName, tag, digest, ""}[bit]
			switch {
			case mask&(1<<bit) != 0:
				*p = Value(v)
			case mask&(1<<(bit+4)) != 0:
				*p = Value("")
			}
		}
		before, beforeErr := Images(data)
		out, changed, err := SetImage(data, e)
		if errors.Is(err, ErrVerify) {
			t.Fatalf("edit of %+v failed its own check: %v\n%q", e, err, data)
		}
		if err != nil {
			return
		}
		if !changed {
			if !bytes.Equal(out, data) {
				t.Fatal("unchanged edit returned different bytes")
			}
			return
		}
		after, err := Images(out)
		if err != nil {
			t.Fatalf("edited file does not parse: %v\n%q", err, out)
		}
		if beforeErr != nil {
			t.Fatalf("edit succeeded on a file Images refuses: %v", beforeErr)
		}
		var others []Image
		matched := 0
		for _, img := range after {
			if img.Name != e.Name {
				img.Line = 0
				others = append(others, img)
				continue
			}
			matched++
			for r, want := range []*string{nil, e.NewName, e.TagSuffix, e.NewTag, e.Digest} {
				if want != nil && *img.field(r) != *want {
					t.Fatalf("%s = %q, want %q\n%q", fieldOrder[r], *img.field(r), *want, out)
				}
			}
		}
		var wantOthers []Image
		for _, img := range before {
			if img.Name != e.Name {
				img.Line = 0
				wantOthers = append(wantOthers, img)
			}
		}
		if matched == 0 || !sameImages(others, wantOthers) {
			t.Fatalf("images %+v after editing %+v", after, before)
		}
		if len(after) != len(before) && len(after) != len(before)+1 {
			t.Fatalf("%d entries became %d", len(before), len(after))
		}
		again, changed, err := SetImage(out, e)
		if err != nil || changed || !bytes.Equal(again, out) {
			t.Fatalf("second run: changed=%v err=%v", changed, err)
		}
	})
}

// FuzzImages checks that reading never panics, and that setting every
// entry to the values read back changes nothing.
func FuzzImages(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		imgs, err := Images(data)
		if err != nil {
			return
		}
		names := map[string]int{}
		for _, img := range imgs {
			if img.Line < 1 {
				t.Fatalf("entry %+v has no line", img)
			}
			names[img.Name]++
		}
		for _, img := range imgs {
			if names[img.Name] > 1 || img.Name == "" || checkValue("", img.Name) != nil {
				continue
			}
			e := Edit{Name: img.Name, NewName: Value(img.NewName), NewTag: Value(img.NewTag), Digest: Value(img.Digest), TagSuffix: Value(img.TagSuffix)}
			out, changed, err := SetImage(data, e)
			if err != nil && e.check() == nil {
				t.Fatalf("no-op edit of %+v failed: %v", img, err)
			}
			if changed || (err == nil && !bytes.Equal(out, data)) {
				t.Fatalf("no-op edit of %+v changed the file", img)
			}
		}
	})
}

// FuzzMatches holds Matches, which matches most names without compiling
// them, to kustomize's expression compiled.
func FuzzMatches(f *testing.F) {
	for _, c := range [][2]string{
		{"ghcr.io/acme/web:v1.2.3", "ghcr.io/acme/web"},
		{"ghcrXio/acme/web", "ghcr.io/acme/web"},
		{"ghcr.io/acme/web@sha256:abc", "ghcr.io/acme/web"},
		{"ghcr.io/acme/web:v1@sha256:abc", "ghcr.io/acme/web"},
		{"ghcr.io/acme/webby", "ghcr.io/acme/web"},
		{"ghcr.io/acme/web", "ghcr.io/acme/.*"},
		{"nginx", "nginx"},
		{"ngin\nx", "ngin.x"},
		{"é:1", "."},
		{"\xff:1", "."},
		{"\xff", "\xff"},
		{"a:b:c", "a"},
		{"", ""},
	} {
		f.Add(c[0], c[1])
	}
	f.Fuzz(func(t *testing.T, ref, name string) {
		if got, want := Matches(ref, name), matchesCompiled(ref, name); got != want {
			t.Fatalf("Matches(%q, %q) = %v, the compiled expression says %v", ref, name, got, want)
		}
	})
}
