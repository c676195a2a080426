package promote

import (
	"fmt"
	"io/fs"
	"strings"
	"testing/fstest"

	"github.com/stagehand-gitops/stagehand/internal/policy"
)

// GroupRollback asks to set every member of a group in env back to what
// it ran before the group's last release into env, in one pull request.
type GroupRollback struct {
	Group, Env string
	// Release is the commit of the release being undone (see
	// ReleasesGroup); Before is what each member's images ran in env at
	// its parent, read by the shell. An image without an entry did not
	// run in env then and is left as it is.
	Release string
	Before  map[policy.ImageRef]Version
	// Branch and Labels are the rollback pull request's, which the shell
	// owns: the checks trust its rollback branch.
	Branch string
	Labels []string
	// Requester is the login of the person who asked, for the body and
	// the commit trailer.
	Requester string
}

// PlanGroupRollback plans the one pull request that sets every member of
// a group in env back to what it ran before the release r names. Members
// that run it already are listed as unchanged; a skip says when none has
// anything to go back to. No gate applies: a person asked, and the checks
// let a version env ran before through as a rollback.
func PlanGroupRollback(pol *policy.Policy, tree fs.FS, r GroupRollback) (GroupProposal, *Skip, error) {
	g, members, edited, err := eachMember(pol, tree, r.Group, r.Env, func(tree layered, app string) (Member, error) {
		return rollbackMember(pol, tree, r, app)
	})
	if err != nil {
		return GroupProposal{}, nil, err
	}
	out := GroupProposal{Group: g.Name, Env: r.Env, From: r.Env, Members: members, RollbackOf: r.Release}
	changes := changed(members)
	if changes == 0 {
		return GroupProposal{}, &Skip{App: g.Name, Env: r.Env, Reason: fmt.Sprintf("every member of %s already runs in %s what it ran before the release %s", g.Name, r.Env, shortRev(r.Release)), UpToDate: true}, nil
	}
	out.Files = mergedFiles(tree, edited)
	out.Branch, out.Labels = r.Branch, r.Labels
	out.Title = groupRollbackTitle(out)
	out.CommitMessage = groupRollbackCommit(out, r.Requester)
	out.Body = GroupRollbackBody(out, r.Requester)
	return out, nil, nil
}

// rollbackMember plans every image of one member back to its version
// before the release, on the tree as the members before it edited it.
func rollbackMember(pol *policy.Policy, tree layered, r GroupRollback, app string) (Member, error) {
	m := Member{App: app}
	a, ok := pol.App(app)
	if !ok {
		return m, fmt.Errorf("group %s: unknown app %q", r.Group, app)
	}
	for _, img := range a.Images {
		ref := policy.ImageRef{App: app, Image: img.Name}
		to, ok := r.Before[ref]
		if !ok {
			continue
		}
		cur, err := Current(pol, tree, app, img.Name, r.Env)
		if err != nil {
			return m, fmt.Errorf("what %s runs in %s: %w", app, r.Env, err)
		}
		if cur.Version == to {
			continue
		}
		files, err := Edits(pol, tree, ref, r.Env, to)
		if err != nil {
			return m, fmt.Errorf("roll %s back to %s in %s: %w", img.Name, to, r.Env, err)
		}
		if len(files) == 0 {
			continue
		}
		for _, f := range files {
			tree.over[f.Path] = &fstest.MapFile{Data: f.After}
		}
		m.Changes = append(m.Changes, Proposal{App: app, Env: r.Env, Image: img.Name, From: cur.Version, To: to, Files: files})
	}
	return m, nil
}

// groupRollbackTitle is "Roll back <group> in <env>: app v2 → v1, …".
func groupRollbackTitle(g GroupProposal) string {
	var parts []string
	for _, m := range g.Members {
		for _, c := range m.Changes {
			parts = appendUnique(parts, fmt.Sprintf("%s %s → %s", m.App, short(c.From), short(c.To)))
		}
	}
	return truncate(fmt.Sprintf("Roll back %s in %s: %s", g.Group, g.Env, strings.Join(parts, ", ")), maxTitle)
}

// groupRollbackCommit is the title, one line per file edit, and the
// trailers: Stagehand-Group, one Stagehand-App per member that goes back,
// -Env, -Rollback-Of (the release undone) and Requested-by. It carries no
// release title, so that a later /rollback of the group still finds the
// release before it.
func groupRollbackCommit(g GroupProposal, user string) string {
	return groupCommit(g, "back to", []string{trailerRollbackOf + " " + g.RollbackOf, "Requested-by: " + user})
}

// GroupRollbackBody renders a group rollback pull request's description:
// the release it undoes, a table of every member's from → to (unchanged
// members too), and each file. It is markdown and deterministic.
func GroupRollbackBody(g GroupProposal, user string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Stagehand rolls the group **%s** in **%s** back to what it ran before its last release (`%s`), as `@%s` asked: %d apps, one commit.\n\n",
		g.Group, g.Env, shortRev(g.RollbackOf), user, len(g.Members))
	b.WriteString("| app | image | from | to |\n|---|---|---|---|\n")
	for _, m := range g.Members {
		for _, c := range m.Changes {
			fmt.Fprintf(&b, "| %s | `%s` | %s | %s |\n", m.App, c.Image, cellText(c.From), cellText(c.To))
		}
		if len(m.Changes) == 0 {
			fmt.Fprintf(&b, "| %s | | | _unchanged_ |\n", m.App)
		}
	}
	b.WriteString("\n")
	writeFiles(&b, g.Files)
	fmt.Fprintf(&b, "\n<sub>Opened by Stagehand for `/rollback %s in %s`. Each member that changes goes back to a version %s ran before, so the order, soak and no-downgrade rules let it through; closing it without merging leaves every member as it is.</sub>\n", g.Group, g.Env, g.Env)
	return b.String()
}

// trailerRollbackOf names, in a group rollback's commit, the release it
// undoes.
const trailerRollbackOf = "Stagehand-Rollback-Of:"

// ReleasesGroup reports whether a commit message is that of a release of
// group into env: it has the title Stagehand gives the release's pull
// request and commit (a squash merge keeps it, with " (#N)" after it), or
// the trailers Stagehand-Group and Stagehand-Env of its commit. A group
// rollback's commit is not a release.
func ReleasesGroup(message, group, env string) bool {
	title, rest, _ := strings.Cut(message, "\n")
	title = strings.TrimSpace(title)
	want := "Release " + group + " to " + env
	if title == want || strings.HasPrefix(title, want+":") || strings.HasPrefix(title, want+" (#") {
		return true
	}
	var inGroup, inEnv bool
	for line := range strings.Lines(rest) {
		key, value, ok := strings.Cut(strings.TrimSpace(line), ":")
		if !ok {
			continue
		}
		value = strings.TrimSpace(value)
		switch key {
		case "Stagehand-Group":
			inGroup = inGroup || value == group
		case "Stagehand-Env":
			inEnv = inEnv || value == env
		case strings.TrimSuffix(trailerRollbackOf, ":"):
			return false
		}
	}
	return inGroup && inEnv
}
