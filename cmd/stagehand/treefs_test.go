package main

import (
	"errors"
	"fmt"
	"io/fs"
	"testing"
	"testing/fstest"
)

// TestTreeFS runs the standard library's file system conformance test on
// a tree and checks it against fstest.MapFS holding the same files.
func TestTreeFS(t *testing.T) {
	files := map[string][]byte{
		".stagehand.yaml":                           []byte("environments: []\n"),
		"apps/web/base/kustomization.yaml":          []byte("resources: [d.yaml]\n"),
		"apps/web/base/d.yaml":                      []byte("kind: Deployment\n"),
		"apps/web/overlays/dev/kustomization.yaml":  []byte("resources: [../../base]\n"),
		"apps/api/overlays/prod/kustomization.yaml": nil,
		"README.md": []byte("# config\n"),
	}
	tree := newTreeFS(files)
	var want []string
	for name := range files {
		want = append(want, name)
	}
	if err := fstest.TestFS(tree, want...); err != nil {
		t.Fatal(err)
	}
	m := fstest.MapFS{}
	for name, data := range files {
		m[name] = &fstest.MapFile{Data: data, Mode: 0o644}
	}
	for _, dir := range []string{".", "apps", "apps/web", "apps/web/overlays/dev"} {
		got, err := fs.ReadDir(tree, dir)
		wantEntries, werr := fs.ReadDir(m, dir)
		if err != nil || werr != nil || fmt.Sprint(names(got)) != fmt.Sprint(names(wantEntries)) {
			t.Errorf("ReadDir(%s) = %v, %v; MapFS has %v, %v", dir, names(got), err, names(wantEntries), werr)
		}
	}
	for _, bad := range []string{"missing", "apps/web/base/d.yaml/x", "/apps", "apps/../x"} {
		if _, err := tree.Open(bad); err == nil {
			t.Errorf("Open(%q) succeeded", bad)
		}
	}
	if _, err := tree.Open("missing"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Open(missing) = %v, want fs.ErrNotExist", err)
	}
}

func names(entries []fs.DirEntry) []string {
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	return out
}
