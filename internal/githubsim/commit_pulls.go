package githubsim

import (
	"net/http"
	"sort"
)

// listCommitPulls is GitHub's "list pull requests associated with a
// commit": the merged pull requests that brought the commit onto their
// base (as their merge commit or one of their own commits), or, when
// none did, the open pull requests whose head holds it.
func (s *Sim) listCommitPulls(c *call) reply {
	sha, found := c.repo.resolveRef(c.param("commit_sha"))
	if !found {
		return apiError(http.StatusUnprocessableEntity, "No commit found for SHA: "+c.param("commit_sha"))
	}
	issues := c.repo.sortedIssues()
	sort.Slice(issues, func(i, j int) bool { return issues[i].number > issues[j].number })
	var merged, open []any
	for _, is := range issues {
		pr := is.pr
		switch {
		case pr == nil:
		case pr.merged && s.introduced(c.repo, pr, sha):
			merged = append(merged, s.pullJSON(c.repo, is, false))
		case is.state == "open" && c.repo.store.isAncestor(sha, pr.headSHA):
			open = append(open, s.pullJSON(c.repo, is, false))
		}
	}
	if len(merged) > 0 {
		return s.paginate(c, merged)
	}
	return s.paginate(c, open)
}

// introduced reports whether merging pr brought sha onto its base: sha is
// the merge commit, or reachable from it but not from the base as it was
// before the merge.
func (s *Sim) introduced(r *repo, pr *pull, sha string) bool {
	if sha == pr.mergeCommit {
		return true
	}
	if !r.store.isAncestor(sha, pr.mergeCommit) {
		return false
	}
	return pr.mergedOnto == "" || !r.store.isAncestor(sha, pr.mergedOnto)
}
