package checks

import (
	"errors"
	"fmt"
	"io/fs"
	"time"

	"github.com/stagehand-gitops/stagehand/internal/policy"
	"github.com/stagehand-gitops/stagehand/internal/promote"
)

// Revision is the tree of one commit of the base branch's history, and
// when it was committed.
type Revision struct {
	SHA string
	// When is the commit's own date. Whoever makes a commit sets it, so
	// only a shell without GitHub (the offline command, on the user's own
	// clone) uses it; the App asks GitHub through an Arrivals.
	When time.Time
	Tree fs.FS
}

// Revisions reads the commits of the base branch that touched any of
// paths, newest first, each as a tree (at least holding those paths).
// The shell provides it: git log for the offline command, the forge's
// path history and snapshots for the App.
type Revisions func(paths []string) ([]Revision, error)

// Arrivals answers, for the revision that began a version's stretch in an
// environment, the Entry: the commit that brought it onto the base branch
// and when, by GitHub's clock (the pull request's merged_at), and, when
// health is true, whether that commit was reported healthy.
type Arrivals func(rev Revision, health bool) (Entry, error)

// Gather answers the Queries of in from the base branch's history:
// for each, the overlay paths on the base, their revisions, and when
// the version entered the environment. With a nil arrived, a revision's
// own date counts and health is unknown.
func Gather(in Input, revisions Revisions, arrived Arrivals) (History, error) {
	qs, err := Queries(in)
	if err != nil {
		return nil, fmt.Errorf("history queries: %w", err)
	}
	h := History{}
	if len(qs) == 0 {
		return h, nil
	}
	pol, err := basePolicy(in.Base)
	if err != nil {
		return nil, err
	}
	for _, q := range qs {
		paths, err := Paths(in.Base, q)
		if err != nil {
			return nil, err
		}
		if len(paths) == 0 {
			continue
		}
		revs, err := revisions(paths)
		if err != nil {
			return nil, fmt.Errorf("history of %s in %s: %w", q.App, q.Env, err)
		}
		rev, ok, err := Entered(in.Base, q, revs)
		if err != nil {
			return nil, err
		}
		if !ok {
			continue
		}
		if h[q], err = arrival(pol, q, rev, arrived); err != nil {
			return nil, fmt.Errorf("arrival of %s in %s: %w", q.App, q.Env, err)
		}
	}
	return h, nil
}

// arrival asks the shell about rev, and for its health when the
// environment after q's requires it.
func arrival(pol *policy.Policy, q Query, rev Revision, arrived Arrivals) (Entry, error) {
	if arrived == nil {
		return Entry{Commit: rev.SHA, Since: rev.When}, nil
	}
	next, _ := pol.Env(q.App, pol.Next(q.Env))
	e, err := arrived(rev, next.RequireHealthy)
	if err == nil && e.Commit == "" {
		e.Commit = rev.SHA
	}
	return e, err
}

// Paths returns the overlay directories (or the source files, for an app
// whose image lives in a values file or another source) of the query's
// app and environment on the base tree: the paths whose history answers it (for
// example `git log -- <paths>`, or the forge's PathHistory).
func Paths(base fs.FS, q Query) ([]string, error) {
	pol, err := basePolicy(base)
	if err != nil {
		return nil, err
	}
	dirs, err := pol.OverlayDirs(base, q.App, q.Env)
	if err != nil {
		return nil, fmt.Errorf("overlays of %s in %s: %w", q.App, q.Env, err)
	}
	files, err := pol.SourceFiles(base, q.App, q.Env)
	if err != nil {
		return nil, err
	}
	return append(dirs, files...), nil
}

// Entered answers a query from the commits that touched its paths, newest
// first: the revision that began the latest stretch in which the
// environment ran the version, and false when it never ran it. The policy
// (and so the app's images and the environment's extract rule) is the base
// tree's. A revision that cannot be read is an error, never "did not run".
func Entered(base fs.FS, q Query, revs []Revision) (Revision, bool, error) {
	pol, err := basePolicy(base)
	if err != nil {
		return Revision{}, false, err
	}
	start := -1
	for i, rev := range revs {
		runs, err := runsVersion(pol, rev.Tree, q)
		switch {
		case err != nil:
			return Revision{}, false, fmt.Errorf("%s in %s at %s: %w", q.App, q.Env, orUnknown(rev.SHA), err)
		case runs:
			start = i
		case start >= 0:
			return revs[start], true, nil
		}
	}
	if start >= 0 {
		return revs[start], true, nil
	}
	return Revision{}, false, nil
}

func orUnknown(sha string) string {
	if sha == "" {
		return "an older commit"
	}
	return sha
}

// runsVersion reports whether tree runs the queried version. An overlay
// that is absent or does not parse there runs nothing; a tree that cannot
// be read is an error.
func runsVersion(pol *policy.Policy, tree fs.FS, q Query) (bool, error) {
	d, err := promote.Current(pol, tree, q.App, q.Image, q.Env)
	if promote.Unreadable(err) {
		return false, err
	}
	if err != nil || d.Version.IsZero() {
		return false, nil
	}
	if q.Release == "" {
		return sameArtifact(q.Version, d.Version), nil
	}
	rel, err := release(pol, q.App, q.Image, q.Env, d.Version.Tag)
	return err == nil && rel == q.Release, nil
}

// basePolicy parses the base tree's policy and discovers its apps.
func basePolicy(base fs.FS) (*policy.Policy, error) {
	data, err := fs.ReadFile(base, policy.FileName)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("no %s on the base: %w", policy.FileName, err)
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", policy.FileName, err)
	}
	pol, err := policy.Parse(policy.FileName, data)
	if err != nil {
		return nil, fmt.Errorf("base policy: %w", err)
	}
	_ = pol.Discover(base) // apps it could not read stay unknown, and run nothing
	return pol, nil
}
