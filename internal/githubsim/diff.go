package githubsim

import (
	"strings"

	"github.com/pmezard/go-difflib/difflib"
)

// fileDiff is one changed file between two commits, with line counts and a unified patch.
type fileDiff struct {
	changedPath
	additions, deletions int
	patch                string
}

// diffFiles lists the files changed from commit a ("" = empty) to commit b.
func (s *Sim) diffFiles(r *repo, a, b string) []fileDiff {
	treeOf := func(sha string) string {
		if sha == "" || sha == zeroSHA {
			return ""
		}
		cm, err := r.store.commit(sha)
		if err != nil {
			return ""
		}
		return cm.Tree
	}
	changes, err := r.store.diffTrees(treeOf(a), treeOf(b))
	if err != nil {
		return nil
	}
	out := make([]fileDiff, 0, len(changes))
	for _, ch := range changes {
		oldData, _ := r.store.get(ch.Old.SHA, typeBlob)
		newData, _ := r.store.get(ch.New.SHA, typeBlob)
		fd := fileDiff{changedPath: ch}
		fd.patch, fd.additions, fd.deletions = unifiedPatch(string(oldData), string(newData))
		out = append(out, fd)
	}
	return out
}

// unifiedPatch renders hunks the way GitHub's "patch" field shows them (no file headers).
func unifiedPatch(a, b string) (string, int, int) {
	text, err := difflib.GetUnifiedDiffString(difflib.UnifiedDiff{
		A: difflib.SplitLines(a), B: difflib.SplitLines(b), Context: 3,
	})
	if err != nil {
		return "", 0, 0
	}
	var lines []string
	adds, dels := 0, 0
	for _, l := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
		switch {
		case strings.HasPrefix(l, "---"), strings.HasPrefix(l, "+++"):
			continue
		case strings.HasPrefix(l, "+"):
			adds++
		case strings.HasPrefix(l, "-"):
			dels++
		}
		lines = append(lines, l)
	}
	return strings.Join(lines, "\n"), adds, dels
}

func (s *Sim) diffEntryJSON(r *repo, ref string, f fileDiff) obj {
	sha := f.New.SHA
	if f.Status == "removed" {
		sha = f.Old.SHA
	}
	m := obj{
		"sha": sha, "filename": f.Path, "status": f.Status, "additions": f.additions,
		"deletions": f.deletions, "changes": f.additions + f.deletions,
		"blob_url":     s.repoHTML(r) + "/blob/" + ref + "/" + f.Path,
		"raw_url":      s.repoHTML(r) + "/raw/" + ref + "/" + f.Path,
		"contents_url": s.repoAPI(r) + "/contents/" + f.Path + "?ref=" + ref,
	}
	if f.patch != "" {
		m["patch"] = f.patch
	}
	return m
}
