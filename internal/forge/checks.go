package forge

import (
	"context"
	"fmt"

	"github.com/google/go-github/v62/github"
)

// CheckRun is a check run to create or update.
type CheckRun struct {
	ID         int64  // zero creates a new run
	Name       string // required to create
	HeadSHA    string // required to create
	Status     string // queued, in_progress or completed
	Conclusion string // with Status completed: success, failure, neutral, …
	DetailsURL string
	ExternalID string
	Title      string
	Summary    string
	Text       string
	// Annotations may be any number; they are sent MaxAnnotations per request.
	Annotations []*github.CheckRunAnnotation
}

// PublishCheck creates the check run (or updates run.ID) and returns its ID.
// GitHub takes at most 50 annotations per request and appends annotations
// across updates, so the first request carries the first 50 and each
// following update the next 50. Summary and text are cut to GitHub's limit.
func (f *Forge) PublishCheck(ctx context.Context, repo Repo, run CheckRun) (int64, error) {
	batches := batchAnnotations(run.Annotations)
	id := run.ID
	for i, batch := range batches {
		out := run.output(batch)
		if id == 0 {
			created, _, err := f.gh.Checks.CreateCheckRun(ctx, repo.Owner, repo.Name, github.CreateCheckRunOptions{
				Name: run.Name, HeadSHA: run.HeadSHA, Status: opt(run.Status), Conclusion: opt(run.Conclusion),
				DetailsURL: opt(run.DetailsURL), ExternalID: opt(run.ExternalID), Output: out,
			})
			if err != nil {
				return 0, fmt.Errorf("create check %q on %s@%s: %w", run.Name, repo, run.HeadSHA, err)
			}
			id = created.GetID()
			continue
		}
		upd := github.UpdateCheckRunOptions{Name: run.Name, Output: out}
		if i == 0 {
			upd.Status, upd.Conclusion = opt(run.Status), opt(run.Conclusion)
			upd.DetailsURL, upd.ExternalID = opt(run.DetailsURL), opt(run.ExternalID)
		}
		if _, _, err := f.gh.Checks.UpdateCheckRun(ctx, repo.Owner, repo.Name, id, upd); err != nil {
			return 0, fmt.Errorf("update check %q (%d) in %s: %w", run.Name, id, repo, err)
		}
	}
	return id, nil
}

// batchAnnotations splits annotations into requests of at most
// MaxAnnotations; there is always at least one (possibly empty) batch.
func batchAnnotations(all []*github.CheckRunAnnotation) [][]*github.CheckRunAnnotation {
	batches := [][]*github.CheckRunAnnotation{nil}
	for len(all) > 0 {
		n := min(len(all), MaxAnnotations)
		if batches[0] == nil {
			batches[0] = all[:n]
		} else {
			batches = append(batches, all[:n])
		}
		all = all[n:]
	}
	return batches
}

// output returns the run's output with one batch of annotations, or nil
// when there is nothing to show. GitHub requires a title and a summary with
// any output, so the run's name and title stand in for missing ones.
func (run CheckRun) output(batch []*github.CheckRunAnnotation) *github.CheckRunOutput {
	if run.Title == "" && run.Summary == "" && run.Text == "" && len(batch) == 0 {
		return nil
	}
	title, summary := run.Title, run.Summary
	if title == "" {
		title = run.Name
	}
	if summary == "" {
		summary = title
	}
	out := &github.CheckRunOutput{
		Title:       github.String(TruncateTitle(title)),
		Summary:     github.String(TruncateCheckText(summary)),
		Annotations: batch,
	}
	if run.Text != "" {
		out.Text = github.String(TruncateCheckText(run.Text))
	}
	return out
}

func opt(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
