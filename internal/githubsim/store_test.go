package githubsim

import (
	"reflect"
	"testing"
)

func TestMergeTrees(t *testing.T) {
	st := newStore()
	tree := func(files map[string]string) string {
		t.Helper()
		flat := map[string]fileEntry{}
		for p, c := range files {
			flat[p] = fileEntry{Mode: ModeFile, SHA: st.put(typeBlob, []byte(c))}
		}
		sha, err := st.buildTree(flat)
		if err != nil {
			t.Fatal(err)
		}
		return sha
	}
	base := map[string]string{"apps/a/k.yaml": "a1", "apps/b/k.yaml": "b1", "README": "r"}
	tests := []struct {
		name          string
		ours, theirs  map[string]string
		want          map[string]string
		wantConflicts []string
	}{
		{"different files in one directory",
			map[string]string{"apps/a/k.yaml": "a2", "apps/b/k.yaml": "b1", "README": "r"},
			map[string]string{"apps/a/k.yaml": "a1", "apps/b/k.yaml": "b2", "README": "r"},
			map[string]string{"apps/a/k.yaml": "a2", "apps/b/k.yaml": "b2", "README": "r"}, nil},
		{"same change on both sides",
			map[string]string{"apps/a/k.yaml": "a2", "apps/b/k.yaml": "b1", "README": "r"},
			map[string]string{"apps/a/k.yaml": "a2", "apps/b/k.yaml": "b1", "README": "r"},
			map[string]string{"apps/a/k.yaml": "a2", "apps/b/k.yaml": "b1", "README": "r"}, nil},
		{"conflict deep in a directory",
			map[string]string{"apps/a/k.yaml": "a2", "apps/b/k.yaml": "b1", "README": "r"},
			map[string]string{"apps/a/k.yaml": "a3", "apps/b/k.yaml": "b1", "README": "r"},
			nil, []string{"apps/a/k.yaml"}},
		{"deleted on one side, kept on the other",
			map[string]string{"apps/a/k.yaml": "a1", "README": "r"},
			map[string]string{"apps/a/k.yaml": "a1", "apps/b/k.yaml": "b1", "README": "r2"},
			map[string]string{"apps/a/k.yaml": "a1", "README": "r2"}, nil},
		{"directory emptied on both sides",
			map[string]string{"apps/b/k.yaml": "b1", "README": "r"},
			map[string]string{"apps/b/k.yaml": "b1", "README": "r", "new": "n"},
			map[string]string{"apps/b/k.yaml": "b1", "README": "r", "new": "n"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, conflicts, err := st.mergeTrees(tree(base), tree(tt.ours), tree(tt.theirs))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(conflicts, tt.wantConflicts) {
				t.Fatalf("conflicts = %v, want %v", conflicts, tt.wantConflicts)
			}
			if tt.want != nil && got != tree(tt.want) {
				flat, _ := st.flatten(got)
				t.Errorf("merged tree has %v", flat)
			}
		})
	}
}

func TestEditTree(t *testing.T) {
	st := newStore()
	blob := st.put(typeBlob, []byte("x"))
	root, err := st.editTree("", map[string]*treeEntry{"a/b/c": {Mode: ModeFile, SHA: blob}, "d": {Mode: ModeExec, SHA: blob}})
	if err != nil {
		t.Fatal(err)
	}
	root, err = st.editTree(root, map[string]*treeEntry{"a/b/c": nil})
	if err != nil {
		t.Fatal(err)
	}
	flat, err := st.flatten(root)
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]fileEntry{"d": {Mode: ModeExec, SHA: blob}}; !reflect.DeepEqual(flat, want) {
		t.Errorf("after deleting a/b/c: %v, want only d (empty directories vanish)", flat)
	}
	if _, err := st.editTree(root, map[string]*treeEntry{"../x": {Mode: ModeFile, SHA: blob}}); err == nil {
		t.Errorf("a path with .. was accepted")
	}
}
