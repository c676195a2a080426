package overlay

import (
	"bytes"
	"errors"
	"testing"
)

func TestSetImage(t *testing.T) {
	tag := func(name, tag string) Edit { return Edit{Name: name, NewTag: Value(tag)} }
	cases := []struct {
		name string
		in   string
		edit Edit
		want string
		err  error
	}{
		{"plain tag stays plain", "images:\n- name: a\n  newTag: v1\n", tag("a", "v2"), "images:\n- name: a\n  newTag: v2\n", nil},
		{"number-like tag is quoted", "images:\n- name: a\n  newTag: v1\n", tag("a", "1.20"), "images:\n- name: a\n  newTag: \"1.20\"\n", nil},
		{"YAML 1.1 boolean is quoted", "images:\n- name: a\n  newTag: v1\n", tag("a", "yes"), "images:\n- name: a\n  newTag: \"yes\"\n", nil},
		{"hex-looking tag is quoted", "images:\n- name: a\n  newTag: v1\n", tag("a", "0x1F"), "images:\n- name: a\n  newTag: \"0x1F\"\n", nil},
		{"leading dash stays plain", "images:\n- name: a\n  tagSuffix: -x\n", Edit{Name: "a", TagSuffix: Value("-fips")}, "images:\n- name: a\n  tagSuffix: -fips\n", nil},
		{"negative number is quoted", "images:\n- name: a\n  tagSuffix: -x\n", Edit{Name: "a", TagSuffix: Value("-1")}, "images:\n- name: a\n  tagSuffix: \"-1\"\n", nil},
		{"registry port stays plain", "images: []\n", Edit{Name: "localhost:5000/a", NewTag: Value("v1")}, "images: [{name: localhost:5000/a, newTag: v1}]\n", nil},
		{"single quotes escape", "images:\n- name: a\n  newTag: 'v1'\n", tag("a", "it's"), "images:\n- name: a\n  newTag: 'it''s'\n", nil},
		{"double quotes escape", "images:\n- name: a\n  newTag: \"v1\"\n", tag("a", `a"b`), "images:\n- name: a\n  newTag: \"a\\\"b\"\n", nil},
		{"empty value is filled", "images:\n- name: a\n  newTag:\n  digest: sha256:1\n", tag("a", "v2"), "images:\n- name: a\n  newTag: v2\n  digest: sha256:1\n", nil},
		{"tilde value is replaced", "images:\n- name: a\n  newTag: ~ # later\n", tag("a", "v2"), "images:\n- name: a\n  newTag: v2 # later\n", nil},
		{"digest removed on request", "images:\n- name: a\n  newTag: v1\n  digest: sha256:1 # pin\n  # after\n", Edit{Name: "a", NewTag: Value("v2"), Digest: Value("")}, "images:\n- name: a\n  newTag: v2\n  # after\n", nil},
		{"keys match case-insensitively", "images:\n- Name: a\n  NewTag: v1\n", tag("a", "v2"), "images:\n- Name: a\n  NewTag: v2\n", nil},
		{"unknown keys stay", "images:\n- name: a\n  x-note: keep\n  newTag: v1\n", tag("a", "v2"), "images:\n- name: a\n  x-note: keep\n  newTag: v2\n", nil},
		{"added field goes after name", "images:\n- name: a\n  digest: sha256:1\n", Edit{Name: "a", NewName: Value("r/a")}, "images:\n- name: a\n  newName: r/a\n  digest: sha256:1\n", nil},
		{"flow entry: field removed and added", "images: [{name: a, newName: b, digest: sha256:1}]\n", Edit{Name: "a", NewName: Value(""), NewTag: Value("v2")}, "images: [{name: a, newTag: v2, digest: sha256:1}]\n", nil},
		{"flow entry: first field removed", "images: [{newName: b, name: a}]\n", Edit{Name: "a", NewName: Value(""), NewTag: Value("v2")}, "images: [{name: a, newTag: v2}]\n", nil},
		{"empty flow list", "images: []\n", tag("a", "v1"), "images: [{name: a, newTag: v1}]\n", nil},
		{"entry added in flow style", "images:\n- {name: a, newTag: v1}\n", tag("b", "v2"), "images:\n- {name: a, newTag: v1}\n- {name: b, newTag: v2}\n", nil},
		{"entry keys on the next line", "images:\n-\n  name: a\n", tag("b", "v2"), "images:\n-\n  name: a\n- name: b\n  newTag: v2\n", nil},
		{"wide key offset is followed", "images:\n-   name: a\n", tag("b", "v2"), "images:\n-   name: a\n-   name: b\n    newTag: v2\n", nil},
		{"empty file", "", tag("a", "v1"), "images:\n- name: a\n  newTag: v1\n", nil},
		{"comments only", "# nothing yet\n", tag("a", "v1"), "# nothing yet\nimages:\n- name: a\n  newTag: v1\n", nil},
		{"flow kustomization", "{resources: [x.yaml]}\n", tag("a", "v1"), "{resources: [x.yaml], images: [{name: a, newTag: v1}]}\n", nil},
		{"added at end without final newline", "resources:\n- x.yaml", tag("a", "v1"), "resources:\n- x.yaml\nimages:\n- name: a\n  newTag: v1", nil},
		{"byte order mark", "\ufeffimages:\n- name: a\n  newTag: v1\n", tag("a", "v2"), "\ufeffimages:\n- name: a\n  newTag: v2\n", nil},
		{"lone CR line breaks", "images:\r- name: a\r  newTag: v1\r", Edit{Name: "a", NewTag: Value("v2"), Digest: Value("sha256:2")}, "images:\r- name: a\r  newTag: v2\r  digest: sha256:2\r", nil},
		{"tagSuffix removed", "images:\n- name: a\n  tagSuffix: -x\n", Edit{Name: "a", TagSuffix: Value(""), NewTag: Value("v2")}, "images:\n- name: a\n  newTag: v2\n", nil},
		{"added after an inline patch", "patches:\n- patch: |-\n    - op: add\n      path: /x\n\n  target: {kind: Deployment}\n- patch: |-\n    - op: remove\n# end\n", tag("a", "v1"), "patches:\n- patch: |-\n    - op: add\n      path: /x\n\n  target: {kind: Deployment}\n- patch: |-\n    - op: remove\nimages:\n- name: a\n  newTag: v1\n# end\n", nil},
		{"added after an anchored value", "x: &v a\nresources:\n- &r r.yaml\n", tag("a", "v1"), "x: &v a\nresources:\n- &r r.yaml\nimages:\n- name: a\n  newTag: v1\n", nil},
		{"comment between dash and keys", "images:\n- # web\n  name: a\n  newTag: v1\n", tag("a", "v2"), "images:\n- # web\n  name: a\n  newTag: v2\n", nil},
		{"flow list with trailing comma", "images: [{name: a, newTag: v1},]\n", tag("b", "v2"), "images: [{name: a, newTag: v1}, {name: b, newTag: v2},]\n", nil},
		{"multi-line flow entry", "images: [\n  {\n    name: a, # c\n    newTag: v1\n  }\n]\n", Edit{Name: "a", NewTag: Value("v2"), Digest: Value("sha256:2")}, "images: [\n  {\n    name: a, # c\n    newTag: v2, digest: sha256:2\n  }\n]\n", nil},
		{"quoted keys", "images:\n- \"name\": a\n  'newTag': v1\n", tag("a", "v2"), "images:\n- \"name\": a\n  'newTag': v2\n", nil},
		{"document start with content", "--- {images: [{name: a, newTag: v1}]}\n", tag("a", "v2"), "--- {images: [{name: a, newTag: v2}]}\n", nil},
		{"empty images at the end without newline", "resources: []\nimages:", tag("a", "v1"), "resources: []\nimages:\n- name: a\n  newTag: v1", nil},
		{"CRLF and a new images key", "resources:\r\n  - a.yaml\r\n", tag("a", "v1"), "resources:\r\n  - a.yaml\r\nimages:\r\n  - name: a\r\n    newTag: v1\r\n", nil},
		{"removal of a wide first key", "images:\n-   newName: b\n    name: a\n", Edit{Name: "a", NewName: Value("")}, "images:\n-   name: a\n", nil},
		{"removed fields on several lines", "images:\n- name: a\n  newName: b\n  # keep me\n  tagSuffix: -x\n  digest: sha256:1\n  newTag: v1\n", Edit{Name: "a", NewName: Value(""), TagSuffix: Value(""), Digest: Value(""), NewTag: Value("v2")}, "images:\n- name: a\n  # keep me\n  newTag: v2\n", nil},
		{"anchored value", "images:\n- name: a\n  newTag: &t v1\n", tag("a", "v2"), "", ErrUnsupported},
		{"block scalar value", "images:\n- name: a\n  newTag: |\n    v1\n", tag("a", "v2"), "", ErrUnsupported},
		{"imageTags", "imageTags:\n- name: a\n", tag("a", "v2"), "", ErrUnsupported},
		{"not a mapping", "- a\n", tag("a", "v2"), "", ErrInvalid},
		{"images not a list", "images: a\n", tag("a", "v2"), "", ErrInvalid},
		{"entry not a mapping", "images:\n- a\n", tag("a", "v2"), "", ErrInvalid},
		{"broken YAML", "images: [\n", tag("a", "v2"), "", ErrInvalid},
		{"control character", "images: []\n", tag("a", "v1\n"), "", ErrInvalidEdit},
		{"empty name", "images: []\n", tag("", "v1"), "", ErrInvalidEdit},
		{"field given twice", "images:\n- name: a\n  newTag: v1\n  NewTag: v2\n", tag("a", "v3"), "", ErrInvalid},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out, changed, err := SetImage([]byte(c.in), c.edit)
			if c.err != nil {
				if !errors.Is(err, c.err) {
					t.Fatalf("err = %v, want %v", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if string(out) != c.want {
				t.Errorf("got:\n%q\nwant:\n%q", out, c.want)
			}
			if !changed {
				t.Error("changed = false")
			}
		})
	}
}

func TestSetImageUnchanged(t *testing.T) {
	in := []byte("images:\n- name: a # x\n  newTag: \"1.20\"\n")
	out, changed, err := SetImage(in, Edit{Name: "a", NewTag: Value("1.20"), Digest: Value("")})
	if err != nil || changed || !bytes.Equal(out, in) {
		t.Fatalf("changed=%v err=%v out=%q", changed, err, out)
	}
}

func TestImages(t *testing.T) {
	cases := []struct {
		name string
		in   string
		want []Image
		err  error
	}{
		{"none", "resources: [a.yaml]\n", nil, nil},
		{"empty file", "", nil, nil},
		{"all fields", "images:\n- name: a\n  newName: b\n  newTag: v1@sha256:1\n  digest: sha256:2\n  tagSuffix: -x\n", []Image{{Name: "a", NewName: "b", NewTag: "v1@sha256:1", Digest: "sha256:2", TagSuffix: "-x", Line: 2}}, nil},
		{"only the first document", "images: [{name: a}]\n---\nimages: [{name: b}]\n", []Image{{Name: "a", Line: 1}}, nil},
		{"null fields read as empty", "images:\n- name: a\n  newTag: ~\n", []Image{{Name: "a", Line: 2}}, nil},
		{"field not a scalar", "images:\n- name: [a]\n", nil, ErrInvalid},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := Images([]byte(c.in))
			if !errors.Is(err, c.err) {
				t.Fatalf("err = %v, want %v", err, c.err)
			}
			if len(got) != len(c.want) {
				t.Fatalf("got %+v, want %+v", got, c.want)
			}
			for i := range got {
				if got[i] != c.want[i] {
					t.Errorf("got %+v, want %+v", got[i], c.want[i])
				}
			}
		})
	}
}

func TestParseImageArg(t *testing.T) {
	s := Value
	cases := []struct {
		arg  string
		want Edit
		err  bool
	}{
		{"nginx:1.2", Edit{Name: "nginx", NewName: s(""), TagSuffix: s(""), NewTag: s("1.2"), Digest: s("")}, false},
		{"nginx=r/nginx", Edit{Name: "nginx", NewName: s("r/nginx"), TagSuffix: s(""), NewTag: s(""), Digest: s("")}, false},
		{"a=b:v1@sha256:1", Edit{Name: "a", NewName: s("b"), TagSuffix: s(""), NewTag: s("v1"), Digest: s("sha256:1")}, false},
		{"a@sha256:1", Edit{Name: "a", NewName: s(""), TagSuffix: s(""), NewTag: s(""), Digest: s("sha256:1")}, false},
		{"host:5000/a:v1", Edit{Name: "host:5000/a", NewName: s(""), TagSuffix: s(""), NewTag: s("v1"), Digest: s("")}, false},
		{"a=*:*@sha256:1", Edit{Name: "a", TagSuffix: s(""), Digest: s("sha256:1")}, false},
		{"a:*", Edit{Name: "a", NewName: s(""), TagSuffix: s(""), Digest: s("")}, false},
		{"nginx", Edit{}, true},
		{"=", Edit{}, true},
	}
	for _, c := range cases {
		t.Run(c.arg, func(t *testing.T) {
			got, err := ParseImageArg(c.arg)
			if (err != nil) != c.err {
				t.Fatalf("err = %v", err)
			}
			if c.err {
				if !errors.Is(err, ErrInvalidEdit) {
					t.Errorf("err %v does not wrap ErrInvalidEdit", err)
				}
				return
			}
			if show(got) != show(c.want) {
				t.Errorf("got %s, want %s", show(got), show(c.want))
			}
		})
	}
}

func show(e Edit) string {
	f := func(p *string) string {
		if p == nil {
			return "keep"
		}
		return "=" + *p
	}
	return e.Name + " newName" + f(e.NewName) + " tagSuffix" + f(e.TagSuffix) + " newTag" + f(e.NewTag) + " digest" + f(e.Digest)
}

func TestParseImageArgsLastWinsSorted(t *testing.T) {
	edits, err := ParseImageArgs([]string{"b:1", "a:1", "b:2"})
	if err != nil {
		t.Fatal(err)
	}
	if len(edits) != 2 || edits[0].Name != "a" || edits[1].Name != "b" || *edits[1].NewTag != "2" {
		t.Fatalf("got %v", edits)
	}
	if _, err := ParseImageArgs(nil); !errors.Is(err, ErrInvalidEdit) {
		t.Fatalf("no args: err = %v", err)
	}
}
