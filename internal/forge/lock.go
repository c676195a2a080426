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
	unlock, taken, err := f.takeLockRef(ctx, repo, ref, c.GetSHA())
	if err != nil || taken {
		return unlock, err
	}
	held, err := f.readLock(ctx, repo, ref)
	if err != nil {
		return nil, err
	}
	if expires, _ := lockExpiry(held.message); now.Before(expires) {
		return nil, fmt.Errorf("lock %s of %s until %s: %w", name, repo, expires.Format(time.RFC3339), ErrLocked)
	}
	// Expired: its holder died.
	if err := f.breakLock(ctx, repo, ref, held, lockUntil+until.Format(time.RFC3339)); err != nil {
		return nil, fmt.Errorf("lock %s of %s: %w", name, repo, err)
	}
	return unlock, nil
}

// heldLock is the commit a lock ref points at; sha is "" when the lock
// was released meanwhile.
type heldLock struct {
	sha, tree, message string
	committed          time.Time
}

// readLock reads the commit the lock at ref points at.
func (f *Forge) readLock(ctx context.Context, repo Repo, ref string) (heldLock, error) {
	r, _, err := f.gh.Git.GetRef(ctx, repo.Owner, repo.Name, strings.TrimPrefix(ref, "refs/"))
	if isNotFound(err) {
		return heldLock{}, nil
	}
	if err != nil {
		return heldLock{}, fmt.Errorf("read lock %s of %s: %w", ref, repo, err)
	}
	sha := r.GetObject().GetSHA()
	c, _, err := f.gh.Git.GetCommit(ctx, repo.Owner, repo.Name, sha)
	if err != nil {
		return heldLock{}, fmt.Errorf("read lock %s of %s: %w", ref, repo, err)
	}
	return heldLock{sha: sha, tree: c.GetTree().GetSHA(), message: c.GetMessage(), committed: c.GetCommitter().GetDate().Time}, nil
}

// breakLock takes over a lock whose holder died, with a compare-and-swap
// on the dead holder's commit: the new lock commit is its child, and a ref
// update without force is refused unless it is a fast forward. Of two
// writers breaking one lock, the second finds the ref no longer at the
// dead commit and gets ErrLocked; deleting and creating the ref again would
// let each delete the other's fresh lock. A lock released meanwhile is
// created again, which only one writer can do.
func (f *Forge) breakLock(ctx context.Context, repo Repo, ref string, held heldLock, message string) error {
	if held.sha == "" {
		return ErrLocked
	}
	c, _, err := f.gh.Git.CreateCommit(ctx, repo.Owner, repo.Name, &github.Commit{
		Message: github.String(message),
		Tree:    &github.Tree{SHA: github.String(held.tree)},
		Parents: []*github.Commit{{SHA: github.String(held.sha)}},
	}, nil)
	if err != nil {
		return err
	}
	_, _, err = f.gh.Git.UpdateRef(ctx, repo.Owner, repo.Name, &github.Reference{Ref: github.String(ref), Object: &github.GitObject{SHA: c.SHA}}, false)
	if status(err) == http.StatusUnprocessableEntity || isNotFound(err) {
		return ErrLocked
	}
	return err
}

// lockExpiry reads when a lock expires from its commit's message; a
// message that says no time has expired.
func lockExpiry(message string) (time.Time, bool) {
	until, ok := strings.CutPrefix(message, lockUntil)
	if !ok {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339, strings.TrimSpace(until))
	return t, err == nil
}

// moveLockTTL bounds how long a writer that died while moving a branch
// holds up the others. A move is one read and one write.
const moveLockTTL = time.Minute

// lockMove takes the lock for force-moving branch to commit, the commit
// this writer just created for it. GitHub's REST API has no precondition
// for a forced ref update, so writers that move a promotion branch (two
// replicas, a retry) take turns: between this lock and its release the
// head is read again and moved, and no other writer moves it. The lock's
// ref points at commit itself, and it expires moveLockTTL after that
// commit's committer date, which GitHub set when it was written; a held
// lock is judged against this writer's own commit, also dated by GitHub,
// so no clock of this process is read. A lock dated that far in the future
// was not written by a writer of this kind and is broken as well.
func (f *Forge) lockMove(ctx context.Context, repo Repo, branch, commit string) (unlock func(context.Context) error, err error) {
	mine, err := f.commitInfo(ctx, repo, commit)
	if err != nil {
		return nil, fmt.Errorf("lock moving %s of %s: %w", branch, repo, err)
	}
	ref := lockPrefix + "branches/" + branch
	unlock, taken, err := f.takeLockRef(ctx, repo, ref, commit)
	if err != nil || taken {
		return unlock, err
	}
	held, err := f.readLock(ctx, repo, ref)
	if err != nil {
		return nil, err
	}
	if age := mine.Committed.Sub(held.committed); held.sha == "" || (age < moveLockTTL && age > -moveLockTTL) {
		return nil, fmt.Errorf("moving %s of %s: %w", branch, repo, ErrLocked)
	}
	if err := f.breakLock(ctx, repo, ref, held, "stagehand lock for moving "+branch); err != nil {
		return nil, fmt.Errorf("lock moving %s of %s: %w", branch, repo, err)
	}
	return unlock, nil
}

// takeLockRef creates the lock ref at sha; taken is false when the ref
// exists already. unlock deletes it, and deleting one that is gone is no
// error.
func (f *Forge) takeLockRef(ctx context.Context, repo Repo, ref, sha string) (unlock func(context.Context) error, taken bool, err error) {
	unlock = func(ctx context.Context) error {
		_, err := f.gh.Git.DeleteRef(ctx, repo.Owner, repo.Name, ref)
		if err != nil && !isNotFound(err) && status(err) != http.StatusUnprocessableEntity {
			return fmt.Errorf("release %s of %s: %w", ref, repo, err)
		}
		return nil
	}
	_, _, err = f.gh.Git.CreateRef(ctx, repo.Owner, repo.Name, &github.Reference{Ref: github.String(ref), Object: &github.GitObject{SHA: github.String(sha)}})
	switch {
	case err == nil:
		return unlock, true, nil
	case status(err) == http.StatusUnprocessableEntity:
		return unlock, false, nil
	default:
		return nil, false, fmt.Errorf("take %s of %s: %w", ref, repo, err)
	}
}
