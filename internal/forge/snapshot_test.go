package forge

import (
	"context"
	"io/fs"
	"sort"
	"testing"
	"testing/fstest"
)

func TestSnapshotFS(t *testing.T) {
	for _, limit := range []int{0, 3} {
		name := "whole tree"
		if limit > 0 {
			name = "truncated tree walked by subtree"
		}
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, envOptions{})
			if limit > 0 {
				e.sim.SetTreeLimit(limit)
			}
			snap := e.forge.Snapshot(context.Background(), testRepo, e.head)
			var paths []string
			for p := range seedFiles {
				paths = append(paths, p)
			}
			sort.Strings(paths)
			if err := fstest.TestFS(snap, paths...); err != nil {
				t.Fatal(err)
			}
			for p, want := range seedFiles {
				got, err := fs.ReadFile(snap, p)
				if err != nil || string(got) != want {
					t.Fatalf("ReadFile(%s) = %q, %v; want %q", p, got, err, want)
				}
			}
			if _, err := snap.Stat("apps/nope"); !errorsIsNotExist(err) {
				t.Fatalf("Stat of a missing path: %v, want fs.ErrNotExist", err)
			}
		})
	}
}

func TestSnapshotReadsLazilyAndSharesBlobs(t *testing.T) {
	e := newEnv(t, envOptions{})
	ctx := context.Background()
	const overlay = "apps/web/overlays/dev/kustomization.yaml"
	steps := []struct {
		name  string
		do    func(*Snapshot) error
		calls map[string]int
	}{
		{"one file is one contents call", func(s *Snapshot) error { _, err := fs.ReadFile(s, overlay); return err },
			map[string]int{"repos/get-content": 1}},
		{"the same file again is free", func(s *Snapshot) error { _, err := fs.ReadFile(s, overlay); return err },
			map[string]int{}},
		{"a listing is one recursive tree call", func(s *Snapshot) error { _, err := s.ReadDir("apps/web/overlays"); return err },
			map[string]int{"git/get-tree": 1}},
		{"another file is one blob call", func(s *Snapshot) error {
			_, err := fs.ReadFile(s, "apps/api/overlays/dev/kustomization.yaml")
			return err
		},
			map[string]int{"git/get-blob": 1}},
	}
	snap := e.forge.Snapshot(ctx, testRepo, e.head)
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			if err := st.do(snap); err != nil {
				t.Fatal(err)
			}
			assertOps(t, e.calls(), st.calls)
		})
	}
	t.Run("a second snapshot of the commit reuses everything", func(t *testing.T) {
		again := e.forge.Snapshot(ctx, testRepo, e.head)
		if err := fs.WalkDir(again, ".", func(p string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				_, err = fs.ReadFile(again, p)
			}
			return err
		}); err != nil {
			t.Fatal(err)
		}
		// Three blobs were never read before: those, and nothing else.
		assertOps(t, e.calls(), map[string]int{"git/get-blob": len(seedFiles) - 2})
	})
}
