package forge

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/google/go-github/v62/github"
)

// Edit computes file changes from a snapshot: path → new content, where nil
// content deletes the path. It may be called again on a newer base when a
// compare-and-swap fails, so it must depend only on what it reads from fsys.
type Edit func(fsys fs.FS) (map[string][]byte, error)

// CommitOptions tunes Commit.
type CommitOptions struct {
	// Author sets the commit author; nil lets GitHub use the App.
	Author *github.CommitAuthor
}

// CommitResult is the outcome of Commit.
type CommitResult struct {
	// SHA is the branch's head after the call: the new commit, or the
	// unchanged head when there was nothing to write.
	SHA string
	// Written is true when a commit was created and the ref created or moved.
	Written bool
}

// ErrConflict reports that a ref kept moving under a compare-and-swap until
// the attempts ran out.
var ErrConflict = errors.New("ref kept moving")

// Commit commits the changes edit makes, as one commit, onto branch: on top
// of branch's head, or of base's head when branch does not exist yet (then
// branch is created). It moves the ref only as a fast-forward (force:false),
// which makes the update a compare-and-swap; if another writer moved the ref
// first, or created the branch, Commit re-reads the head, calls edit again on
// it and retries, a bounded number of times. When edit changes nothing,
// nothing is written.
func (f *Forge) Commit(ctx context.Context, repo Repo, branch, base, message string, edit Edit, opts CommitOptions) (CommitResult, error) {
	if err := ValidateBranch(branch); err != nil {
		return CommitResult{}, err
	}
	for attempt := 0; attempt < f.attempts; attempt++ {
		parent, exists, err := f.headOrBase(ctx, repo, branch, base)
		if err != nil {
			return CommitResult{}, err
		}
		snap := f.Snapshot(ctx, repo, parent)
		changes, err := f.changes(snap, edit)
		if err != nil {
			return CommitResult{}, err
		}
		if len(changes) == 0 {
			return CommitResult{SHA: parent}, nil
		}
		sha, err := f.writeCommit(ctx, snap, changes, message, opts.Author)
		if err != nil {
			return CommitResult{}, err
		}
		ref := &github.Reference{Ref: github.String("refs/heads/" + branch), Object: &github.GitObject{SHA: github.String(sha)}}
		if exists {
			_, _, err = f.gh.Git.UpdateRef(ctx, repo.Owner, repo.Name, ref, false)
		} else {
			_, _, err = f.gh.Git.CreateRef(ctx, repo.Owner, repo.Name, ref)
		}
		if err == nil {
			return CommitResult{SHA: sha, Written: true}, nil
		}
		if status(err) != http.StatusUnprocessableEntity {
			return CommitResult{}, fmt.Errorf("move %s of %s to %s: %w", branch, repo, sha, err)
		}
		// 422: "Update is not a fast forward" or "Reference already exists":
		// someone else wrote first. Start over from their head.
	}
	return CommitResult{}, fmt.Errorf("commit to %s of %s after %d attempts: %w", branch, repo, f.attempts, ErrConflict)
}

// headOrBase returns branch's head, or base's head when branch does not exist.
func (f *Forge) headOrBase(ctx context.Context, repo Repo, branch, base string) (sha string, exists bool, err error) {
	sha, err = f.Head(ctx, repo, branch)
	if err == nil {
		return sha, true, nil
	}
	if !errors.Is(err, fs.ErrNotExist) || base == "" || base == branch {
		return "", false, err
	}
	sha, err = f.Head(ctx, repo, base)
	return sha, false, err
}

// Head returns the commit SHA branch points at; an error wrapping
// fs.ErrNotExist when there is no such branch.
func (f *Forge) Head(ctx context.Context, repo Repo, branch string) (string, error) {
	ref, _, err := f.gh.Git.GetRef(ctx, repo.Owner, repo.Name, "heads/"+branch)
	if isNotFound(err) {
		return "", fmt.Errorf("branch %s of %s: %w", branch, repo, fs.ErrNotExist)
	}
	if err != nil {
		return "", fmt.Errorf("read branch %s of %s: %w", branch, repo, err)
	}
	return ref.GetObject().GetSHA(), nil
}

// changes runs edit on snap and keeps only the changes that change something.
func (f *Forge) changes(snap *Snapshot, edit Edit) (map[string][]byte, error) {
	want, err := edit(snap)
	if err != nil {
		return nil, fmt.Errorf("edit %s@%s: %w", snap.repo, snap.commit, err)
	}
	if len(want) > 1 {
		// One listing answers every lookup; per-path reads would cost one call each.
		if _, err := snap.load(); err != nil {
			return nil, err
		}
	}
	out := map[string][]byte{}
	for p, content := range want {
		if !fs.ValidPath(p) || p == "." {
			return nil, fmt.Errorf("edit %s@%s: invalid path %q", snap.repo, snap.commit, p)
		}
		e, err := snap.lookup(p)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			if content != nil {
				out[p] = content
			}
		case err != nil:
			return nil, err
		case e.Type == "tree":
			return nil, fmt.Errorf("edit %s@%s: %s is a directory", snap.repo, snap.commit, p)
		case content == nil || BlobSHA(content) != e.SHA:
			out[p] = content
		}
	}
	return out, nil
}

// writeCommit creates a tree (base_tree plus inline content) and a commit on
// top of snap, and returns the commit's SHA. Nothing points at it yet.
func (f *Forge) writeCommit(ctx context.Context, snap *Snapshot, changes map[string][]byte, message string, author *github.CommitAuthor) (string, error) {
	// The listing gives the base tree's SHA and the modes to keep, in one read.
	idx, err := snap.load()
	if err != nil {
		return "", err
	}
	paths := make([]string, 0, len(changes))
	for p := range changes {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	entries := make([]*github.TreeEntry, 0, len(paths))
	for _, p := range paths {
		te, err := f.treeEntry(ctx, snap.repo, idx, p, changes[p])
		if err != nil {
			return "", err
		}
		entries = append(entries, te)
	}
	tree, _, err := f.gh.Git.CreateTree(ctx, snap.repo.Owner, snap.repo.Name, idx.sha, entries)
	if err != nil {
		return "", fmt.Errorf("create tree on %s@%s: %w", snap.repo, snap.commit, err)
	}
	c := &github.Commit{
		Message: github.String(message),
		Tree:    &github.Tree{SHA: tree.SHA},
		Parents: []*github.Commit{{SHA: github.String(snap.commit)}},
		Author:  author,
	}
	created, _, err := f.gh.Git.CreateCommit(ctx, snap.repo.Owner, snap.repo.Name, c, nil)
	if err != nil {
		return "", fmt.Errorf("create commit on %s@%s: %w", snap.repo, snap.commit, err)
	}
	sha := created.GetSHA()
	f.objects.commits.add(sha, commitInfo{Tree: tree.GetSHA(), Parents: []string{snap.commit}, Committed: created.GetCommitter().GetDate().Time})
	f.rememberWritten(snap.repo, sha, changes)
	return sha, nil
}

// rememberWritten caches what the written paths hold at a new commit, so a
// repeat of the same work recognises it without reading it back.
func (f *Forge) rememberWritten(repo Repo, commit string, changes map[string][]byte) {
	for p, content := range changes {
		if content == nil {
			f.objects.paths.add(pathKey(repo, commit, p), entry{})
			continue
		}
		sha := BlobSHA(content)
		f.objects.putBlob(sha, content)
		f.objects.paths.add(pathKey(repo, commit, p), entry{Path: p, Type: "blob", SHA: sha, Size: int64(len(content))})
	}
}

// treeEntry returns the create-tree entry for one change. Text goes inline;
// content that JSON cannot carry as a string (binary, or empty, which
// go-github would omit) becomes a blob first.
func (f *Forge) treeEntry(ctx context.Context, repo Repo, idx *treeIndex, p string, content []byte) (*github.TreeEntry, error) {
	mode := "100644"
	if e, ok := idx.entries[p]; ok && e.Type == "blob" {
		mode = e.Mode
	}
	te := &github.TreeEntry{Path: github.String(p), Mode: github.String(mode), Type: github.String("blob")}
	switch {
	case content == nil: // a nil SHA and no content deletes the path
	case len(content) > 0 && utf8.Valid(content) && !strings.ContainsRune(string(content), 0):
		te.Content = github.String(string(content))
	default:
		b, _, err := f.gh.Git.CreateBlob(ctx, repo.Owner, repo.Name, &github.Blob{
			Content: github.String(base64Encode(content)), Encoding: github.String("base64"),
		})
		if err != nil {
			return nil, fmt.Errorf("create blob for %s in %s: %w", p, repo, err)
		}
		te.SHA = b.SHA
	}
	return te, nil
}
