package forge

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/go-github/v62/github"
)

// ErrNoHistory reports that no commit on the branch touched the paths asked about.
var ErrNoHistory = errors.New("no commit touched the paths")

// Arrival is the commit on a branch's first-parent line that brought the
// newest change to some paths, and when it reached the branch by GitHub's
// record (see Landed); When is zero when GitHub has none.
type Arrival struct {
	SHA  string
	When time.Time
}

// historyPage is how many commits one history listing reads.
const historyPage = 100

// Arrival returns the commit that brought the current content of paths onto
// branch (a branch name or, better, the SHA of its head): the newest commit touching any of them, or, when that commit came
// in through a merge, the merge commit on branch's first-parent line (git
// log's history simplification lists the pull request's own commit, whose
// date is when it was proposed, not when it merged). Its time is the
// merged_at of the pull request that brought it, never a date inside a
// commit, which whoever pushes sets. It reads one path history per path,
// one page of the branch's history and the commit's pull requests.
func (f *Forge) Arrival(ctx context.Context, repo Repo, branch string, paths []string) (Arrival, error) {
	var touched []*github.RepositoryCommit
	for _, p := range paths {
		list, err := f.PathHistory(ctx, repo, branch, p, pathPage)
		if err != nil {
			return Arrival{}, err
		}
		touched = append(touched, list...)
	}
	if len(touched) == 0 {
		return Arrival{}, fmt.Errorf("%v on %s of %s: %w", paths, branch, repo, ErrNoHistory)
	}
	line, _, err := f.gh.Repositories.ListCommits(ctx, repo.Owner, repo.Name, &github.CommitsListOptions{
		SHA: branch, ListOptions: github.ListOptions{PerPage: historyPage},
	})
	if err != nil {
		return Arrival{}, fmt.Errorf("history of %s of %s: %w", branch, repo, err)
	}
	g := newGraph(line)
	newest := g.newest(touched)
	c := g.broughtBy(branch, newest.GetSHA())
	if c == nil {
		c = newest
	}
	// c is on branch's first-parent line, so whichever merged pull
	// request introduced it brought it onto branch.
	l, ok, err := f.Landed(ctx, repo, "", c.GetSHA())
	if err != nil || !ok {
		return Arrival{SHA: c.GetSHA()}, err
	}
	return Arrival{SHA: c.GetSHA(), When: l.When}, nil
}

// Landing is how a commit reached a branch by GitHub's record: the pull
// request that brought it, that pull request's merge commit, and when it
// merged.
type Landing struct {
	PR     int
	Commit string
	When   time.Time
}

// Landed returns how commit sha reached branch base: the earliest-merged
// pull request into base ("": any branch) that introduced it (GitHub's
// pull requests associated with a commit). ok is false when no
// merged pull request brought it, as for a direct push: GitHub then keeps
// no time that the pusher could not have set. One call.
func (f *Forge) Landed(ctx context.Context, repo Repo, base, sha string) (Landing, bool, error) {
	prs, _, err := f.gh.PullRequests.ListPullRequestsWithCommit(ctx, repo.Owner, repo.Name, sha, &github.ListOptions{PerPage: 100})
	if err != nil {
		return Landing{}, false, fmt.Errorf("pull requests of %s in %s: %w", sha, repo, err)
	}
	var best *github.PullRequest
	for _, pr := range prs {
		if pr.MergedAt == nil || pr.GetMergeCommitSHA() == "" || (base != "" && pr.GetBase().GetRef() != base) {
			continue
		}
		if best == nil || pr.GetMergedAt().Before(best.GetMergedAt().Time) {
			best = pr
		}
	}
	if best == nil {
		return Landing{}, false, nil
	}
	return Landing{PR: best.GetNumber(), Commit: best.GetMergeCommitSHA(), When: best.GetMergedAt().Time}, true, nil
}

// pathPage is how many commits of one path's history Arrival reads: the
// newest is not always first, as commits of equal date come in any order.
const pathPage = 20

func committed(c *github.RepositoryCommit) time.Time {
	return c.GetCommit().GetCommitter().GetDate().Time
}

// graph is one page of a branch's history with its parent links.
type graph struct {
	line    []*github.RepositoryCommit
	byID    map[string]*github.RepositoryCommit
	parents map[string][]string
}

func newGraph(line []*github.RepositoryCommit) *graph {
	g := &graph{line: line, byID: map[string]*github.RepositoryCommit{}, parents: map[string][]string{}}
	for _, c := range line {
		g.byID[c.GetSHA()] = c
		for _, p := range c.Parents {
			g.parents[c.GetSHA()] = append(g.parents[c.GetSHA()], p.GetSHA())
		}
	}
	return g
}

// reaches reports whether target is from, or one of its ancestors in the page.
func (g *graph) reaches(from, target string) bool {
	seen := map[string]bool{}
	stack := []string{from}
	for len(stack) > 0 {
		s := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if s == target {
			return true
		}
		if seen[s] {
			continue
		}
		seen[s] = true
		stack = append(stack, g.parents[s]...)
	}
	return false
}

// newest returns the commit of cs that no other commit of cs descends
// from (the latest date among several such), so that commits of equal
// date are ordered by ancestry rather than by the listing.
func (g *graph) newest(cs []*github.RepositoryCommit) *github.RepositoryCommit {
	var best *github.RepositoryCommit
	for _, c := range cs {
		descended := false
		for _, o := range cs {
			if o.GetSHA() != c.GetSHA() && g.reaches(o.GetSHA(), c.GetSHA()) {
				descended = true
				break
			}
		}
		if !descended && (best == nil || committed(c).After(committed(best))) {
			best = c
		}
	}
	if best == nil {
		best = cs[0]
	}
	return best
}

// broughtBy returns the oldest commit of the first-parent line from head
// (a SHA, or any name: then the first commit of the page) from which
// target is reachable: the one that brought target onto the branch. It
// returns nil when target is not in the page.
func (g *graph) broughtBy(head, target string) *github.RepositoryCommit {
	if len(g.line) == 0 {
		return nil
	}
	if _, ok := g.byID[head]; !ok {
		head = g.line[0].GetSHA()
	}
	var found *github.RepositoryCommit
	for at := head; at != ""; {
		c, ok := g.byID[at]
		if !ok || !g.reaches(at, target) {
			break
		}
		found = c
		next := ""
		if ps := g.parents[at]; len(ps) > 0 {
			next = ps[0]
		}
		at = next
	}
	return found
}

// BranchPulls returns the open pull request from branch, if any, and the
// pull requests from it that were closed without being merged, newest
// first, from one listing.
func (f *Forge) BranchPulls(ctx context.Context, repo Repo, branch string) (*github.PullRequest, []*github.PullRequest, error) {
	prs, _, err := f.gh.PullRequests.List(ctx, repo.Owner, repo.Name, &github.PullRequestListOptions{
		Head: repo.Owner + ":" + branch, State: "all", Sort: "created", Direction: "desc",
	})
	if err != nil {
		return nil, nil, fmt.Errorf("pull requests for %s in %s: %w", branch, repo, err)
	}
	var open *github.PullRequest
	var declined []*github.PullRequest
	for _, pr := range prs {
		if pr.GetHead().GetRef() != branch {
			continue
		}
		switch {
		case pr.GetState() == "open" && open == nil:
			open = pr
		case pr.GetState() == "closed" && pr.MergedAt == nil:
			declined = append(declined, pr)
		}
	}
	f.objects.branches.set(repo, branch, open.GetNumber())
	return open, declined, nil
}

// MergeState reads a pull request until GitHub has computed whether it can
// be merged (mergeable is no longer null), polling briefly with the Forge's
// Sleeper; the attempts bound the wait.
func (f *Forge) MergeState(ctx context.Context, repo Repo, number int) (*github.PullRequest, error) {
	return f.awaitMergeable(ctx, repo, number)
}
