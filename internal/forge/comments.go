package forge

import (
	"context"
	"fmt"
	"strings"

	"github.com/google/go-github/v62/github"
)

// Marker returns the hidden HTML comment that identifies Stagehand's comment
// of one kind on an issue or pull request, such as Marker("promotion").
func Marker(kind string) string { return "<!-- stagehand:" + kind + " -->" }

// Comment posts a comment, cut to GitHub's limit with a note if it is longer.
func (f *Forge) Comment(ctx context.Context, repo Repo, number int, body string) (*github.IssueComment, error) {
	c, _, err := f.gh.Issues.CreateComment(ctx, repo.Owner, repo.Name, number, &github.IssueComment{Body: github.String(TruncateComment(body))})
	if err != nil {
		return nil, fmt.Errorf("comment on %s#%d: %w", repo, number, err)
	}
	return c, nil
}

// UpsertComment keeps a single comment of one kind on an issue or pull
// request: it edits the comment carrying Marker(kind), written by author
// when author is not empty, or posts a new one. The marker is appended to
// body; an unchanged body is not written again.
func (f *Forge) UpsertComment(ctx context.Context, repo Repo, number int, kind, author, body string) (*github.IssueComment, error) {
	marker := Marker(kind)
	body = TruncateComment(strings.TrimRight(body, "\n") + "\n\n" + marker)
	existing, err := f.findComment(ctx, repo, number, marker, author)
	if err != nil {
		return nil, err
	}
	if existing == nil {
		return f.Comment(ctx, repo, number, body)
	}
	if existing.GetBody() == body {
		return existing, nil
	}
	c, _, err := f.gh.Issues.EditComment(ctx, repo.Owner, repo.Name, existing.GetID(), &github.IssueComment{Body: github.String(body)})
	if err != nil {
		return nil, fmt.Errorf("edit comment %d on %s#%d: %w", existing.GetID(), repo, number, err)
	}
	return c, nil
}

// findComment returns the first comment carrying marker (by author, if set).
func (f *Forge) findComment(ctx context.Context, repo Repo, number int, marker, author string) (*github.IssueComment, error) {
	opts := &github.IssueListCommentsOptions{ListOptions: github.ListOptions{PerPage: 100}}
	for {
		page, resp, err := f.gh.Issues.ListComments(ctx, repo.Owner, repo.Name, number, opts)
		if err != nil {
			return nil, fmt.Errorf("list comments on %s#%d: %w", repo, number, err)
		}
		for _, c := range page {
			if strings.Contains(c.GetBody(), marker) && (author == "" || strings.EqualFold(c.GetUser().GetLogin(), author)) {
				return c, nil
			}
		}
		if resp.NextPage == 0 {
			return nil, nil
		}
		opts.Page = resp.NextPage
	}
}

// React adds a reaction ("+1", "eyes", "rocket", …) to an issue comment.
func (f *Forge) React(ctx context.Context, repo Repo, commentID int64, content string) error {
	if _, _, err := f.gh.Reactions.CreateIssueCommentReaction(ctx, repo.Owner, repo.Name, commentID, content); err != nil {
		return fmt.Errorf("react %q to comment %d in %s: %w", content, commentID, repo, err)
	}
	return nil
}
