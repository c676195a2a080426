package githubsim

import (
	"path"
	"sort"
)

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
