package forge

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/google/go-github/v62/github"
)

// Permission returns user's permission on repo: "admin", "write", "read" or
// "none" (GitHub folds maintain into write and triage into read here).
func (f *Forge) Permission(ctx context.Context, repo Repo, user string) (string, error) {
	p, _, err := f.gh.Repositories.GetPermissionLevel(ctx, repo.Owner, repo.Name, user)
	if isNotFound(err) {
		return "none", nil
	}
	if err != nil {
		return "", fmt.Errorf("permission of %s on %s: %w", user, repo, err)
	}
	return p.GetPermission(), nil
}

// TeamMember reports whether user is an active member of the team org/slug.
func (f *Forge) TeamMember(ctx context.Context, org, slug, user string) (bool, error) {
	m, _, err := f.gh.Teams.GetTeamMembershipBySlug(ctx, org, slug, user)
	if isNotFound(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("membership of %s in %s/%s: %w", user, org, slug, err)
	}
	return m.GetState() == "active", nil
}

// Labels returns the labels of an issue or pull request.
func (f *Forge) Labels(ctx context.Context, repo Repo, number int) ([]string, error) {
	var out []string
	opts := &github.ListOptions{PerPage: 100}
	for {
		page, resp, err := f.gh.Issues.ListLabelsByIssue(ctx, repo.Owner, repo.Name, number, opts)
		if err != nil {
			return nil, fmt.Errorf("labels of %s#%d: %w", repo, number, err)
		}
		for _, l := range page {
			out = append(out, l.GetName())
		}
		if resp.NextPage == 0 {
			return out, nil
		}
		opts.Page = resp.NextPage
	}
}

// AddLabels adds labels to an issue or pull request.
func (f *Forge) AddLabels(ctx context.Context, repo Repo, number int, labels ...string) error {
	if len(labels) == 0 {
		return nil
	}
	_, err := f.addLabels(ctx, repo, number, labels)
	return err
}

// addLabels adds labels with the {"labels": [...]} body GitHub documents
// (go-github's AddLabelsToIssue sends a bare array, which the published
// description of the operation does not list).
func (f *Forge) addLabels(ctx context.Context, repo Repo, number int, labels []string) ([]*github.Label, error) {
	u := fmt.Sprintf("repos/%s/%s/issues/%d/labels", repo.Owner, repo.Name, number)
	req, err := f.gh.NewRequest(http.MethodPost, u, struct {
		Labels []string `json:"labels"`
	}{labels})
	if err != nil {
		return nil, fmt.Errorf("label %s#%d: %w", repo, number, err)
	}
	var out []*github.Label
	if _, err := f.gh.Do(ctx, req, &out); err != nil {
		return nil, fmt.Errorf("label %s#%d with %s: %w", repo, number, strings.Join(labels, ", "), err)
	}
	return out, nil
}

// RemoveLabel removes a label; removing a label that is not there is not an error.
func (f *Forge) RemoveLabel(ctx context.Context, repo Repo, number int, label string) error {
	_, err := f.gh.Issues.RemoveLabelForIssue(ctx, repo.Owner, repo.Name, number, label)
	if err != nil && !isNotFound(err) {
		return fmt.Errorf("unlabel %s#%d %q: %w", repo, number, label, err)
	}
	return nil
}

// LabelAddedBy returns who last added label to an issue or pull request,
// from its events, or "" when no event says.
func (f *Forge) LabelAddedBy(ctx context.Context, repo Repo, number int, label string) (string, error) {
	by, err := f.LabelAdders(ctx, repo, number)
	return by[strings.ToLower(label)], err
}

// LabelAdders returns, for each label an issue or pull request was ever
// given, who added it last (from its labeled events), keyed by the label's
// lower-cased name.
func (f *Forge) LabelAdders(ctx context.Context, repo Repo, number int) (map[string]string, error) {
	by := map[string]string{}
	opts := &github.ListOptions{PerPage: 100}
	for {
		evs, resp, err := f.gh.Issues.ListIssueEvents(ctx, repo.Owner, repo.Name, number, opts)
		if err != nil {
			return nil, fmt.Errorf("events of %s#%d: %w", repo, number, err)
		}
		for _, e := range evs {
			if e.GetEvent() == "labeled" {
				by[strings.ToLower(e.GetLabel().GetName())] = e.GetActor().GetLogin()
			}
		}
		if resp.NextPage == 0 {
			return by, nil
		}
		opts.Page = resp.NextPage
	}
}
