package forge

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io/fs"
	"testing"
)

// prefetchFiles is a config repository of n overlays beside the default
// seed.
func prefetchFiles(n int) (map[string]string, []string) {
	files := map[string]string{}
	for p, c := range seedFiles {
		files[p] = c
	}
	var names []string
	for i := range n {
		p := fmt.Sprintf("apps/app-%d/overlays/dev/kustomization.yaml", i)
		files[p] = fmt.Sprintf("images:\n- name: ghcr.io/acme/app-%d\n  newTag: v1.0.0\n", i)
		names = append(names, p)
	}
	return files, names
}

// TestSnapshotPrefetch: Prefetch reads many files from one archive and a
// few with the blobs API, and what it read is served without a call even
// when the object cache cannot hold it.
func TestSnapshotPrefetch(t *testing.T) {
	tests := []struct {
		name       string
		files      int
		cacheBytes int64
		prefetch   map[string]int // calls of Prefetch
		archives   int
		reads      map[string]int // calls of reading every file afterwards
	}{
		{"many files come from one archive", 40, 64 << 20,
			map[string]int{"git/get-tree": 1, "repos/download-tarball-archive": 1}, 1, map[string]int{}},
		{"the snapshot keeps them when the cache cannot", 40, 1 << 10,
			map[string]int{"git/get-tree": 1, "repos/download-tarball-archive": 1}, 1, map[string]int{}},
		{"a few files are left to the blobs API", singlyAtMost, 64 << 20,
			map[string]int{"git/get-tree": 1}, 0, map[string]int{"git/get-blob": singlyAtMost}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			files, names := prefetchFiles(tt.files)
			e := newEnv(t, envOptions{files: files})
			f := New(e.forge.gh, Options{Sleep: e.clock.Sleep, Objects: NewObjectCache(tt.cacheBytes)})
			snap := f.Snapshot(context.Background(), testRepo, e.head)
			// A name that is no file of the snapshot is ignored.
			if err := snap.Prefetch(append(names, "apps/nope/kustomization.yaml", "apps")); err != nil {
				t.Fatal(err)
			}
			c := e.calls()
			assertOps(t, c, tt.prefetch)
			if c.Archives != tt.archives {
				t.Errorf("%d archives downloaded, want %d", c.Archives, tt.archives)
			}
			for _, p := range names {
				got, err := fs.ReadFile(snap, p)
				if err != nil || string(got) != files[p] {
					t.Fatalf("ReadFile(%s) = %q, %v; want %q", p, got, err, files[p])
				}
			}
			assertOps(t, e.calls(), tt.reads)
		})
	}
}

// tarGz builds a gzipped tar of entries under one top-level directory.
func tarGz(t testing.TB, entries []tar.Header, contents map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for _, h := range entries {
		h.Name = "acme-config-1234567/" + h.Name
		data := contents[h.Name]
		h.Size = int64(len(data))
		if err := tw.WriteHeader(&h); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(data)); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := gz.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestUntar: only wanted files whose content hashes to their blob are
// kept; a symlink's blob is its target.
func TestUntar(t *testing.T) {
	const top = "acme-config-1234567/"
	contents := map[string]string{top + "a.yaml": "a\n", top + "rewritten.yaml": "$Format:%H$ expanded\n", top + "other.yaml": "x\n"}
	archive := tarGz(t, []tar.Header{
		{Typeflag: tar.TypeDir, Name: ""},
		{Typeflag: tar.TypeReg, Name: "a.yaml"},
		{Typeflag: tar.TypeReg, Name: "rewritten.yaml"},
		{Typeflag: tar.TypeReg, Name: "other.yaml"},
		{Typeflag: tar.TypeSymlink, Name: "link.yaml", Linkname: "a.yaml"},
	}, contents)
	want := map[string]string{
		"a.yaml":         BlobSHA([]byte("a\n")),
		"rewritten.yaml": BlobSHA([]byte("$Format:%H$\n")), // export-subst changed it
		"link.yaml":      BlobSHA([]byte("a.yaml")),
	}
	got, err := untar(bytes.NewReader(archive), want)
	if err != nil {
		t.Fatal(err)
	}
	expect := map[string]string{BlobSHA([]byte("a\n")): "a\n", BlobSHA([]byte("a.yaml")): "a.yaml"}
	if len(got) != len(expect) {
		t.Fatalf("kept %d blobs, want %d", len(got), len(expect))
	}
	for sha, data := range expect {
		if string(got[sha]) != data {
			t.Errorf("blob %s = %q, want %q", sha, got[sha], data)
		}
	}
	if _, err := untar(bytes.NewReader([]byte("not gzip")), map[string]string{"a": "b"}); err == nil {
		t.Error("a body that is not gzip was accepted")
	}
}

// FuzzUntar: any archive body either fails or yields only blobs that hash
// to the SHA they are kept under.
func FuzzUntar(f *testing.F) {
	f.Add(tarGz(f, []tar.Header{{Typeflag: tar.TypeReg, Name: "a.yaml"}}, map[string]string{"acme-config-1234567/a.yaml": "a\n"}))
	f.Add([]byte{0x1f, 0x8b})
	f.Fuzz(func(t *testing.T, body []byte) {
		got, err := untar(bytes.NewReader(body), map[string]string{"a.yaml": BlobSHA([]byte("a\n"))})
		if err != nil {
			return
		}
		for sha, data := range got {
			if BlobSHA(data) != sha {
				t.Fatalf("blob kept under %s hashes to %s", sha, BlobSHA(data))
			}
		}
	})
}
