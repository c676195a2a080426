package bot

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/go-github/v62/github"

	"github.com/stagehand-gitops/stagehand/internal/chatops"
	"github.com/stagehand-gitops/stagehand/internal/forge"
	"github.com/stagehand-gitops/stagehand/internal/promote"
)

// runHold records a hold or lifts one: in the holds issue, and as the
// hold label on the open promotion pull requests it covers. The issue is
// the record the checks read, so it is written first; the reply says what
// holds afterwards, also when a label could not follow.
func (b *Bot) runHold(ctx context.Context, c *commentCtx, e chatops.Entry, cmd chatops.Command) chatops.Answer {
	holds, issue, err := b.readHolds(ctx, c)
	if err != nil {
		// Rewriting a table we cannot read would drop holds people rely on.
		return chatops.FailedAnswer(e, fmt.Sprintf("the issue %q cannot be read (%v); fix its table, or close it to start afresh.", chatops.HoldsTitle, err))
	}
	where := "every environment"
	if cmd.Env != "" {
		where = "`" + cmd.Env + "`"
	}
	// A group's hold is a hold of each member.
	apps := []string{cmd.App}
	if g, ok := groupOf(c.st, cmd.App); ok {
		apps = g.Apps
	}
	if cmd.Name == chatops.CmdUnhold && !recorded(holds, apps, cmd.Env) {
		// A label an earlier /unhold could not take off comes off now.
		_, _ = b.labelHeld(ctx, c, cmd.App, holds)
		return chatops.FailedAnswer(e, fmt.Sprintf("`%s` has no hold in %s.", cmd.App, where))
	}
	change := func(h chatops.Holds) chatops.Holds {
		for _, app := range apps {
			h, _ = h.Without(app, cmd.Env)
		}
		return h
	}
	if cmd.Name == chatops.CmdHold {
		since := b.cfg.Now().UTC().Truncate(time.Second)
		change = func(h chatops.Holds) chatops.Holds {
			for _, app := range apps {
				h = h.With(chatops.Hold{App: app, Env: cmd.Env, By: c.user, Since: since, Reason: cmd.Reason})
			}
			return h
		}
	}
	if holds, err = b.writeHolds(ctx, c, issue, change); err != nil {
		if errors.Is(err, forge.ErrLocked) {
			c.busy = err
		}
		return chatops.FailedAnswer(e, err.Error())
	}
	missed, err := b.labelHeld(ctx, c, cmd.App, holds)
	return holdAnswer(e, cmd, where, missed, err)
}

// holdAnswer is the reply to /hold or /unhold once the holds issue says
// what it asked. Labels that could not follow are named: a missing hold
// label changes nothing (the checks read the issue), but a hold label
// left on a pull request keeps its check failing.
func holdAnswer(e chatops.Entry, cmd chatops.Command, where string, missed []string, err error) chatops.Answer {
	if err != nil {
		missed = append(missed, "the open pull requests ("+err.Error()+")")
	}
	if cmd.Name == chatops.CmdHold {
		msg := fmt.Sprintf("Held `%s` in %s: no new promotion pull requests, and the open ones fail their `stagehand/<env>` check until `/unhold`.", cmd.App, where)
		if len(missed) > 0 {
			msg += fmt.Sprintf(" The `%s` label could not be put on %s; the `stagehand/<env>` check there reads the holds issue and fails all the same.", chatops.LabelHold, strings.Join(missed, ", "))
		}
		return chatops.DoneAnswer(e, msg, nil)
	}
	if len(missed) == 0 {
		return chatops.DoneAnswer(e, fmt.Sprintf("Lifted the hold on `%s` in %s.", cmd.App, where), nil)
	}
	return chatops.FailedAnswer(e, fmt.Sprintf("the holds issue no longer holds `%s` in %s, but the `%s` label could not be taken off %s, which keeps the check there failing; ask again to take it off.",
		cmd.App, where, chatops.LabelHold, strings.Join(missed, ", ")))
}

// holdsAny reports whether any of apps is held in env.
func holdsAny(holds chatops.Holds, apps []string, env string) bool {
	return slices.ContainsFunc(apps, func(app string) bool { _, found := holds.Find(app, env); return found })
}

// recorded reports whether the holds issue has a row for any of apps in
// exactly env ("" for every environment): what /unhold takes off.
func recorded(holds chatops.Holds, apps []string, env string) bool {
	return slices.ContainsFunc(apps, func(app string) bool { _, found := holds.Without(app, env); return found })
}

// readHolds finds the holds issue and reads its table; no issue is no holds.
func (b *Bot) readHolds(ctx context.Context, c *commentCtx) (chatops.Holds, *github.Issue, error) {
	issue, err := c.f.FindIssue(ctx, c.repo, chatops.LabelHolds, chatops.HoldsTitle)
	if err != nil || issue == nil {
		return nil, nil, err
	}
	holds, err := chatops.ParseHolds(issue.GetBody())
	return holds, issue, err
}

// holdsLockTTL bounds how long a replica that died while writing the
// holds issue holds up the others.
const holdsLockTTL = time.Minute

// writeHolds applies change to the holds issue, or opens it, and returns
// the holds it then records. GitHub takes no precondition on an issue
// update, so the read-modify-write runs under the repository's holds lock
// (forge.Lock: a ref only one writer can create): a second replica's
// /hold waits for it (ErrLocked, and its delivery is run again) instead of
// overwriting it. Inside, the table is still changed on the body read
// right before the write and read back after it (forge.EditIssueBody), so
// a person's edit meanwhile is kept too.
func (b *Bot) writeHolds(ctx context.Context, c *commentCtx, issue *github.Issue, change func(chatops.Holds) chatops.Holds) (_ chatops.Holds, err error) {
	if c.st == nil {
		return nil, fmt.Errorf("%s has no valid policy on its default branch", c.repo)
	}
	unlock, err := c.f.Lock(ctx, c.repo, "holds", c.st.defaultBranch, b.cfg.Now(), holdsLockTTL)
	if err != nil {
		return nil, err
	}
	defer func() { err = errors.Join(err, unlock(ctx)) }()
	if issue == nil {
		// Another replica may have opened it while this one waited.
		if issue, err = c.f.FindIssue(ctx, c.repo, chatops.LabelHolds, chatops.HoldsTitle); err != nil {
			return nil, err
		}
	}
	if issue == nil {
		created, err := c.f.CreateIssue(ctx, c.repo, chatops.HoldsTitle, chatops.RenderHolds(change(nil)), chatops.LabelHolds)
		if err != nil {
			return nil, fmt.Errorf("open the holds issue in %s: %w", c.repo, err)
		}
		// Two replicas may each open one; the oldest is the record.
		if issue, err = c.f.FindIssue(ctx, c.repo, chatops.LabelHolds, chatops.HoldsTitle); err != nil {
			return nil, err
		}
		if issue == nil || issue.GetNumber() == created.GetNumber() {
			return change(nil), nil
		}
		if err := c.f.CloseIssue(ctx, c.repo, created.GetNumber()); err != nil {
			return nil, err
		}
	}
	body, err := c.f.EditIssueBody(ctx, c.repo, issue.GetNumber(), func(body string) (string, error) {
		h, err := chatops.ParseHolds(body)
		if err != nil {
			return "", fmt.Errorf("the issue %q cannot be read (%v); fix its table, or close it to start afresh", chatops.HoldsTitle, err)
		}
		return chatops.RenderHolds(change(h)), nil
	})
	if err != nil {
		return nil, fmt.Errorf("update the holds issue %s#%d: %w", c.repo, issue.GetNumber(), err)
	}
	return chatops.ParseHolds(body)
}

// labelHeld puts the hold label on app's open promotion pull requests
// into held environments, and takes it off the others. It tries every
// pull request and returns the ones it could not change ("#12 (why)").
// A pull request that could not be labelled held has its checks run
// again: they read the holds issue, so they fail without the label.
func (b *Bot) labelHeld(ctx context.Context, c *commentCtx, app string, holds chatops.Holds) ([]string, error) {
	prs, err := c.f.OpenProposals(ctx, c.repo, branchPrefix)
	if err != nil {
		return nil, err
	}
	var missed []string
	for _, pr := range prs {
		env, a, ok := parseBranch(pr.GetHead().GetRef())
		members := []string{a}
		if g, isGroup := groupOf(c.st, a); isGroup {
			members = g.Apps // a train's pull request is held while a member is
		}
		if !ok || (a != app && !slices.Contains(members, app)) {
			if g, isGroup := groupOf(c.st, app); !ok || !isGroup || !slices.Contains(g.Apps, a) {
				continue
			}
		}
		// The labels of a listed pull request may be stale; adding and
		// removing are idempotent.
		held := holdsAny(holds, members, env)
		if held {
			err = c.f.AddLabels(ctx, c.repo, pr.GetNumber(), chatops.LabelHold)
		} else {
			err = c.f.RemoveLabel(ctx, c.repo, pr.GetNumber(), chatops.LabelHold)
		}
		if err == nil {
			continue
		}
		why := fmt.Sprintf("#%d (%v)", pr.GetNumber(), err)
		if held && c.st != nil {
			if cerr := b.checkPull(ctx, c.f, c.st, pr.GetNumber(), nil); cerr != nil {
				why = fmt.Sprintf("#%d (%v; its checks could not be run again: %v)", pr.GetNumber(), err, cerr)
			}
		}
		missed = append(missed, why)
	}
	return missed, nil
}

// statusView gathers /status: versions on the default branch, open
// promotions with their gates, and holds.
func (b *Bot) statusView(ctx context.Context, c *commentCtx, app string) (chatops.StatusView, error) {
	snap, err := c.f.SnapshotBranch(ctx, c.st.repo, c.st.defaultBranch)
	if err != nil {
		return chatops.StatusView{}, err
	}
	return b.statusViewAt(ctx, c, app, snap)
}

// statusViewAt is statusView on snap, the default branch's head.
func (b *Bot) statusViewAt(ctx context.Context, c *commentCtx, app string, snap *forge.Snapshot) (chatops.StatusView, error) {
	st := c.st
	var err error
	v := chatops.StatusView{App: app, Rows: promote.Inventory(st.pol, snap)}
	for _, e := range st.pol.Environments {
		v.Envs = append(v.Envs, e.Name)
	}
	if v.Holds, _, err = b.readHolds(ctx, c); err != nil {
		v.Notes = append(v.Notes, "the holds issue cannot be read: "+err.Error())
	}
	v.Notes = append(v.Notes, b.unlistedNotes(st.repo.String(), app)...)
	v.Trains = b.trainStatus(ctx, c.f, st, snap, app, v.Holds)
	if _, ok := st.pol.Group(app); ok {
		v.App = "" // a group's /status shows every app, and that group's train
	}
	v.Refused = b.refusedTags(st.repo.String(), v.App)
	prs, err := c.f.OpenProposals(ctx, st.repo, branchPrefix)
	if err != nil {
		return v, err
	}
	for _, pr := range prs {
		env, a, ok := parseBranch(pr.GetHead().GetRef())
		if g, isGroup := st.pol.Group(a); ok && isGroup {
			if app == "" || app == g.Name || slices.Contains(g.Apps, app) {
				v.Open = append(v.Open, b.openTrain(ctx, c.f, st, snap, pr, g, env, &v.Notes)...)
			}
			continue
		}
		pa, known := st.pol.App(a)
		if !ok || !known || len(pa.Images) == 0 || (app != "" && a != app) {
			continue
		}
		image := pa.Images[0].Name
		open := chatops.OpenPromotion{App: a, Env: env, PR: chatops.PRLink{Number: pr.GetNumber(), URL: pr.GetHTMLURL(), Title: pr.GetTitle()},
			Head: pr.GetHead().GetSHA()}
		if cur, err := promote.Current(st.pol, snap, a, image, env); err == nil {
			open.From = cur.Version
		}
		if open.To, err = b.pendingVersion(ctx, c.f, st, pr, a, image, env); err != nil {
			v.Notes = append(v.Notes, err.Error())
		}
		v.Open = append(v.Open, open)
		if st.pol.Prev(env) != "" {
			gates, _, err := b.gates(ctx, c.f, st, snap, a, image, env)
			if err != nil {
				v.Notes = append(v.Notes, fmt.Sprintf("gates of %s in %s: %v", a, env, err))
			} else if len(gates) > 0 {
				v.Pending = append(v.Pending, chatops.PendingGates{App: a, Env: env, Gates: gates})
			}
		}
	}
	return v, nil
}
