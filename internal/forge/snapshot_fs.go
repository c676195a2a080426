package forge

import (
	"bytes"
	"io"
	"io/fs"
	"path"
	"time"
)

// Open implements fs.FS.
func (s *Snapshot) Open(name string) (fs.File, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	e, err := s.lookup(name)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	if e.Type == "tree" {
		entries, err := s.ReadDir(name)
		if err != nil {
			return nil, err
		}
		return &dirFile{info: fileInfo{e}, entries: entries}, nil
	}
	data, err := s.blob(e.SHA)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	e.Size = int64(len(data))
	return &file{info: fileInfo{e}, r: bytes.NewReader(data)}, nil
}

// ReadFile implements fs.ReadFileFS. The returned slice is the caller's.
func (s *Snapshot) ReadFile(name string) ([]byte, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "read", Path: name, Err: fs.ErrInvalid}
	}
	e, err := s.lookup(name)
	if err != nil {
		return nil, &fs.PathError{Op: "read", Path: name, Err: err}
	}
	if e.Type == "tree" {
		return nil, &fs.PathError{Op: "read", Path: name, Err: errIsDir}
	}
	data, err := s.blob(e.SHA)
	if err != nil {
		return nil, &fs.PathError{Op: "read", Path: name, Err: err}
	}
	return bytes.Clone(data), nil
}

// Stat implements fs.StatFS.
func (s *Snapshot) Stat(name string) (fs.FileInfo, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "stat", Path: name, Err: fs.ErrInvalid}
	}
	e, err := s.lookup(name)
	if err != nil {
		return nil, &fs.PathError{Op: "stat", Path: name, Err: err}
	}
	return fileInfo{e}, nil
}

// ReadDir implements fs.ReadDirFS; it loads the whole tree listing.
func (s *Snapshot) ReadDir(name string) ([]fs.DirEntry, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: fs.ErrInvalid}
	}
	idx, err := s.load()
	if err != nil {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: err}
	}
	names, ok := idx.children[name]
	if !ok {
		if _, isFile := idx.entries[name]; isFile {
			return nil, &fs.PathError{Op: "readdir", Path: name, Err: errNotDir}
		}
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: fs.ErrNotExist}
	}
	out := make([]fs.DirEntry, 0, len(names))
	for _, n := range names {
		p := n
		if name != "." {
			p = name + "/" + n
		}
		out = append(out, fs.FileInfoToDirEntry(fileInfo{idx.entries[p]}))
	}
	return out, nil
}

type pathErr string

func (e pathErr) Error() string { return string(e) }

const (
	errIsDir  = pathErr("is a directory")
	errNotDir = pathErr("not a directory")
)

// fileInfo describes a tree entry.
type fileInfo struct{ e entry }

func (i fileInfo) Name() string { return path.Base(i.e.Path) }
func (i fileInfo) Size() int64 {
	if i.e.Size < 0 {
		return 0
	}
	return i.e.Size
}
func (i fileInfo) ModTime() time.Time { return time.Time{} }
func (i fileInfo) IsDir() bool        { return i.e.Type == "tree" }
func (i fileInfo) Sys() any           { return nil }
func (i fileInfo) Mode() fs.FileMode {
	switch i.e.Mode {
	case "040000":
		return fs.ModeDir | 0o555
	case "100755":
		return 0o555
	case "120000":
		return fs.ModeSymlink | 0o444
	case "160000":
		return fs.ModeIrregular | 0o444
	}
	if i.e.Type == "tree" {
		return fs.ModeDir | 0o555
	}
	return 0o444
}

type file struct {
	info fileInfo
	r    *bytes.Reader
}

func (f *file) Stat() (fs.FileInfo, error) { return f.info, nil }
func (f *file) Read(p []byte) (int, error) { return f.r.Read(p) }
func (f *file) Close() error               { return nil }

type dirFile struct {
	info    fileInfo
	entries []fs.DirEntry
	off     int
}

func (d *dirFile) Stat() (fs.FileInfo, error) { return d.info, nil }
func (d *dirFile) Read([]byte) (int, error) {
	return 0, &fs.PathError{Op: "read", Path: d.info.e.Path, Err: errIsDir}
}
func (d *dirFile) Close() error { return nil }

// ReadDir implements fs.ReadDirFile.
func (d *dirFile) ReadDir(n int) ([]fs.DirEntry, error) {
	rest := d.entries[d.off:]
	if n <= 0 {
		d.off = len(d.entries)
		return rest, nil
	}
	if len(rest) == 0 {
		return nil, io.EOF
	}
	if n > len(rest) {
		n = len(rest)
	}
	d.off += n
	return rest[:n], nil
}
