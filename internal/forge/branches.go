package forge

import (
	"context"
	"fmt"
	"strings"

	"github.com/google/go-github/v62/github"
)

// Branches returns the branches whose name starts with prefix, each with
// the commit it points at, from one listing of matching refs (revalidated
// with its ETag, so an unchanged listing is free).
func (f *Forge) Branches(ctx context.Context, repo Repo, prefix string) (map[string]string, error) {
	out := map[string]string{}
	opts := &github.ReferenceListOptions{Ref: "heads/" + prefix, ListOptions: github.ListOptions{PerPage: 100}}
	for {
		refs, resp, err := f.gh.Git.ListMatchingRefs(ctx, repo.Owner, repo.Name, opts)
		if err != nil {
			return nil, fmt.Errorf("list branches %s* of %s: %w", prefix, repo, err)
		}
		for _, r := range refs {
			out[strings.TrimPrefix(r.GetRef(), "refs/heads/")] = r.GetObject().GetSHA()
		}
		if resp.NextPage == 0 {
			return out, nil
		}
		opts.Page = resp.NextPage
	}
}

// LastPull returns the newest pull request from branch, open or closed, or
// nil when the branch never had one.
func (f *Forge) LastPull(ctx context.Context, repo Repo, branch string) (*github.PullRequest, error) {
	prs, _, err := f.gh.PullRequests.List(ctx, repo.Owner, repo.Name, &github.PullRequestListOptions{
		Head: repo.Owner + ":" + branch, State: "all", Sort: "created", Direction: "desc",
		ListOptions: github.ListOptions{PerPage: 1},
	})
	if err != nil {
		return nil, fmt.Errorf("pull requests for %s in %s: %w", branch, repo, err)
	}
	for _, pr := range prs {
		if pr.GetHead().GetRef() == branch {
			return pr, nil
		}
	}
	return nil, nil
}
