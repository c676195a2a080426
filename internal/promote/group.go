package promote

import (
	"fmt"
	"io/fs"
	"sort"
	"strings"
	"testing/fstest"
	"time"

	"github.com/stagehand-gitops/stagehand/internal/policy"
	"github.com/stagehand-gitops/stagehand/internal/tags"
)

// GroupPromotion asks to bring every member of a group in env up to what
// the previous environment runs, in one pull request.
type GroupPromotion struct {
	Group, Env string
	// Candidates are the registry's tags by image, needed only where env
	// carries the version (carry: version).
	Candidates map[string][]tags.Candidate
	// Digests are what tags point at, by tag, as in Promotion.
	Digests map[string]string
	// Facts are what the shell read about each member's version in the
	// previous environment, by app, for the member's gates; a member
	// without facts has unknown soak and health. Their Now is replaced by
	// the Now below, so every member is judged at the same instant.
	Facts map[string]Facts
	// Now is the current time, passed in: the core never reads the clock.
	Now time.Time
	// Delivery identifies the event behind the promotion, for the trailer.
	Delivery string
}

// Member is one app of a group in a group proposal.
type Member struct {
	App string
	// Changes are the images that move, one proposal each; empty when the
	// member already runs what the previous environment runs.
	Changes []Proposal
	// Waiting are the images that cannot move yet, with the reason.
	Waiting []Skip
	// Gates are the member's gates into the environment, met or not.
	Gates []Gate
}

// Holds returns why the member holds the group back: every image that
// cannot move yet and every gate that is not met; nil when it is ready.
func (m Member) Holds() []string {
	var out []string
	for _, w := range m.Waiting {
		out = append(out, w.Reason)
	}
	if len(m.Changes) == 0 {
		return out // nothing moves, so no gate applies
	}
	for _, g := range m.Gates {
		if !g.OK {
			out = append(out, g.Detail)
		}
	}
	return out
}

// GroupProposal is one pull request that moves a group into an
// environment: every member's overlay edits in one commit.
type GroupProposal struct {
	Group, Env string
	// From is the environment the versions come from: the one before Env.
	From    string
	Members []Member
	// Files are every member's edits, merged: an overlay two images share
	// holds both edits.
	Files         []FileChange
	Branch        string
	Title         string
	Body          string
	Labels        []string
	CommitMessage string
	// Held is true when a member holds the group back (see Member.Holds);
	// the pull request is then not opened, or is left as it is.
	Held bool
	// Until is the earliest time a held-back member's time-based gate
	// lifts; zero when none will lift by itself.
	Until time.Time
	// RollbackOf is, for a group rollback (PlanGroupRollback), the commit
	// of the release it undoes; empty for a release.
	RollbackOf string
}

// Holding returns the members that hold the group back, in member order.
func (g GroupProposal) Holding() []Member {
	var out []Member
	for _, m := range g.Members {
		if len(m.Holds()) > 0 {
			out = append(out, m)
		}
	}
	return out
}

// PlanGroup plans the pull request that brings every member of a group in
// env to what the previous environment runs. It returns a skip when no
// member has anything to move. A member that cannot move yet, or whose
// gates are not met, holds the whole group back: the proposal says so
// (Held, and the body names the member and why), and the caller does not
// open it.
func PlanGroup(pol *policy.Policy, tree fs.FS, gp GroupPromotion) (GroupProposal, *Skip, error) {
	g, members, edited, err := eachMember(pol, tree, gp.Group, gp.Env, func(tree layered, app string) (Member, error) {
		return planMember(pol, tree, gp, app)
	})
	if err != nil {
		return GroupProposal{}, nil, err
	}
	out := GroupProposal{Group: g.Name, Env: gp.Env, From: pol.Prev(gp.Env), Members: members}
	changes := changed(members)
	if changes == 0 && len(out.Holding()) == 0 {
		return GroupProposal{}, &Skip{App: g.Name, Env: gp.Env, Reason: fmt.Sprintf("every member of %s already runs in %s what %s runs", g.Name, gp.Env, out.From), UpToDate: true}, nil
	}
	out.Files = mergedFiles(tree, edited)
	for _, m := range out.Holding() {
		out.Held = true
		if _, until := Open(m.Gates); !until.IsZero() && (out.Until.IsZero() || until.Before(out.Until)) {
			out.Until = until
		}
	}
	out.Branch = BranchName(gp.Env, g.Name)
	out.Title = groupTitle(out)
	out.Labels = append(Labels(gp.Env), LabelGroupPrefix+g.Name)
	out.CommitMessage = groupCommitMessage(out, gp.Delivery)
	out.Body = GroupBody(out)
	return out, nil, nil
}

// eachMember looks up the group, which must move into env together, and
// plans each member in turn with plan, on one tree that keeps the edits of
// the members planned before it: an overlay two members share holds both.
func eachMember(pol *policy.Policy, tree fs.FS, group, env string, plan func(layered, string) (Member, error)) (policy.Group, []Member, layered, error) {
	edited := layered{base: tree, over: fstest.MapFS{}}
	g, ok := pol.Group(group)
	if !ok {
		return g, nil, edited, fmt.Errorf("unknown group %q", group)
	}
	if !g.Has(env) {
		return g, nil, edited, fmt.Errorf("group %s does not move into %s together (its environments: %s)", g.Name, env, strings.Join(g.Envs, ", "))
	}
	var members []Member
	for _, app := range g.Apps {
		m, err := plan(edited, app)
		if err != nil {
			return g, nil, edited, err
		}
		members = append(members, m)
	}
	return g, members, edited, nil
}

// changed counts the images the members change.
func changed(members []Member) int {
	n := 0
	for _, m := range members {
		n += len(m.Changes)
	}
	return n
}

// LabelGroupPrefix is the prefix of a group pull request's group label.
const LabelGroupPrefix = "group:"

// planMember plans every image of one member, on the tree as the images
// planned before it edited it, and records its edits in the tree.
func planMember(pol *policy.Policy, tree layered, gp GroupPromotion, app string) (Member, error) {
	m := Member{App: app}
	a, ok := pol.App(app)
	if !ok {
		return m, fmt.Errorf("group %s: unknown app %q", gp.Group, app)
	}
	facts := gp.Facts[app]
	facts.Now = gp.Now
	m.Gates = Gates(pol, app, gp.Env, facts)
	for _, img := range a.Images {
		p, skip, err := PlanPromotion(pol, tree, Promotion{App: app, Image: img.Name, Env: gp.Env, Candidates: gp.Candidates[img.Name], Digests: gp.Digests, Delivery: gp.Delivery})
		if err != nil {
			return m, err
		}
		switch {
		case skip != nil && !skip.UpToDate:
			m.Waiting = append(m.Waiting, *skip)
		case skip == nil:
			m.Changes = append(m.Changes, p)
			for _, f := range p.Files {
				tree.over[f.Path] = &fstest.MapFile{Data: f.After}
			}
		}
	}
	if len(a.Images) == 0 {
		m.Waiting = append(m.Waiting, Skip{App: app, Env: gp.Env, Reason: "the app tracks no image yet"})
	}
	return m, nil
}

// layered is a tree with some files replaced: the base tree as the
// members planned so far edited it.
type layered struct {
	base fs.FS
	over fstest.MapFS
}

func (l layered) Open(name string) (fs.File, error) {
	if _, ok := l.over[name]; ok {
		return l.over.Open(name)
	}
	return l.base.Open(name)
}

// mergedFiles is every file the members changed, from the base tree's
// bytes to the last edit's, sorted by path.
func mergedFiles(base fs.FS, edited layered) []FileChange {
	var out []FileChange
	for path, f := range edited.over {
		before, _ := fs.ReadFile(base, path)
		out = append(out, FileChange{Path: path, Before: before, After: f.Data})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

// groupTitle is "Release <group> to <env>: app v1 → v2, app …".
func groupTitle(g GroupProposal) string {
	var parts []string
	for _, m := range g.Members {
		for _, c := range m.Changes {
			// An app whose images share a version is named once.
			parts = appendUnique(parts, fmt.Sprintf("%s %s → %s", m.App, short(c.From), short(c.To)))
		}
	}
	t := fmt.Sprintf("Release %s to %s: %s", g.Group, g.Env, strings.Join(parts, ", "))
	if len(parts) == 0 {
		t = fmt.Sprintf("Release %s to %s", g.Group, g.Env)
	}
	return truncate(t, maxTitle)
}

// groupCommitMessage is the title, one line per file edit, and the
// trailers: Stagehand-Group, -Env, -From, one Stagehand-App per member
// that moves, and -Delivery.
func groupCommitMessage(g GroupProposal, delivery string) string {
	trailers := []string{"Stagehand-From: " + g.From}
	if delivery != "" {
		trailers = append(trailers, "Stagehand-Delivery: "+delivery)
	}
	return groupCommit(g, "to", trailers)
}

// groupCommit is a group commit's message: the title, one "Set <image>
// <to> <version> in <file>." line per edit, then Stagehand-Group, one
// Stagehand-App per member that changes, Stagehand-Env and trailers.
func groupCommit(g GroupProposal, to string, trailers []string) string {
	var b strings.Builder
	b.WriteString(g.Title)
	b.WriteString("\n\n")
	for _, m := range g.Members {
		for _, c := range m.Changes {
			for _, f := range c.Files {
				fmt.Fprintf(&b, "Set %s %s %s in %s.\n", c.Image, to, c.To, f.Path)
			}
		}
	}
	b.WriteString("\n")
	fmt.Fprintf(&b, "Stagehand-Group: %s\n", g.Group)
	for _, m := range g.Members {
		if len(m.Changes) > 0 {
			fmt.Fprintf(&b, "Stagehand-App: %s\n", m.App)
		}
	}
	fmt.Fprintf(&b, "Stagehand-Env: %s\n", g.Env)
	for _, t := range trailers {
		b.WriteString(t + "\n")
	}
	return b.String()
}
