package forge

import (
	"context"
	"fmt"

	"github.com/google/go-github/v62/github"
)

// FindIssue returns the open issue carrying label whose title is title
// (the oldest, when several do), or nil: how records such as Stagehand's
// holds are found without a database.
func (f *Forge) FindIssue(ctx context.Context, repo Repo, label, title string) (*github.Issue, error) {
	list, _, err := f.gh.Issues.ListByRepo(ctx, repo.Owner, repo.Name, &github.IssueListByRepoOptions{
		State: "open", Labels: []string{label}, Sort: "created", Direction: "asc",
		ListOptions: github.ListOptions{PerPage: 100},
	})
	if err != nil {
		return nil, fmt.Errorf("issues labelled %s in %s: %w", label, repo, err)
	}
	for _, is := range list {
		if is.GetTitle() == title && !is.IsPullRequest() {
			return is, nil
		}
	}
	return nil, nil
}
