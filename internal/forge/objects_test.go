package forge

import (
	"context"
	"fmt"
	"io/fs"
	"testing"
)

// TestObjectCacheBoundedByBytes: reading the trees, files and commits of
// many pushes to a repository of many files keeps the object cache within
// its byte budget, however many listings there are; the newest stay.
func TestObjectCacheBoundedByBytes(t *testing.T) {
	ctx := context.Background()
	files := map[string]string{}
	for i := range 100 {
		files[fmt.Sprintf("apps/app%03d/overlays/dev/kustomization.yaml", i)] = fmt.Sprintf("images:\n- name: ghcr.io/acme/app%03d\n  newTag: v1.0.0\n", i)
	}
	e := newEnv(t, envOptions{files: files})
	const budget = 2 << 20
	cache := NewObjectCache(budget)
	f := New(e.forge.gh, Options{Sleep: e.clock.Sleep, Objects: cache})
	var most int64
	var head string
	for i := range 30 {
		sha, err := e.sim.Push("alice", testRepo.String(), "main", fmt.Sprintf("Bump %d", i), map[string]string{
			"apps/app000/overlays/dev/kustomization.yaml": fmt.Sprintf("images:\n- name: ghcr.io/acme/app000\n  newTag: v1.0.%d\n", i),
		})
		if err != nil {
			t.Fatal(err)
		}
		head = sha
		snap := f.Snapshot(ctx, testRepo, sha)
		if _, err := fs.ReadDir(snap, "apps"); err != nil {
			t.Fatal(err)
		}
		if _, err := fs.ReadFile(snap, "apps/app000/overlays/dev/kustomization.yaml"); err != nil {
			t.Fatal(err)
		}
		if _, err := snap.TreeSHA(); err != nil {
			t.Fatal(err)
		}
		most = max(most, cache.Bytes())
	}
	t.Logf("30 listings of 400 entries: at most %d bytes held, %d trees, %d at the end", most, cache.trees.len(), cache.Bytes())
	if most > budget {
		t.Fatalf("the cache held %d bytes; its budget is %d", most, budget)
	}
	if _, ok := cache.trees.get(treeKey(testRepo, head)); !ok {
		t.Fatal("the newest listing was evicted")
	}
}
