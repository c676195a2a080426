package forge

import lru "github.com/hashicorp/golang-lru/v2"

// recentBranches remembers which proposal branches this process has seen
// with an open pull request. It is only a hint that chooses the cheaper
// order of calls; a wrong hint costs one call, never a wrong result.
type recentBranches struct{ c *lru.Cache[string, int] }

func newRecentBranches() *recentBranches { return &recentBranches{c: mustLRU[string, int](4096)} }

func (r *recentBranches) key(repo Repo, branch string) string { return repo.String() + ":" + branch }

// pr returns the pull request number last seen open for branch, or 0.
func (r *recentBranches) pr(repo Repo, branch string) int {
	n, _ := r.c.Get(r.key(repo, branch))
	return n
}

func (r *recentBranches) set(repo Repo, branch string, number int) {
	if number == 0 {
		r.c.Remove(r.key(repo, branch))
		return
	}
	r.c.Add(r.key(repo, branch), number)
}
