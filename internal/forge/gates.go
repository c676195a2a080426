package forge

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/google/go-github/v62/github"
)

// PathHistory returns up to limit commits reachable from ref that touched
// path, newest first: where a soak gate finds when a tag entered an overlay.
func (f *Forge) PathHistory(ctx context.Context, repo Repo, ref, path string, limit int) ([]*github.RepositoryCommit, error) {
	var out []*github.RepositoryCommit
	opts := &github.CommitsListOptions{SHA: ref, Path: path, ListOptions: github.ListOptions{PerPage: min(limit, 100)}}
	for len(out) < limit {
		page, resp, err := f.gh.Repositories.ListCommits(ctx, repo.Owner, repo.Name, opts)
		if err != nil {
			return nil, fmt.Errorf("history of %s at %s in %s: %w", path, ref, repo, err)
		}
		out = append(out, page...)
		if resp.NextPage == 0 {
			break
		}
		opts.Page = resp.NextPage
	}
	return out[:min(len(out), limit)], nil
}

// Healthy reports whether commit sha was reported healthy: its combined
// commit status is success, or the latest status of one of its deployments
// (to environment, when not empty) is success. Argo CD and Flux post these.
func (f *Forge) Healthy(ctx context.Context, repo Repo, sha, environment string) (bool, error) {
	st, _, err := f.gh.Repositories.GetCombinedStatus(ctx, repo.Owner, repo.Name, sha, nil)
	if err != nil {
		return false, fmt.Errorf("status of %s@%s: %w", repo, sha, err)
	}
	if st.GetState() == "success" && st.GetTotalCount() > 0 {
		return true, nil
	}
	deps, _, err := f.gh.Repositories.ListDeployments(ctx, repo.Owner, repo.Name, &github.DeploymentsListOptions{SHA: sha, Environment: environment})
	if err != nil {
		return false, fmt.Errorf("deployments of %s@%s: %w", repo, sha, err)
	}
	for _, d := range deps {
		statuses, _, err := f.gh.Repositories.ListDeploymentStatuses(ctx, repo.Owner, repo.Name, d.GetID(), &github.ListOptions{PerPage: 1})
		if err != nil {
			return false, fmt.Errorf("statuses of deployment %d in %s: %w", d.GetID(), repo, err)
		}
		if len(statuses) > 0 && statuses[0].GetState() == "success" {
			return true, nil
		}
	}
	return false, nil
}

// OpenProposals lists the open pull requests whose head branch starts with
// prefix (such as "stagehand/"), for reconciling after a restart. It also
// tells later Propose calls which branches exist, so they skip a create.
func (f *Forge) OpenProposals(ctx context.Context, repo Repo, prefix string) ([]*github.PullRequest, error) {
	var out []*github.PullRequest
	opts := &github.PullRequestListOptions{State: "open", ListOptions: github.ListOptions{PerPage: 100}}
	for {
		page, resp, err := f.gh.PullRequests.List(ctx, repo.Owner, repo.Name, opts)
		if err != nil {
			return nil, fmt.Errorf("list pull requests of %s: %w", repo, err)
		}
		for _, pr := range page {
			if strings.HasPrefix(pr.GetHead().GetRef(), prefix) && pr.GetHead().GetRepo().GetFullName() == repo.String() {
				f.objects.branches.set(repo, pr.GetHead().GetRef(), pr.GetNumber())
				out = append(out, pr)
			}
		}
		if resp.NextPage == 0 {
			return out, nil
		}
		opts.Page = resp.NextPage
	}
}

// DeleteBranch deletes a branch; a branch that is already gone is not an error.
func (f *Forge) DeleteBranch(ctx context.Context, repo Repo, branch string) error {
	_, err := f.gh.Git.DeleteRef(ctx, repo.Owner, repo.Name, "heads/"+branch)
	if err != nil && status(err) != http.StatusNotFound && status(err) != http.StatusUnprocessableEntity {
		return fmt.Errorf("delete branch %s of %s: %w", branch, repo, err)
	}
	f.objects.branches.set(repo, branch, 0)
	return nil
}
