package forge

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"slices"
	"unicode/utf8"

	"github.com/google/go-github/v62/github"
)

// Proposal is a change to propose as a pull request from a branch of its
// own, such as a promotion: Edit applied to Base's head, committed as one
// commit on Branch, and a pull request from Branch into Base.
type Proposal struct {
	Base    string // the branch to change, such as "main"
	Branch  string // the deterministic proposal branch, such as "stagehand/dev/app"
	Message string // the commit message
	Edit    Edit
	Title   string
	Body    string
	Labels  []string
	// AlreadyDone is the comment left when an open pull request is closed
	// because Base already holds the change.
	AlreadyDone string
}

// ProposalResult is the outcome of Propose.
type ProposalResult struct {
	// Base is the head of Base the change was computed on.
	Base string
	// Commit is the proposal branch's head; empty when Base holds the change.
	Commit string
	// PR is the open pull request; nil when Base already holds the change.
	PR *github.PullRequest
	// Written is true when a commit was written and the branch moved.
	Written bool
	// Closed is the number of a pull request closed because Base holds the change.
	Closed int
}

// Propose converges Branch and its pull request on p: one commit on top of
// Base's head holding exactly Edit's changes. It is idempotent: when the
// branch already holds that commit and the pull request says the same
// thing, it writes nothing. A branch holding an older change is force-moved
// to the new commit (the branch belongs to the proposal, and the pull
// request keeps its number and discussion). When Base already holds the
// change, any open pull request for Branch is closed with p.AlreadyDone.
func (f *Forge) Propose(ctx context.Context, repo Repo, p Proposal) (ProposalResult, error) {
	if err := ValidateBranch(p.Branch); err != nil {
		return ProposalResult{}, err
	}
	base, err := f.Head(ctx, repo, p.Base)
	if err != nil {
		return ProposalResult{}, err
	}
	snap := f.Snapshot(ctx, repo, base)
	changes, err := f.changes(snap, p.Edit)
	if err != nil {
		return ProposalResult{}, err
	}
	res := ProposalResult{Base: base}
	spec := PullSpec{Base: p.Base, Branch: p.Branch, Title: p.Title, Body: p.Body, Labels: p.Labels}
	if len(changes) == 0 {
		return res, f.closeDone(ctx, repo, p, &res)
	}
	if f.objects.branches.pr(repo, p.Branch) == 0 {
		// Most likely a new proposal: create the branch straight away. If it
		// exists after all, GitHub says so and the update path below runs.
		commit, err := f.proposeNew(ctx, snap, p, changes)
		if err == nil {
			res.Commit, res.Written = commit, true
			res.PR, err = f.createPR(ctx, repo, spec)
			return res, err
		}
		if !errors.Is(err, errBranchExists) {
			return ProposalResult{}, err
		}
	}
	pr, err := f.FindPR(ctx, repo, p.Branch)
	if err != nil {
		return ProposalResult{}, err
	}
	if res.Commit, res.Written, err = f.supersede(ctx, snap, p, changes, pr); err != nil {
		return ProposalResult{}, err
	}
	if pr == nil {
		res.PR, err = f.createPR(ctx, repo, spec)
	} else {
		res.PR, err = f.updatePR(ctx, repo, pr, spec)
	}
	return res, err
}

var errBranchExists = errors.New("branch exists")

// proposeNew creates Branch at the base and commits the changes on it.
// A single text file goes through the contents API: creating the branch and
// committing the file are two writes, where a tree, a commit and a ref are three.
func (f *Forge) proposeNew(ctx context.Context, snap *Snapshot, p Proposal, changes map[string][]byte) (string, error) {
	repo := snap.repo
	path, content, single := singleText(changes)
	var commit string
	start := snap.commit
	if !single {
		var err error
		if commit, err = f.writeCommit(ctx, snap, changes, p.Message, nil); err != nil {
			return "", err
		}
		start = commit
	}
	ref := &github.Reference{Ref: github.String("refs/heads/" + p.Branch), Object: &github.GitObject{SHA: github.String(start)}}
	if _, _, err := f.gh.Git.CreateRef(ctx, repo.Owner, repo.Name, ref); err != nil {
		if status(err) == http.StatusUnprocessableEntity {
			return "", errBranchExists
		}
		return "", fmt.Errorf("create branch %s in %s: %w", p.Branch, repo, err)
	}
	if !single {
		return commit, nil
	}
	opts := &github.RepositoryContentFileOptions{Message: github.String(p.Message), Content: content, Branch: github.String(p.Branch)}
	if e, err := snap.lookup(path); err == nil {
		opts.SHA = github.String(e.SHA)
	}
	out, _, err := f.gh.Repositories.UpdateFile(ctx, repo.Owner, repo.Name, path, opts)
	if err != nil {
		return "", fmt.Errorf("commit %s to %s in %s: %w", path, p.Branch, repo, err)
	}
	info := commitInfo{Tree: out.Commit.GetTree().GetSHA(), Parents: []string{snap.commit}, Committed: out.Commit.GetCommitter().GetDate().Time}
	if ps := out.Commit.Parents; len(ps) > 0 {
		info.Parents = nil
		for _, parent := range ps {
			info.Parents = append(info.Parents, parent.GetSHA())
		}
	}
	f.objects.commits.add(out.Commit.GetSHA(), info)
	f.rememberWritten(repo, out.Commit.GetSHA(), changes)
	return out.Commit.GetSHA(), nil
}

// singleText reports whether changes are one non-empty text file, which the
// contents API can write.
func singleText(changes map[string][]byte) (string, []byte, bool) {
	if len(changes) != 1 {
		return "", nil, false
	}
	for p, c := range changes {
		return p, c, len(c) > 0 && utf8.Valid(c)
	}
	return "", nil, false
}

// supersede makes Branch hold the change, unless its head already does:
// a commit whose only parent is the base and whose changed paths hold the
// wanted content. Otherwise it writes the commit and force-moves the branch.
//
// A forced update takes no precondition in GitHub's REST API, so the move
// is compared before it is written: the head is read again just before the
// update, and when another writer (a second replica, a person) moved it
// since it was judged, the new head is judged again, a bounded number of
// times, instead of being overwritten blindly. A head that already holds
// the change is kept as it is.
func (f *Forge) supersede(ctx context.Context, snap *Snapshot, p Proposal, changes map[string][]byte, pr *github.PullRequest) (string, bool, error) {
	repo := snap.repo
	head := pr.GetHead().GetSHA()
	if head == "" {
		sha, err := f.branchHead(ctx, repo, p.Branch)
		if err != nil {
			return "", false, err
		}
		head = sha
	}
	var commit string
	for attempt := 0; attempt < f.attempts; attempt++ {
		if head != "" {
			same, err := f.holds(ctx, repo, head, snap.commit, changes)
			if err != nil || same {
				return head, false, err
			}
		}
		if commit == "" {
			var err error
			if commit, err = f.writeCommit(ctx, snap, changes, p.Message, nil); err != nil {
				return "", false, err
			}
		}
		moved, now, err := f.moveFrom(ctx, repo, p.Branch, head, commit)
		if err != nil {
			return "", false, err
		}
		if moved {
			return commit, true, nil
		}
		head = now
	}
	return "", false, fmt.Errorf("move %s of %s after %d attempts: %w", p.Branch, repo, f.attempts, ErrConflict)
}

// branchHead returns branch's head, or "" when there is no such branch.
func (f *Forge) branchHead(ctx context.Context, repo Repo, branch string) (string, error) {
	sha, err := f.Head(ctx, repo, branch)
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	return sha, err
}

// moveFrom points branch at commit if its head is still expected ("" for
// no branch). When it is not, nothing is written and the head found is
// returned ("" for none).
func (f *Forge) moveFrom(ctx context.Context, repo Repo, branch, expected, commit string) (bool, string, error) {
	ref := &github.Reference{Ref: github.String("refs/heads/" + branch), Object: &github.GitObject{SHA: github.String(commit)}}
	if expected == "" {
		_, _, err := f.gh.Git.CreateRef(ctx, repo.Owner, repo.Name, ref)
		if status(err) == http.StatusUnprocessableEntity {
			// Created meanwhile by someone else.
			now, herr := f.branchHead(ctx, repo, branch)
			return false, now, herr
		}
		if err != nil {
			return false, "", fmt.Errorf("create %s of %s at %s: %w", branch, repo, commit, err)
		}
		return true, commit, nil
	}
	unlock, err := f.lockMove(ctx, repo, branch, commit)
	if err != nil {
		return false, "", err
	}
	moved, now, err := f.forceMoveFrom(ctx, repo, branch, expected, ref)
	// A lock left behind by a failed release expires by itself; the move
	// is done either way, and reporting it failed would make a retry.
	_ = unlock(ctx)
	return moved, now, err
}

// forceMoveFrom force-moves ref if its branch's head is still expected,
// under the move lock.
func (f *Forge) forceMoveFrom(ctx context.Context, repo Repo, branch, expected string, ref *github.Reference) (bool, string, error) {
	commit := ref.GetObject().GetSHA()
	now, err := f.branchHead(ctx, repo, branch)
	if err != nil || now != expected {
		return false, now, err
	}
	if _, _, err := f.gh.Git.UpdateRef(ctx, repo.Owner, repo.Name, ref, true); err != nil {
		return false, "", fmt.Errorf("move %s of %s to %s: %w", branch, repo, commit, err)
	}
	return true, commit, nil
}

// holds reports whether commit is base plus exactly the given changes at those paths.
func (f *Forge) holds(ctx context.Context, repo Repo, commit, base string, changes map[string][]byte) (bool, error) {
	info, err := f.commitInfo(ctx, repo, commit)
	if err != nil {
		return false, err
	}
	if !slices.Equal(info.Parents, []string{base}) {
		return false, nil
	}
	at := f.Snapshot(ctx, repo, commit)
	for path, want := range changes {
		e, err := at.lookup(path)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			if want != nil {
				return false, nil
			}
		case err != nil:
			return false, err
		case want == nil || e.SHA != BlobSHA(want):
			return false, nil
		}
	}
	return true, nil
}

// closeDone closes the open pull request for a change the base already holds.
func (f *Forge) closeDone(ctx context.Context, repo Repo, p Proposal, res *ProposalResult) error {
	pr, err := f.FindPR(ctx, repo, p.Branch)
	if err != nil || pr == nil {
		return err
	}
	reason := p.AlreadyDone
	if reason == "" {
		reason = fmt.Sprintf("Closing: `%s` already holds this change, so there is nothing left to merge.", p.Base)
	}
	if err := f.ClosePR(ctx, repo, pr.GetNumber(), reason); err != nil {
		return err
	}
	f.objects.branches.set(repo, p.Branch, 0)
	res.Closed = pr.GetNumber()
	return nil
}
