package main

import (
	"bytes"
	"io"
	"io/fs"
	"path"
	"slices"
	"strings"
	"time"
)

// treeFS is a read-only tree of files in memory, as `check` reads a commit
// from git. testing/fstest.MapFS lists or stats a directory by scanning
// every file of the tree, so the checks, which walk the overlays of every
// app, cost the square of the repository's size on it; treeFS indexes the
// directories once.
type treeFS struct {
	files map[string][]byte
	dirs  map[string][]fs.DirEntry // by directory ("." the root), sorted
}

var (
	_ fs.ReadFileFS = (*treeFS)(nil)
	_ fs.ReadDirFS  = (*treeFS)(nil)
)

// newTreeFS indexes files, keyed by slash-separated path; it keeps the map.
func newTreeFS(files map[string][]byte) *treeFS {
	t := &treeFS{files: files, dirs: map[string][]fs.DirEntry{".": nil}}
	for name, data := range files {
		t.add(name, entryInfo{name: path.Base(name), size: int64(len(data)), mode: 0o644})
	}
	for _, entries := range t.dirs {
		slices.SortFunc(entries, func(a, b fs.DirEntry) int { return strings.Compare(a.Name(), b.Name()) })
	}
	return t
}

// add lists name in its directory, and that directory in its own, up to
// the root, each once.
func (t *treeFS) add(name string, info entryInfo) {
	dir := path.Dir(name)
	_, known := t.dirs[dir]
	t.dirs[dir] = append(t.dirs[dir], fs.FileInfoToDirEntry(info))
	if !known && dir != "." {
		t.add(dir, entryInfo{name: path.Base(dir), mode: fs.ModeDir | 0o755})
	}
}

func (t *treeFS) Open(name string) (fs.File, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	if data, ok := t.files[name]; ok {
		return &treeFile{info: entryInfo{name: path.Base(name), size: int64(len(data)), mode: 0o644}, Reader: bytes.NewReader(data)}, nil
	}
	if entries, ok := t.dirs[name]; ok {
		return &treeDir{info: entryInfo{name: path.Base(name), mode: fs.ModeDir | 0o755}, entries: entries}, nil
	}
	return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
}

func (t *treeFS) ReadFile(name string) ([]byte, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	data, ok := t.files[name]
	if !ok {
		if _, dir := t.dirs[name]; dir {
			return nil, &fs.PathError{Op: "read", Path: name, Err: fs.ErrInvalid}
		}
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	return slices.Clone(data), nil
}

func (t *treeFS) ReadDir(name string) ([]fs.DirEntry, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	entries, ok := t.dirs[name]
	if !ok {
		if _, file := t.files[name]; file {
			return nil, &fs.PathError{Op: "readdir", Path: name, Err: fs.ErrInvalid}
		}
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	return slices.Clone(entries), nil
}

// entryInfo describes a file or directory of a treeFS.
type entryInfo struct {
	name string
	size int64
	mode fs.FileMode
}

func (i entryInfo) Name() string       { return i.name }
func (i entryInfo) Size() int64        { return i.size }
func (i entryInfo) Mode() fs.FileMode  { return i.mode }
func (i entryInfo) ModTime() time.Time { return time.Time{} }
func (i entryInfo) IsDir() bool        { return i.mode.IsDir() }
func (i entryInfo) Sys() any           { return nil }

type treeFile struct {
	info entryInfo
	*bytes.Reader
}

func (f *treeFile) Stat() (fs.FileInfo, error) { return f.info, nil }
func (f *treeFile) Close() error               { return nil }

type treeDir struct {
	info    entryInfo
	entries []fs.DirEntry
	offset  int
}

func (d *treeDir) Stat() (fs.FileInfo, error) { return d.info, nil }
func (d *treeDir) Close() error               { return nil }
func (d *treeDir) Read([]byte) (int, error) {
	return 0, &fs.PathError{Op: "read", Path: d.info.name, Err: fs.ErrInvalid}
}

// ReadDir reads as fs.ReadDirFile says: n <= 0 the rest at once, else at
// most n, and io.EOF once nothing is left.
func (d *treeDir) ReadDir(n int) ([]fs.DirEntry, error) {
	rest := d.entries[d.offset:]
	if n <= 0 {
		d.offset = len(d.entries)
		return slices.Clone(rest), nil
	}
	if len(rest) == 0 {
		return nil, io.EOF
	}
	n = min(n, len(rest))
	d.offset += n
	return slices.Clone(rest[:n]), nil
}
