package forge

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/google/go-github/v62/github"
)

var (
	// ErrNotMergeable reports a pull request GitHub will not merge now
	// (conflicts, failing required checks, missing reviews).
	ErrNotMergeable = errors.New("pull request is not mergeable")
	// ErrHeadMoved reports that the pull request's head is no longer the pinned SHA.
	ErrHeadMoved = errors.New("pull request head moved")
)

// MergeOptions tunes Merge.
type MergeOptions struct {
	Method        string // merge, squash or rebase; empty means merge
	CommitTitle   string
	CommitMessage string
}

// mergePoll is the first wait while GitHub computes mergeability; it doubles.
const mergePoll = 500 * time.Millisecond

// Merge merges pull request number if its head is still sha. While GitHub
// is still computing mergeability (mergeable: null) it polls, briefly; a 405
// "Base branch was modified" is retried after re-reading the pull request.
// Both loops are bounded by the Forge's attempts.
func (f *Forge) Merge(ctx context.Context, repo Repo, number int, sha string, opts MergeOptions) (*github.PullRequestMergeResult, error) {
	wait := mergePoll
	for attempt := 1; ; attempt++ {
		pr, err := f.awaitMergeable(ctx, repo, number)
		if err != nil {
			return nil, err
		}
		if pr.GetHead().GetSHA() != sha {
			return nil, fmt.Errorf("merge %s#%d at %s: head is %s: %w", repo, number, sha, pr.GetHead().GetSHA(), ErrHeadMoved)
		}
		if pr.Mergeable != nil && !pr.GetMergeable() {
			return nil, fmt.Errorf("merge %s#%d: %s: %w", repo, number, pr.GetMergeableState(), ErrNotMergeable)
		}
		res, _, err := f.gh.PullRequests.Merge(ctx, repo.Owner, repo.Name, number, opts.CommitMessage, &github.PullRequestOptions{
			CommitTitle: opts.CommitTitle, SHA: sha, MergeMethod: opts.Method,
		})
		switch code := status(err); {
		case err == nil:
			return res, nil
		case code == http.StatusConflict:
			return nil, fmt.Errorf("merge %s#%d at %s: %w: %w", repo, number, sha, ErrHeadMoved, err)
		case code == http.StatusMethodNotAllowed && strings.Contains(message(err), "Base branch was modified") && attempt < f.attempts:
			if err := f.pause(ctx, wait); err != nil {
				return nil, err
			}
			wait *= 2
		case code == http.StatusMethodNotAllowed:
			return nil, fmt.Errorf("merge %s#%d: %w: %w", repo, number, ErrNotMergeable, err)
		default:
			return nil, fmt.Errorf("merge %s#%d: %w", repo, number, err)
		}
	}
}

// awaitMergeable reads the pull request until GitHub has computed whether
// it is mergeable, or the attempts run out (then Mergeable stays nil and
// the merge itself decides).
func (f *Forge) awaitMergeable(ctx context.Context, repo Repo, number int) (*github.PullRequest, error) {
	wait := mergePoll
	for attempt := 1; ; attempt++ {
		pr, _, err := f.gh.PullRequests.Get(ctx, repo.Owner, repo.Name, number)
		if err != nil {
			return nil, fmt.Errorf("read %s#%d: %w", repo, number, err)
		}
		if pr.Mergeable != nil || attempt >= f.attempts || pr.GetState() != "open" {
			return pr, nil
		}
		if err := f.pause(ctx, wait); err != nil {
			return nil, err
		}
		wait *= 2
	}
}
