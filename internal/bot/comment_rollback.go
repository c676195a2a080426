package bot

import (
	"context"
	"fmt"
	"io/fs"
	"sort"
	"strings"

	"github.com/stagehand-gitops/stagehand/internal/chatops"
	"github.com/stagehand-gitops/stagehand/internal/overlay"
	"github.com/stagehand-gitops/stagehand/internal/policy"
	"github.com/stagehand-gitops/stagehand/internal/promote"
)

// LabelRollback marks a rollback pull request.
const LabelRollback = "rollback"

// rollbackPrefix starts rollback branches. They stay out of stagehand/,
// where promotions live, so that nothing supersedes or closes a rollback
// for being older than what runs.
const rollbackPrefix = "stagehand-rollback/"

// RollbackBranch is the branch of the /rollback pull request of an app or
// a group in env.
func RollbackBranch(env, name string) string { return rollbackPrefix + env + "/" + name }

// runRollback opens the pull request that sets env back to the named tag,
// or to the version before the current one in env's history; for a group,
// see runRollbackGroup.
func (b *Bot) runRollback(ctx context.Context, c *commentCtx, e chatops.Entry, cmd chatops.Command) chatops.Answer {
	if g, ok := groupOf(c.st, cmd.App); ok {
		return b.runRollbackGroup(ctx, c, e, cmd, g)
	}
	st := c.st
	snap, err := c.f.SnapshotBranch(ctx, st.repo, st.defaultBranch)
	if err != nil {
		return chatops.FailedAnswer(e, err.Error())
	}
	app, _ := st.pol.App(cmd.App)
	var outs []Outcome
	for _, img := range app.Images {
		hist, err := b.history(ctx, c.f, st, snap, cmd.App, img.Name, cmd.Env)
		if err != nil {
			return chatops.FailedAnswer(e, fmt.Sprintf("cannot read what `%s` ran in `%s`: %v", cmd.App, cmd.Env, err))
		}
		if len(hist) == 0 {
			return chatops.RefusedAnswer(e, notRunning(cmd.App, img.Name, cmd.Env))
		}
		to := promote.Version{Tag: cmd.Tag}
		if cmd.Tag == "" {
			tag, r := chatops.RollbackTarget(cmd.Env, hist[0].Tag, tagsOf(hist))
			if r != nil {
				return chatops.RefusedAnswer(e, r)
			}
			to.Tag = tag
		}
		for _, v := range hist {
			if v.Tag == to.Tag {
				to = v // the digest it ran with
				break
			}
		}
		image := img.Name
		plan := func(tree fs.FS) (promote.Proposal, *promote.Skip, error) {
			return rollbackProposal(st.pol, tree, cmd.App, image, cmd.Env, to, c.user)
		}
		out, err := b.proposeFor(ctx, c, snap, cmd, image, plan)
		if err != nil {
			return chatops.FailedAnswer(e, err.Error())
		}
		outs = append(outs, out)
	}
	return outcomeAnswer(e, cmd, outs)
}

// notRunning refuses a rollback of an image that no overlay of env
// names: there is no version to go back from.
func notRunning(app, image, env string) *chatops.Refusal {
	return &chatops.Refusal{Code: chatops.RefusedNotHere,
		Reason:  fmt.Sprintf("no overlay of `%s` in `%s` names `%s`, so there is nothing to roll back", app, env, image),
		Instead: fmt.Sprintf("`/status %s` shows what runs where", app)}
}

// rollbackProposal plans the pull request that sets app's image in env to
// version to in every overlay, whatever the no-downgrade rule says: a
// person asked for it.
func rollbackProposal(pol *policy.Policy, tree fs.FS, app, image, env string, to promote.Version, user string) (promote.Proposal, *promote.Skip, error) {
	if a, ok := pol.App(app); ok && a.Source != nil {
		return sourceRollback(pol, tree, app, image, env, to, user)
	}
	dirs, err := pol.OverlayDirs(tree, app, env)
	if err != nil {
		return promote.Proposal{}, nil, fmt.Errorf("overlays of %s in %s: %w", app, env, err)
	}
	refs, err := overlay.Find(tree, dirs, image)
	if err != nil {
		return promote.Proposal{}, nil, fmt.Errorf("overlays of %s in %s: %w", app, env, err)
	}
	p := promote.Proposal{App: app, Env: env, Image: image, To: to,
		Branch: RollbackBranch(env, app), Labels: append(promote.Labels(env), LabelRollback)}
	changed := map[string][]byte{}
	for _, r := range refs {
		data, ok := changed[r.File]
		if !ok {
			if data, err = fs.ReadFile(tree, r.File); err != nil {
				return promote.Proposal{}, nil, fmt.Errorf("read %s: %w", r.File, err)
			}
			before := string(data)
			p.Files = append(p.Files, promote.FileChange{Path: r.File, Before: []byte(before)})
		}
		if p.From.IsZero() {
			p.From = promote.Version{Tag: r.Entry.NewTag, Digest: r.Entry.Digest}
		}
		if data, _, err = overlay.SetImage(data, overlay.Edit{Name: r.Entry.Name, NewTag: overlay.Value(to.Tag), Digest: overlay.Value(to.Digest)}); err != nil {
			return promote.Proposal{}, nil, fmt.Errorf("set %s to %s in %s: %w", image, to, r.File, err)
		}
		changed[r.File] = data
	}
	var files []promote.FileChange
	for _, fc := range p.Files {
		if after := changed[fc.Path]; string(after) != string(fc.Before) {
			fc.After = after
			files = append(files, fc)
		}
	}
	sort.Slice(files, func(i, j int) bool { return files[i].Path < files[j].Path })
	return rollbackFinish(p, files, user)
}

// sourceRollback is rollbackProposal for an app whose image lives in a
// values file or another source: the planner's own edit, tag bytes only.
func sourceRollback(pol *policy.Policy, tree fs.FS, app, image, env string, to promote.Version, user string) (promote.Proposal, *promote.Skip, error) {
	cur, err := promote.Current(pol, tree, app, image, env)
	if err != nil {
		return promote.Proposal{}, nil, fmt.Errorf("what %s runs in %s: %w", app, env, err)
	}
	files, err := promote.Edits(pol, tree, policy.ImageRef{App: app, Image: image}, env, to)
	if err != nil {
		return promote.Proposal{}, nil, err
	}
	p := promote.Proposal{App: app, Env: env, Image: image, From: cur.Version, To: to,
		Branch: RollbackBranch(env, app), Labels: append(promote.Labels(env), LabelRollback)}
	return rollbackFinish(p, files, user)
}

// rollbackFinish completes a rollback proposal with its files, or skips
// it when no file changes.
func rollbackFinish(p promote.Proposal, files []promote.FileChange, user string) (promote.Proposal, *promote.Skip, error) {
	if len(files) == 0 {
		return promote.Proposal{}, &promote.Skip{App: p.App, Env: p.Env, Image: p.Image, Reason: fmt.Sprintf("%s already runs %s", p.Env, p.To)}, nil
	}
	p.Files = files
	p.Title = fmt.Sprintf("Roll back %s in %s: %s → %s", p.App, p.Env, p.From, p.To)
	p.Body = rollbackBody(p, user)
	p.CommitMessage = p.Title + "\n\nRequested-by: " + user + "\n"
	return p, nil, nil
}

func rollbackBody(p promote.Proposal, user string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Stagehand rolls **%s** in **%s** back, as `@%s` asked.\n\n", p.App, p.Env, user)
	b.WriteString("| image | from | to |\n|---|---|---|\n")
	fmt.Fprintf(&b, "| `%s` | `%s` | `%s` |\n\n", p.Image, p.From, p.To)
	b.WriteString("Files:\n")
	for _, fc := range p.Files {
		fmt.Fprintf(&b, "- `%s`\n", fc.Path)
	}
	return b.String()
}
