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

// CreateIssue opens an issue with the given labels.
func (f *Forge) CreateIssue(ctx context.Context, repo Repo, title, body string, labels ...string) (*github.Issue, error) {
	is, _, err := f.gh.Issues.Create(ctx, repo.Owner, repo.Name, &github.IssueRequest{
		Title: github.String(title), Body: github.String(body), Labels: &labels})
	if err != nil {
		return nil, fmt.Errorf("open issue %q in %s: %w", title, repo, err)
	}
	return is, nil
}

// EditIssueBody converges an issue's body on what edit makes of it: it
// reads the body, applies edit and writes the result, then reads it again
// and repeats until edit changes nothing, a bounded number of times. GitHub
// takes no precondition on an issue update, so two writers can overwrite
// each other; reading right before each write, and reading back after it,
// lets each one see the other's change and apply its own on top of it. edit
// must be idempotent: applied to a body that already has its change, it
// returns that body. It returns the body it last read.
func (f *Forge) EditIssueBody(ctx context.Context, repo Repo, number int, edit func(body string) (string, error)) (string, error) {
	for attempt := 0; attempt <= f.attempts; attempt++ {
		is, _, err := f.gh.Issues.Get(ctx, repo.Owner, repo.Name, number)
		if err != nil {
			return "", fmt.Errorf("read issue %s#%d: %w", repo, number, err)
		}
		body := is.GetBody()
		next, err := edit(body)
		if err != nil || next == body {
			return body, err
		}
		if _, _, err := f.gh.Issues.Edit(ctx, repo.Owner, repo.Name, number, &github.IssueRequest{Body: github.String(next)}); err != nil {
			return "", fmt.Errorf("update issue %s#%d: %w", repo, number, err)
		}
	}
	return "", fmt.Errorf("update issue %s#%d: it kept changing under %d writes: %w", repo, number, f.attempts, ErrConflict)
}

// CloseIssue closes an issue.
func (f *Forge) CloseIssue(ctx context.Context, repo Repo, number int) error {
	if _, _, err := f.gh.Issues.Edit(ctx, repo.Owner, repo.Name, number, &github.IssueRequest{State: github.String("closed")}); err != nil {
		return fmt.Errorf("close issue %s#%d: %w", repo, number, err)
	}
	return nil
}
