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

// ErrLocked means another writer holds the lock; try again later.
var ErrLocked = errors.New("held by another writer")

// lockPrefix is where the locks live: refs outside refs/heads and
// refs/tags, which no branch protection, pull request or push webhook of
// GitHub's concerns.
const lockPrefix = "refs/stagehand/locks/"

// lockUntil starts the message of a lock's commit; the expiry follows.
const lockUntil = "stagehand lock, held until "

// Lock takes the lock called name in repo for ttl from now, for a
// read-modify-write that GitHub offers no precondition for (an issue's
// body). The lock is a ref: creating a ref that exists fails, so of two
// writers racing for it exactly one gets it. Its commit (a parentless
// commit of the head of branch's tree, message "… held until T") says
// when it expires, so a writer that died holding it holds up the others
// for ttl at most. A held lock returns ErrLocked; unlock deletes the ref
// and is safe to call once the work is done or failed.
func (f *Forge) Lock(ctx context.Context, repo Repo, name, branch string, now time.Time, ttl time.Duration) (unlock func(context.Context) error, err error) {
	head, err := f.Head(ctx, repo, branch)
	if err != nil {
		return nil, fmt.Errorf("lock %s of %s: %w", name, repo, err)
	}
	info, err := f.commitInfo(ctx, repo, head)
	if err != nil {
		return nil, fmt.Errorf("lock %s of %s: %w", name, repo, err)
	}
	until := now.Add(ttl).UTC().Truncate(time.Second)
	c, _, err := f.gh.Git.CreateCommit(ctx, repo.Owner, repo.Name, &github.Commit{
		Message: github.String(lockUntil + until.Format(time.RFC3339)),
		Tree:    &github.Tree{SHA: github.String(info.Tree)},
	}, nil)
	if err != nil {
		return nil, fmt.Errorf("lock %s of %s: %w", name, repo, err)
	}
	ref := lockPrefix + name
	unlock = func(ctx context.Context) error {
		_, err := f.gh.Git.DeleteRef(ctx, repo.Owner, repo.Name, ref)
		if err != nil && !isNotFound(err) && status(err) != http.StatusUnprocessableEntity {
			return fmt.Errorf("unlock %s of %s: %w", name, repo, err)
		}
		return nil
	}
	for attempt := 0; attempt < 2; attempt++ {
		_, _, err = f.gh.Git.CreateRef(ctx, repo.Owner, repo.Name, &github.Reference{Ref: github.String(ref), Object: &github.GitObject{SHA: c.SHA}})
		if err == nil {
			return unlock, nil
		}
		if status(err) != http.StatusUnprocessableEntity {
			return nil, fmt.Errorf("lock %s of %s: %w", name, repo, err)
		}
		held, err := f.lockExpiry(ctx, repo, ref)
		if err != nil {
			return nil, err
		}
		if now.Before(held) {
			return nil, fmt.Errorf("lock %s of %s until %s: %w", name, repo, held.Format(time.RFC3339), ErrLocked)
		}
		// Expired: its holder died. Of the writers that break it, the
		// one whose ref is created first holds it; the others find it
		// held on the next attempt.
		if err := unlock(ctx); err != nil {
			return nil, err
		}
	}
	return nil, fmt.Errorf("lock %s of %s: %w", name, repo, ErrLocked)
}

// lockExpiry reads when the lock at ref expires; a lock gone meanwhile, or
// one whose commit says no time, has expired.
func (f *Forge) lockExpiry(ctx context.Context, repo Repo, ref string) (time.Time, error) {
	r, _, err := f.gh.Git.GetRef(ctx, repo.Owner, repo.Name, strings.TrimPrefix(ref, "refs/"))
	if isNotFound(err) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("read lock %s of %s: %w", ref, repo, err)
	}
	c, _, err := f.gh.Git.GetCommit(ctx, repo.Owner, repo.Name, r.GetObject().GetSHA())
	if err != nil {
		return time.Time{}, fmt.Errorf("read lock %s of %s: %w", ref, repo, err)
	}
	until, ok := strings.CutPrefix(c.GetMessage(), lockUntil)
	if !ok {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, strings.TrimSpace(until))
	if err != nil {
		return time.Time{}, nil
	}
	return t, nil
}
