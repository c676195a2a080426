package githubsim

import (
	"fmt"
	"path"
	"strings"
)

// store holds one repository's git objects, addressed by SHA.
type store struct {
	objects map[string]object
}

func newStore() *store { return &store{objects: map[string]object{}} }

func (s *store) put(typ string, data []byte) string {
	sha := hashObject(typ, data)
	if _, ok := s.objects[sha]; !ok {
		s.objects[sha] = object{typ: typ, data: append([]byte(nil), data...)}
	}
	return sha
}

func (s *store) get(sha, typ string) ([]byte, bool) {
	o, ok := s.objects[sha]
	if !ok || (typ != "" && o.typ != typ) {
		return nil, false
	}
	return o.data, true
}

func (s *store) putTree(entries []treeEntry) (string, error) {
	data, err := encodeTree(entries)
	if err != nil {
		return "", err
	}
	return s.put(typeTree, data), nil
}

func (s *store) tree(sha string) ([]treeEntry, error) {
	data, ok := s.get(sha, typeTree)
	if !ok {
		return nil, fmt.Errorf("tree %s: %w", sha, errNotFound)
	}
	return decodeTree(data)
}

func (s *store) commit(sha string) (commitObj, error) {
	data, ok := s.get(sha, typeCommit)
	if !ok {
		return commitObj{}, fmt.Errorf("commit %s: %w", sha, errNotFound)
	}
	return decodeCommit(data)
}

// fileEntry is a non-tree entry found while flattening a tree.
type fileEntry struct {
	Mode string
	SHA  string
}

// flatten lists every blob (and submodule/symlink) under a tree by full path.
func (s *store) flatten(treeSHA string) (map[string]fileEntry, error) {
	out := map[string]fileEntry{}
	var walk func(sha, prefix string) error
	walk = func(sha, prefix string) error {
		entries, err := s.tree(sha)
		if err != nil {
			return err
		}
		for _, e := range entries {
			p := path.Join(prefix, e.Name)
			if e.isTree() {
				if err := walk(e.SHA, p); err != nil {
					return err
				}
				continue
			}
			out[p] = fileEntry{Mode: e.Mode, SHA: e.SHA}
		}
		return nil
	}
	if err := walk(treeSHA, ""); err != nil {
		return nil, err
	}
	return out, nil
}

// buildTree writes the trees for a flat path map and returns the root tree SHA.
func (s *store) buildTree(files map[string]fileEntry) (string, error) {
	type dir struct {
		files map[string]fileEntry
		dirs  map[string]*dir
	}
	newDir := func() *dir { return &dir{files: map[string]fileEntry{}, dirs: map[string]*dir{}} }
	root := newDir()
	for p, f := range files {
		parts := strings.Split(strings.Trim(p, "/"), "/")
		d := root
		for _, part := range parts[:len(parts)-1] {
			next, ok := d.dirs[part]
			if !ok {
				next = newDir()
				d.dirs[part] = next
			}
			d = next
		}
		d.files[parts[len(parts)-1]] = f
	}
	var write func(d *dir) (string, error)
	write = func(d *dir) (string, error) {
		var entries []treeEntry
		for name, f := range d.files {
			entries = append(entries, treeEntry{Mode: f.Mode, Name: name, SHA: f.SHA})
		}
		for name, sub := range d.dirs {
			if len(sub.files) == 0 && len(sub.dirs) == 0 {
				continue
			}
			sha, err := write(sub)
			if err != nil {
				return "", err
			}
			entries = append(entries, treeEntry{Mode: ModeTree, Name: name, SHA: sha})
		}
		return s.putTree(entries)
	}
	return write(root)
}

// editTree applies edits (path → entry, nil deletes) to a root tree ("" = empty) and
// returns the new root. Only the directories on edited paths are read and rewritten.
func (s *store) editTree(root string, edits map[string]*treeEntry) (string, error) {
	entries, err := s.entriesOf(root)
	if err != nil {
		return "", err
	}
	sub := map[string]map[string]*treeEntry{}
	for p, e := range edits {
		head, rest, nested := strings.Cut(strings.Trim(p, "/"), "/")
		if !nested {
			if e == nil {
				delete(entries, head)
			} else {
				ne := *e
				ne.Name = head
				entries[head] = ne
			}
			continue
		}
		if sub[head] == nil {
			sub[head] = map[string]*treeEntry{}
		}
		sub[head][rest] = e
	}
	for dir, dirEdits := range sub {
		base := ""
		if cur, ok := entries[dir]; ok && cur.isTree() {
			base = cur.SHA
		}
		sha, err := s.editTree(base, dirEdits)
		if err != nil {
			return "", err
		}
		if children, _ := s.tree(sha); len(children) == 0 {
			delete(entries, dir)
			continue
		}
		entries[dir] = treeEntry{Mode: ModeTree, Name: dir, SHA: sha}
	}
	list := make([]treeEntry, 0, len(entries))
	for _, e := range entries {
		list = append(list, e)
	}
	return s.putTree(list)
}

// lookupPath finds the entry at p under a root tree.
func (s *store) lookupPath(rootTree, p string) (treeEntry, error) {
	p = strings.Trim(p, "/")
	cur := treeEntry{Mode: ModeTree, SHA: rootTree}
	if p == "" {
		return cur, nil
	}
	for _, part := range strings.Split(p, "/") {
		if !cur.isTree() {
			return treeEntry{}, fmt.Errorf("path %s: %w", p, errNotFound)
		}
		entries, err := s.tree(cur.SHA)
		if err != nil {
			return treeEntry{}, err
		}
		found := false
		for _, e := range entries {
			if e.Name == part {
				cur, found = e, true
				break
			}
		}
		if !found {
			return treeEntry{}, fmt.Errorf("path %s: %w", p, errNotFound)
		}
	}
	return cur, nil
}

// ancestors returns every commit reachable from sha (inclusive), in BFS order.
func (s *store) ancestors(sha string) []string {
	seen := map[string]bool{}
	queue := []string{sha}
	var out []string
	for len(queue) > 0 {
		c := queue[0]
		queue = queue[1:]
		if seen[c] {
			continue
		}
		seen[c] = true
		out = append(out, c)
		obj, err := s.commit(c)
		if err != nil {
			continue
		}
		queue = append(queue, obj.Parents...)
	}
	return out
}

// isAncestor reports whether a is reachable from b.
func (s *store) isAncestor(a, b string) bool {
	for _, c := range s.ancestors(b) {
		if c == a {
			return true
		}
	}
	return false
}

// mergeBase returns the first common ancestor of a and b found walking b's history.
func (s *store) mergeBase(a, b string) string {
	inA := map[string]bool{}
	for _, c := range s.ancestors(a) {
		inA[c] = true
	}
	for _, c := range s.ancestors(b) {
		if inA[c] {
			return c
		}
	}
	return ""
}
