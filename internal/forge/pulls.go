package forge

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/google/go-github/v62/github"
)

// PullSpec is what an upserted pull request should say.
type PullSpec struct {
	Base   string // the branch to merge into
	Branch string // the head branch, in the same repository
	Title  string
	Body   string
	Labels []string
}

// FindPR returns the open pull request whose head is branch of repo, or nil.
func (f *Forge) FindPR(ctx context.Context, repo Repo, branch string) (*github.PullRequest, error) {
	prs, _, err := f.gh.PullRequests.List(ctx, repo.Owner, repo.Name, &github.PullRequestListOptions{
		Head: repo.Owner + ":" + branch, State: "open",
	})
	if err != nil {
		return nil, fmt.Errorf("find pull request for %s in %s: %w", branch, repo, err)
	}
	for _, pr := range prs {
		if pr.GetHead().GetRef() == branch {
			f.objects.branches.set(repo, branch, pr.GetNumber())
			return pr, nil
		}
	}
	f.objects.branches.set(repo, branch, 0)
	return nil, nil
}

// UpsertPR makes the open pull request for spec.Branch say what spec says:
// it creates one when none is open, or updates the title, body and labels of
// the one that is, writing only what differs.
func (f *Forge) UpsertPR(ctx context.Context, repo Repo, spec PullSpec) (*github.PullRequest, error) {
	pr, err := f.FindPR(ctx, repo, spec.Branch)
	if err != nil {
		return nil, err
	}
	if pr == nil {
		return f.createPR(ctx, repo, spec)
	}
	return f.updatePR(ctx, repo, pr, spec)
}

// createPR opens the pull request; if one was opened meanwhile, it updates that one.
func (f *Forge) createPR(ctx context.Context, repo Repo, spec PullSpec) (*github.PullRequest, error) {
	pr, _, err := f.gh.PullRequests.Create(ctx, repo.Owner, repo.Name, &github.NewPullRequest{
		Title: github.String(TruncateTitle(spec.Title)),
		Head:  github.String(spec.Branch),
		Base:  github.String(spec.Base),
		Body:  github.String(TruncateComment(spec.Body)),
	})
	if status(err) == http.StatusUnprocessableEntity && strings.Contains(errorText(err), "already exists") {
		// Opened meanwhile by another replica: update that one instead.
		existing, ferr := f.FindPR(ctx, repo, spec.Branch)
		if ferr != nil {
			return nil, ferr
		}
		if existing == nil {
			return nil, fmt.Errorf("open pull request %s → %s in %s: %w", spec.Branch, spec.Base, repo, err)
		}
		return f.updatePR(ctx, repo, existing, spec)
	}
	if err != nil {
		return nil, fmt.Errorf("open pull request %s → %s in %s: %w", spec.Branch, spec.Base, repo, err)
	}
	f.objects.branches.set(repo, spec.Branch, pr.GetNumber())
	if err := f.addMissingLabels(ctx, repo, pr, spec.Labels); err != nil {
		return nil, err
	}
	return pr, nil
}

// errorText returns GitHub's message with the messages of its field errors.
func errorText(err error) string {
	var b strings.Builder
	b.WriteString(message(err))
	var ge *github.ErrorResponse
	if asErrorResponse(err, &ge) {
		for _, e := range ge.Errors {
			b.WriteString("; " + e.Message)
		}
	}
	return b.String()
}

func (f *Forge) updatePR(ctx context.Context, repo Repo, pr *github.PullRequest, spec PullSpec) (*github.PullRequest, error) {
	title, body := TruncateTitle(spec.Title), TruncateComment(spec.Body)
	if pr.GetTitle() != title || pr.GetBody() != body || (spec.Base != "" && pr.GetBase().GetRef() != spec.Base) {
		edit := &github.PullRequest{Title: github.String(title), Body: github.String(body)}
		if spec.Base != "" && pr.GetBase().GetRef() != spec.Base {
			edit.Base = &github.PullRequestBranch{Ref: github.String(spec.Base)}
		}
		updated, _, err := f.gh.PullRequests.Edit(ctx, repo.Owner, repo.Name, pr.GetNumber(), edit)
		if err != nil {
			return nil, fmt.Errorf("update pull request %s#%d: %w", repo, pr.GetNumber(), err)
		}
		pr = updated
	}
	if err := f.addMissingLabels(ctx, repo, pr, spec.Labels); err != nil {
		return nil, err
	}
	return pr, nil
}

// EnsureLabels adds the labels an open pull request should carry and does
// not (one call, none when it carries them all): a run that finds its pull
// request already open puts back labels an earlier, failed run did not add.
func (f *Forge) EnsureLabels(ctx context.Context, repo Repo, pr *github.PullRequest, labels []string) error {
	return f.addMissingLabels(ctx, repo, pr, labels)
}

// addMissingLabels adds the labels pr does not carry yet, in one call.
func (f *Forge) addMissingLabels(ctx context.Context, repo Repo, pr *github.PullRequest, labels []string) error {
	var missing []string
	for _, l := range labels {
		if !slices.ContainsFunc(pr.Labels, func(have *github.Label) bool { return have.GetName() == l }) && !slices.Contains(missing, l) {
			missing = append(missing, l)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	added, err := f.addLabels(ctx, repo, pr.GetNumber(), missing)
	if err != nil {
		return err
	}
	pr.Labels = added
	return nil
}

// closeKind marks the comment that says why Stagehand closed a pull request.
const closeKind = "closed"

// ClosePR closes a pull request after commenting why, so nobody wonders.
// The comment carries a marker and is only written when the pull request
// does not already hold the same one, so a retry after a failed close (or a
// second replica closing the same pull request) leaves one comment.
func (f *Forge) ClosePR(ctx context.Context, repo Repo, number int, reason string) error {
	if _, err := f.UpsertComment(ctx, repo, number, closeKind, "", reason); err != nil {
		return err
	}
	_, _, err := f.gh.PullRequests.Edit(ctx, repo.Owner, repo.Name, number, &github.PullRequest{State: github.String("closed")})
	if err != nil {
		return fmt.Errorf("close %s#%d: %w", repo, number, err)
	}
	return nil
}
