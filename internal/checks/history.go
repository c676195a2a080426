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
	When time.Time
	Tree fs.FS
}

// Revisions reads the commits of the base branch that touched any of
// paths, newest first, each as a tree (at least holding those paths).
// The shell provides it: git log for the offline command, the forge's
// path history and snapshots for the App.
type Revisions func(paths []string) ([]Revision, error)

// Gather answers the Queries of in from the base branch's history:
// for each, the overlay paths on the base, their revisions, and when
// the version entered the environment.
func Gather(in Input, revisions Revisions) (History, error) {
	qs, err := Queries(in)
	if err != nil {
		return nil, fmt.Errorf("history queries: %w", err)
	}
	h := History{}
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
		if h[q], err = Entered(in.Base, q, revs); err != nil {
			return nil, err
		}
	}
	return h, nil
}

// Paths returns the overlay directories of the query's app and
// environment on the base tree: the paths whose history answers it (for
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
	return dirs, nil
}

// Entered answers a query from the commits that touched its paths, newest
// first: the time of the commit that began the latest stretch in which the
// environment ran the version, or the zero time when it never ran it.
// The policy (and so the app's images and the environment's extract rule)
// is the base tree's.
func Entered(base fs.FS, q Query, revs []Revision) (time.Time, error) {
	pol, err := basePolicy(base)
	if err != nil {
		return time.Time{}, err
	}
	start := -1
	for i, rev := range revs {
		runs := runsVersion(pol, rev.Tree, q)
		switch {
		case runs:
			start = i
		case start >= 0:
			return revs[start].When, nil
		}
	}
	if start >= 0 {
		return revs[start].When, nil
	}
	return time.Time{}, nil
}

func runsVersion(pol *policy.Policy, tree fs.FS, q Query) bool {
	d, err := promote.Current(pol, tree, q.App, q.Image, q.Env)
	if err != nil || d.Version.IsZero() {
		return false
	}
	if q.Release == "" {
		return sameArtifact(q.Version, d.Version)
	}
	rel, err := release(pol, q.App, q.Image, q.Env, d.Version.Tag)
	return err == nil && rel == q.Release
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
