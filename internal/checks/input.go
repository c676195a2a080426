package checks

import (
	"io/fs"
	"slices"
	"strings"
	"time"

	"github.com/stagehand-gitops/stagehand/internal/promote"
)

// Input is everything a verdict depends on. The shell fills it; the
// package reads nothing else.
type Input struct {
	// Base and Head are the trees of the pull request's base and head
	// commits. The policy is read from Base (authorization and rules never
	// come from the head); Head's policy is only validated (rule 9).
	Base, Head fs.FS
	// MergeBase is the tree of the commit the pull request branched from;
	// the files changed between it and Head are what the pull request
	// changes, so a branch behind its base is not blamed for what the
	// base changed since. Nil means Base.
	MergeBase fs.FS
	// Changed, when not nil, lists the paths the pull request changes (as
	// GitHub's pull request files list them), so the trees need not be
	// compared file by file.
	Changed []string
	PR      PR
	// Holds are the holds recorded in the repository (the pinned holds
	// issue); a PR label LabelHold counts as well.
	Holds []Hold
	// History answers the Queries: when a version entered an environment
	// on the base branch.
	History History
	// Teams maps a team named in a promoters list ("@org/team") to its
	// members' logins, for the emergency and rollback labels.
	Teams map[string][]string
	// Now is the time of the evaluation.
	Now time.Time
	// trustFacts: signature facts for environments with verify:.
	trustFacts
	// Charts renders a values file with its chart in the repository (rule
	// 1); nil reports such a file as not rendered.
	Charts Renderer
}

// PR is what the verdict needs to know about the pull request.
type PR struct {
	Number int
	Author string
	Labels []Label
	// ByRollback is true when Stagehand opened the pull request for a
	// /rollback command: the App is its author and its head is the App's
	// rollback branch. The shell decides it from what only the App can
	// set, never from a label; a rollback it claims counts only for a
	// version the environment ran before.
	ByRollback bool
}

// Label is a label on the pull request and who added it (from the
// labeled events); AddedBy is "" when unknown.
type Label struct {
	Name    string `json:"name"`
	AddedBy string `json:"addedBy,omitempty"`
}

// label returns the pull request's label called name.
func (p PR) label(name string) (Label, bool) {
	i := slices.IndexFunc(p.Labels, func(l Label) bool { return strings.EqualFold(l.Name, name) })
	if i < 0 {
		return Label{}, false
	}
	return p.Labels[i], true
}

// Hold is one recorded hold of an app, in one environment or in all.
type Hold struct {
	App string
	// Env is the held environment; "" or "*" holds every environment.
	Env    string
	By     string
	Reason string
}

func (h Hold) covers(app, env string) bool {
	return h.App == app && (h.Env == "" || h.Env == "*" || h.Env == env)
}

// Query asks when a version of an app's image entered an environment on
// the base branch's history: the time of the latest commit that made the
// environment run it. With Release set (carry: version), any tag whose
// major.minor.patch is Release counts, and Version is ignored.
type Query struct {
	App, Image, Env string
	Version         promote.Version
	Release         string
}

// History holds the answers to Queries. A query that is missing, or
// answered with the zero Entry, means the environment never ran the
// version.
type History map[Query]Entry

// Entry is what the base branch's history says about one Query.
type Entry struct {
	// Commit is the commit of the base branch that began the latest
	// stretch in which the environment ran the version (the merge commit
	// of the pull request that brought it, when the shell knows it); ""
	// when the environment never ran it.
	Commit string
	// Since is when the version entered the environment by a clock the
	// pusher does not control: the App reads the merged_at of the pull
	// request that brought Commit onto the base branch, never a date
	// inside a commit. Zero when unknown; no soak is met then.
	Since time.Time
	// Healthy is true when Commit has a successful deployment status or
	// commit status. The shell reads it only where requireHealthy asks.
	Healthy bool
}

// Ran reports whether the environment ran the version.
func (e Entry) Ran() bool { return e.Commit != "" }
