package bot

import (
	"context"
	"fmt"
	"io/fs"
	"strings"

	"github.com/google/go-github/v62/github"

	"github.com/stagehand-gitops/stagehand/internal/chatops"
	"github.com/stagehand-gitops/stagehand/internal/forge"
	"github.com/stagehand-gitops/stagehand/internal/policy"
	"github.com/stagehand-gitops/stagehand/internal/promote"
)

// runRollbackGroup runs "/rollback <group> in <env>": one pull request, on
// a rollback branch, that sets every member back to what it ran in env
// before the group's last release there.
func (b *Bot) runRollbackGroup(ctx context.Context, c *commentCtx, e chatops.Entry, cmd chatops.Command, g policy.Group) chatops.Answer {
	st := c.st
	snap, err := c.f.SnapshotBranch(ctx, st.repo, st.defaultBranch)
	if err != nil {
		return chatops.FailedAnswer(e, err.Error())
	}
	release, before, err := b.groupRelease(ctx, c.f, st, snap, g, cmd.Env)
	if err != nil {
		return chatops.FailedAnswer(e, fmt.Sprintf("cannot read what `%s` ran in `%s`: %v", g.Name, cmd.Env, err))
	}
	if release == "" {
		return chatops.RefusedAnswer(e, noRelease(g, cmd.Env))
	}
	req := promote.GroupRollback{Group: g.Name, Env: cmd.Env, Release: release, Before: before,
		Branch:    RollbackBranch(cmd.Env, g.Name),
		Labels:    append(promote.Labels(cmd.Env), LabelRollback, promote.LabelGroupPrefix+g.Name),
		Requester: c.user}
	plan := func(tree fs.FS) (promote.GroupProposal, *promote.Skip, error) {
		return promote.PlanGroupRollback(st.pol, tree, req)
	}
	p, skip, err := plan(snap)
	switch {
	case err != nil:
		return chatops.FailedAnswer(e, err.Error())
	case skip != nil:
		return chatops.FailedAnswer(e, "Nothing proposed: "+skip.Reason+".")
	}
	out, err := b.applyGroup(ctx, c.d, c.f, st, p, plan)
	switch {
	case err != nil:
		return chatops.FailedAnswer(e, err.Error())
	case out.Skip != nil:
		return chatops.FailedAnswer(e, "Nothing proposed: "+out.Skip.Reason+".")
	case out.PR == 0:
		return chatops.FailedAnswer(e, "Nothing proposed: the default branch already runs what the rollback brings.")
	}
	msg := fmt.Sprintf("`%s` in `%s`: %d apps back to what ran before `%s`, in one pull request.", g.Name, cmd.Env, len(p.Members), shortSHA(release))
	if out.Merged {
		msg += " Merged."
	}
	return chatops.DoneAnswer(e, msg, &chatops.PRLink{Number: out.PR, URL: out.URL, Title: p.Title})
}

// noRelease refuses a group rollback whose members' history holds no
// release of the group into env.
func noRelease(g policy.Group, env string) *chatops.Refusal {
	return &chatops.Refusal{Code: chatops.RefusedNoEarlier,
		Reason:  fmt.Sprintf("the last %d commits of the files of %s in `%s` hold no release of the group `%s`, so there is nothing to roll back", historyDepth, strings.Join(g.Apps, ", "), env, g.Name),
		Instead: fmt.Sprintf("roll back its members one by one, such as `/rollback %s in %s`", g.Apps[0], env)}
}

// groupRelease finds the group's last release into env on the default
// branch, the newest commit of its members' files in env that
// promote.ReleasesGroup recognises, and reads what each member's images
// ran in env at its parent. It returns "" when the history holds none.
func (b *Bot) groupRelease(ctx context.Context, f *forge.Forge, st *repoState, snap *forge.Snapshot, g policy.Group, env string) (string, map[policy.ImageRef]promote.Version, error) {
	var last *github.RepositoryCommit
	read := map[string]bool{} // files whose history was read
	for _, app := range g.Apps {
		a, _ := st.pol.App(app)
		for _, img := range a.Images {
			cur, err := promote.Current(st.pol, snap, app, img.Name, env)
			if promote.Unreadable(err) {
				return "", nil, err
			}
			if err != nil || len(cur.Files) == 0 || read[cur.Files[0]] {
				continue
			}
			read[cur.Files[0]] = true
			commits, err := f.PathHistory(ctx, st.repo, snap.Commit(), cur.Files[0], historyDepth)
			if err != nil {
				return "", nil, err
			}
			for _, cm := range commits {
				if promote.ReleasesGroup(cm.GetCommit().GetMessage(), g.Name, env) {
					// A member the release left unchanged finds an older one.
					if last == nil || cm.GetCommit().GetCommitter().GetDate().After(last.GetCommit().GetCommitter().GetDate().Time) {
						last = cm
					}
					break
				}
			}
		}
	}
	if last == nil || len(last.Parents) == 0 {
		return "", nil, nil
	}
	parent := last.Parents[0].GetSHA()
	then := f.Snapshot(ctx, st.repo, parent)
	before := map[policy.ImageRef]promote.Version{}
	for _, app := range g.Apps {
		a, _ := st.pol.App(app)
		for _, img := range a.Images {
			v, err := promote.Current(st.pol, then, app, img.Name, env)
			if promote.Unreadable(err) {
				return "", nil, fmt.Errorf("what %s ran in %s at %s: %w", app, env, shortSHA(parent), err)
			}
			if err != nil || v.Version.IsZero() {
				continue // it did not run in env then: left as it is
			}
			before[policy.ImageRef{App: app, Image: img.Name}] = v.Version
		}
	}
	return last.GetSHA(), before, nil
}

// shortSHA is a commit's first 12 hex digits, as promote names a release.
func shortSHA(sha string) string {
	if len(sha) > 12 {
		return sha[:12]
	}
	return sha
}
