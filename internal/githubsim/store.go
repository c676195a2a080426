package githubsim

import (
	"fmt"
	"path"
	"sort"
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

// changedPath is one file-level difference between two trees.
type changedPath struct {
	Path   string
	Status string // added, removed, modified
	Old    fileEntry
	New    fileEntry
}

// diffTrees lists file changes from tree a to tree b ("" means empty tree). Subtrees
// with equal SHAs are skipped, so the cost follows the size of the change.
func (s *store) diffTrees(a, b string) ([]changedPath, error) {
	var out []changedPath
	if err := s.diffInto(a, b, "", &out); err != nil {
		return nil, err
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out, nil
}

func (s *store) entriesOf(sha string) (map[string]treeEntry, error) {
	m := map[string]treeEntry{}
	if sha == "" {
		return m, nil
	}
	entries, err := s.tree(sha)
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		m[e.Name] = e
	}
	return m, nil
}

func (s *store) diffInto(a, b, prefix string, out *[]changedPath) error {
	if a == b {
		return nil
	}
	ea, err := s.entriesOf(a)
	if err != nil {
		return err
	}
	eb, err := s.entriesOf(b)
	if err != nil {
		return err
	}
	names := map[string]bool{}
	for n := range ea {
		names[n] = true
	}
	for n := range eb {
		names[n] = true
	}
	for n := range names {
		x, inA := ea[n]
		y, inB := eb[n]
		p := path.Join(prefix, n)
		if inA && inB && x == y {
			continue
		}
		subA, subB := "", ""
		if inA && x.isTree() {
			subA = x.SHA
		}
		if inB && y.isTree() {
			subB = y.SHA
		}
		if subA != "" || subB != "" {
			if err := s.diffInto(subA, subB, p, out); err != nil {
				return err
			}
		}
		fileA, fileB := inA && !x.isTree(), inB && !y.isTree()
		switch {
		case fileA && fileB:
			*out = append(*out, changedPath{Path: p, Status: "modified", Old: fileEntry{x.Mode, x.SHA}, New: fileEntry{y.Mode, y.SHA}})
		case fileA:
			*out = append(*out, changedPath{Path: p, Status: "removed", Old: fileEntry{x.Mode, x.SHA}})
		case fileB:
			*out = append(*out, changedPath{Path: p, Status: "added", New: fileEntry{y.Mode, y.SHA}})
		}
	}
	return nil
}

// mergeTrees performs a three-way merge at file granularity: a path changed on one side
// only takes that side; a path changed on both sides the same way is kept; anything else
// is a conflict. Unchanged subtrees are never read. Conflicting paths are returned.
func (s *store) mergeTrees(baseTree, oursTree, theirsTree string) (string, []string, error) {
	var conflicts []string
	sha, err := s.mergeDir(baseTree, oursTree, theirsTree, "", &conflicts)
	if err != nil {
		return "", nil, err
	}
	sort.Strings(conflicts)
	if len(conflicts) > 0 {
		return "", conflicts, nil
	}
	return sha, nil, nil
}

func (s *store) mergeDir(base, ours, theirs, prefix string, conflicts *[]string) (string, error) {
	switch {
	case ours == theirs, base == theirs:
		return ours, nil
	case base == ours:
		return theirs, nil
	}
	eb, err := s.entriesOf(base)
	if err != nil {
		return "", err
	}
	eo, err := s.entriesOf(ours)
	if err != nil {
		return "", err
	}
	et, err := s.entriesOf(theirs)
	if err != nil {
		return "", err
	}
	names := map[string]bool{}
	for _, m := range []map[string]treeEntry{eb, eo, et} {
		for n := range m {
			names[n] = true
		}
	}
	var out []treeEntry
	for n := range names {
		b, inB := eb[n]
		o, inO := eo[n]
		t, inT := et[n]
		switch {
		case inO == inT && o == t:
			if inO {
				out = append(out, o)
			}
		case inO == inB && o == b:
			if inT {
				out = append(out, t)
			}
		case inT == inB && t == b:
			if inO {
				out = append(out, o)
			}
		case inO && inT && o.isTree() && t.isTree():
			sub := ""
			if inB && b.isTree() {
				sub = b.SHA
			}
			sha, err := s.mergeDir(sub, o.SHA, t.SHA, path.Join(prefix, n), conflicts)
			if err != nil {
				return "", err
			}
			if sha != "" {
				out = append(out, treeEntry{Mode: ModeTree, Name: n, SHA: sha})
			}
		default:
			*conflicts = append(*conflicts, path.Join(prefix, n))
		}
	}
	if prefix != "" && len(out) == 0 {
		return "", nil // an emptied directory disappears, as in git
	}
	return s.putTree(out)
}
