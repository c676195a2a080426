package forge

import (
	"context"
	"encoding/base64"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
	"sync"

	"github.com/google/go-github/v62/github"
)

// Snapshot is a repository at one commit, as a read-only file system.
// Nothing is read until asked for: a single file is read with one contents
// call; listing a directory loads the whole tree with one recursive tree
// call (walking subtrees if GitHub truncates it). Blob contents come from the
// shared ObjectCache, by SHA, when present, or from the commit's archive
// when many are asked for at once (Prefetch). The context given to
// Snapshot bounds every lazy read.
type Snapshot struct {
	f      *Forge
	ctx    context.Context
	repo   Repo
	commit string

	mu    sync.Mutex
	index *treeIndex
	// fetched holds, by SHA, the blobs Prefetch read from the archive.
	fetched map[string][]byte
}

var (
	_ fs.ReadDirFS  = (*Snapshot)(nil)
	_ fs.StatFS     = (*Snapshot)(nil)
	_ fs.ReadFileFS = (*Snapshot)(nil)
)

// Snapshot returns repo at commit (a full commit SHA) as a file system.
func (f *Forge) Snapshot(ctx context.Context, repo Repo, commit string) *Snapshot {
	return &Snapshot{f: f, ctx: ctx, repo: repo, commit: commit}
}

// SnapshotBranch returns repo at the current head of branch.
func (f *Forge) SnapshotBranch(ctx context.Context, repo Repo, branch string) (*Snapshot, error) {
	head, err := f.Head(ctx, repo, branch)
	if err != nil {
		return nil, err
	}
	return f.Snapshot(ctx, repo, head), nil
}

// Commit returns the commit SHA the snapshot shows.
func (s *Snapshot) Commit() string { return s.commit }

// treeIndex is a recursive listing of a tree.
type treeIndex struct {
	sha      string
	entries  map[string]entry
	children map[string][]string // directory path ("." for the root) → sorted child names
	size     int64               // about how many bytes it holds, counted by add
}

// bytes returns about how many bytes the listing holds.
func (t *treeIndex) bytes() int64 { return t.size }

func newTreeIndex(sha string) *treeIndex {
	return &treeIndex{sha: sha, entries: map[string]entry{}, children: map[string][]string{".": nil}, size: int64(len(sha)) + entryOverhead}
}

func (t *treeIndex) add(e entry) {
	// The entry with its key, and its name in the parent's child list.
	t.size += e.bytes() + int64(len(e.Path)+len(path.Base(e.Path))) + 16
	t.entries[e.Path] = e
	dir := path.Dir(e.Path)
	t.children[dir] = append(t.children[dir], path.Base(e.Path))
	if e.Type == "tree" {
		if _, ok := t.children[e.Path]; !ok {
			t.children[e.Path] = nil
		}
	}
}

func (t *treeIndex) sortChildren() {
	for _, names := range t.children {
		sort.Strings(names)
	}
}

// TreeSHA returns the SHA of the snapshot's root tree.
func (s *Snapshot) TreeSHA() (string, error) {
	if c, ok := s.f.objects.commits.get(s.commit); ok {
		return c.Tree, nil
	}
	s.mu.Lock()
	idx := s.index
	s.mu.Unlock()
	if idx != nil {
		return idx.sha, nil
	}
	c, err := s.f.commitInfo(s.ctx, s.repo, s.commit)
	if err != nil {
		return "", err
	}
	return c.Tree, nil
}

// commitInfo reads a commit object, from the cache when present.
func (f *Forge) commitInfo(ctx context.Context, repo Repo, sha string) (commitInfo, error) {
	if c, ok := f.objects.commits.get(sha); ok {
		return c, nil
	}
	c, _, err := f.gh.Git.GetCommit(ctx, repo.Owner, repo.Name, sha)
	if err != nil {
		return commitInfo{}, fmt.Errorf("get commit %s@%s: %w", repo, sha, err)
	}
	info := commitInfo{Tree: c.GetTree().GetSHA(), Committed: c.GetCommitter().GetDate().Time}
	for _, p := range c.Parents {
		info.Parents = append(info.Parents, p.GetSHA())
	}
	f.objects.commits.add(sha, info)
	return info, nil
}

// load reads the whole tree listing once.
func (s *Snapshot) load() (*treeIndex, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.index != nil {
		return s.index, nil
	}
	key := treeKey(s.repo, s.commit)
	if idx, ok := s.f.objects.trees.get(key); ok {
		s.index = idx
		return idx, nil
	}
	root, _, err := s.f.gh.Git.GetTree(s.ctx, s.repo.Owner, s.repo.Name, s.commit, true)
	if err != nil {
		return nil, fmt.Errorf("read tree of %s@%s: %w", s.repo, s.commit, err)
	}
	idx := newTreeIndex(root.GetSHA())
	if err := s.fill(idx, "", root); err != nil {
		return nil, err
	}
	idx.sortChildren()
	s.f.objects.trees.add(key, idx)
	s.index = idx
	return idx, nil
}

// fill adds a tree response's entries under prefix. A truncated response is
// read again level by level: each direct subtree is listed recursively on
// its own, which GitHub answers in full for any but huge subtrees.
func (s *Snapshot) fill(idx *treeIndex, prefix string, t *github.Tree) error {
	if t.GetTruncated() {
		top, _, err := s.f.gh.Git.GetTree(s.ctx, s.repo.Owner, s.repo.Name, t.GetSHA(), false)
		if err != nil {
			return fmt.Errorf("read tree %s of %s: %w", t.GetSHA(), s.repo, err)
		}
		for _, e := range top.Entries {
			idx.add(toEntry(prefix, e))
			if e.GetType() != "tree" {
				continue
			}
			sub, _, err := s.f.gh.Git.GetTree(s.ctx, s.repo.Owner, s.repo.Name, e.GetSHA(), true)
			if err != nil {
				return fmt.Errorf("read tree %s of %s: %w", e.GetSHA(), s.repo, err)
			}
			if err := s.fill(idx, prefix+e.GetPath()+"/", sub); err != nil {
				return err
			}
		}
		return nil
	}
	for _, e := range t.Entries {
		idx.add(toEntry(prefix, e))
	}
	return nil
}

func toEntry(prefix string, e *github.TreeEntry) entry {
	size := int64(-1)
	if e.Size != nil {
		size = int64(e.GetSize())
	}
	return entry{Path: prefix + e.GetPath(), Mode: e.GetMode(), Type: e.GetType(), SHA: e.GetSHA(), Size: size}
}

// lookup finds the entry at name, reading as little as it can.
func (s *Snapshot) lookup(name string) (entry, error) {
	if name == "." {
		return entry{Path: ".", Mode: "040000", Type: "tree", Size: -1}, nil
	}
	s.mu.Lock()
	idx := s.index
	s.mu.Unlock()
	if idx == nil {
		if e, ok := s.f.objects.trees.get(treeKey(s.repo, s.commit)); ok {
			idx = e
		}
	}
	if idx != nil {
		if e, ok := idx.entries[name]; ok {
			return e, nil
		}
		return entry{}, fs.ErrNotExist
	}
	if e, ok := s.f.objects.paths.get(pathKey(s.repo, s.commit, name)); ok {
		if e.Type == "" {
			return entry{}, fs.ErrNotExist
		}
		return e, nil
	}
	return s.readContents(name)
}

// readContents reads one path with the contents API: a file comes with its
// content, which is cached by SHA; anything else loads the tree listing.
func (s *Snapshot) readContents(name string) (entry, error) {
	opts := &github.RepositoryContentGetOptions{Ref: s.commit}
	file, _, _, err := s.f.gh.Repositories.GetContents(s.ctx, s.repo.Owner, s.repo.Name, name, opts)
	if isNotFound(err) {
		s.f.objects.paths.add(pathKey(s.repo, s.commit, name), entry{})
		return entry{}, fs.ErrNotExist
	}
	if err != nil {
		return entry{}, fmt.Errorf("read %s in %s@%s: %w", name, s.repo, s.commit, err)
	}
	// A directory, a symlink (GitHub follows it to its target) or content
	// too large to be inlined: the tree listing says exactly what is there.
	if file == nil || file.GetType() != "file" || file.GetPath() != name || file.GetEncoding() != "base64" {
		idx, err := s.load()
		if err != nil {
			return entry{}, err
		}
		if e, ok := idx.entries[name]; ok {
			return e, nil
		}
		return entry{}, fs.ErrNotExist
	}
	content, err := file.GetContent()
	data := []byte(content)
	if err != nil {
		return entry{}, fmt.Errorf("decode %s in %s@%s: %w", name, s.repo, s.commit, err)
	}
	// The contents API does not tell the file mode; Mode stays unknown ("").
	e := entry{Path: name, Type: "blob", SHA: file.GetSHA(), Size: int64(len(data))}
	if BlobSHA(data) != e.SHA {
		return entry{}, fmt.Errorf("read %s in %s@%s: content does not match blob %s", name, s.repo, s.commit, e.SHA)
	}
	s.f.objects.putBlob(e.SHA, data)
	s.f.objects.paths.add(pathKey(s.repo, s.commit, name), e)
	return e, nil
}

// blob returns a blob's content, from the cache or the blobs API.
func (f *Forge) blob(ctx context.Context, repo Repo, sha string) ([]byte, error) {
	if data, ok := f.objects.blob(sha); ok {
		return data, nil
	}
	b, _, err := f.gh.Git.GetBlob(ctx, repo.Owner, repo.Name, sha)
	if err != nil {
		return nil, fmt.Errorf("read blob %s of %s: %w", sha, repo, err)
	}
	data := []byte(b.GetContent())
	if b.GetEncoding() == "base64" {
		if data, err = base64.StdEncoding.DecodeString(strings.ReplaceAll(b.GetContent(), "\n", "")); err != nil {
			return nil, fmt.Errorf("decode blob %s of %s: %w", sha, repo, err)
		}
	}
	f.objects.putBlob(sha, data)
	return data, nil
}
