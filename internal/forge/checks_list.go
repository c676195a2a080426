package forge

import (
	"context"
	"fmt"

	"github.com/google/go-github/v62/github"
)

// CheckRuns lists the newest check run of each name on sha (GitHub's
// filter=latest), every page of them.
func (f *Forge) CheckRuns(ctx context.Context, repo Repo, sha string) ([]*github.CheckRun, error) {
	var out []*github.CheckRun
	opts := &github.ListCheckRunsOptions{Filter: github.String("latest"), ListOptions: github.ListOptions{PerPage: 100}}
	for {
		list, resp, err := f.gh.Checks.ListCheckRunsForRef(ctx, repo.Owner, repo.Name, sha, opts)
		if err != nil {
			return nil, fmt.Errorf("list check runs on %s: %w", sha, err)
		}
		out = append(out, list.CheckRuns...)
		if resp.NextPage == 0 {
			return out, nil
		}
		opts.Page = resp.NextPage
	}
}

// Statuses lists the newest commit status of each context on sha, as
// GitHub's combined status gives them.
func (f *Forge) Statuses(ctx context.Context, repo Repo, sha string) ([]*github.RepoStatus, error) {
	st, _, err := f.gh.Repositories.GetCombinedStatus(ctx, repo.Owner, repo.Name, sha, &github.ListOptions{PerPage: 100})
	if err != nil {
		return nil, fmt.Errorf("status of %s@%s: %w", repo, sha, err)
	}
	return st.Statuses, nil
}
