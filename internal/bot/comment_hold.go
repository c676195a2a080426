package bot

import (
	"context"
	"fmt"
	"time"

	"github.com/google/go-github/v62/github"

	"github.com/stagehand-gitops/stagehand/internal/chatops"
	"github.com/stagehand-gitops/stagehand/internal/promote"
)

// runHold records a hold or lifts one: in the holds issue, and as the
// hold label on the open promotion pull requests it covers.
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
	var msg string
	if cmd.Name == chatops.CmdHold {
		holds = holds.With(chatops.Hold{App: cmd.App, Env: cmd.Env, By: c.user, Since: b.cfg.Now().UTC().Truncate(time.Second), Reason: cmd.Reason})
		msg = fmt.Sprintf("Held `%s` in %s: no new promotion pull requests, and the open ones fail their `stagehand/<env>` check until `/unhold`.", cmd.App, where)
	} else {
		var found bool
		if holds, found = holds.Without(cmd.App, cmd.Env); !found {
			return chatops.FailedAnswer(e, fmt.Sprintf("`%s` has no hold in %s.", cmd.App, where))
		}
		msg = fmt.Sprintf("Lifted the hold on `%s` in %s.", cmd.App, where)
	}
	if err := b.writeHolds(ctx, c, issue, holds); err != nil {
		return chatops.FailedAnswer(e, err.Error())
	}
	if err := b.labelHeld(ctx, c, cmd.App, holds); err != nil {
		return chatops.FailedAnswer(e, err.Error())
	}
	return chatops.DoneAnswer(e, msg, nil)
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

// writeHolds rewrites the holds issue, or opens it.
func (b *Bot) writeHolds(ctx context.Context, c *commentCtx, issue *github.Issue, holds chatops.Holds) error {
	body := chatops.RenderHolds(holds)
	gh := c.f.Client()
	if issue == nil {
		_, _, err := gh.Issues.Create(ctx, c.repo.Owner, c.repo.Name, &github.IssueRequest{
			Title: github.String(chatops.HoldsTitle), Body: github.String(body), Labels: &[]string{chatops.LabelHolds}})
		if err != nil {
			return fmt.Errorf("open the holds issue in %s: %w", c.repo, err)
		}
		return nil
	}
	if issue.GetBody() == body {
		return nil
	}
	if _, _, err := gh.Issues.Edit(ctx, c.repo.Owner, c.repo.Name, issue.GetNumber(), &github.IssueRequest{Body: github.String(body)}); err != nil {
		return fmt.Errorf("update the holds issue %s#%d: %w", c.repo, issue.GetNumber(), err)
	}
	return nil
}

// labelHeld puts the hold label on app's open promotion pull requests
// into held environments, and takes it off the others.
func (b *Bot) labelHeld(ctx context.Context, c *commentCtx, app string, holds chatops.Holds) error {
	prs, err := c.f.OpenProposals(ctx, c.repo, branchPrefix)
	if err != nil {
		return err
	}
	for _, pr := range prs {
		env, a, ok := parseBranch(pr.GetHead().GetRef())
		if !ok || a != app {
			continue
		}
		// The labels of a listed pull request may be stale; adding and
		// removing are idempotent.
		if _, held := holds.Find(app, env); held {
			err = c.f.AddLabels(ctx, c.repo, pr.GetNumber(), chatops.LabelHold)
		} else {
			err = c.f.RemoveLabel(ctx, c.repo, pr.GetNumber(), chatops.LabelHold)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// statusView gathers /status: versions on the default branch, open
// promotions with their gates, and holds.
func (b *Bot) statusView(ctx context.Context, c *commentCtx, app string) (chatops.StatusView, error) {
	st := c.st
	snap, err := c.f.SnapshotBranch(ctx, st.repo, st.defaultBranch)
	if err != nil {
		return chatops.StatusView{}, err
	}
	v := chatops.StatusView{App: app, Rows: promote.Inventory(st.pol, snap)}
	for _, e := range st.pol.Environments {
		v.Envs = append(v.Envs, e.Name)
	}
	if v.Holds, _, err = b.readHolds(ctx, c); err != nil {
		v.Notes = append(v.Notes, "the holds issue cannot be read: "+err.Error())
	}
	v.Notes = append(v.Notes, b.unlistedNotes(st.repo.String(), app)...)
	prs, err := c.f.OpenProposals(ctx, st.repo, branchPrefix)
	if err != nil {
		return v, err
	}
	for _, pr := range prs {
		env, a, ok := parseBranch(pr.GetHead().GetRef())
		pa, known := st.pol.App(a)
		if !ok || !known || len(pa.Images) == 0 || (app != "" && a != app) {
			continue
		}
		image := pa.Images[0].Name
		open := chatops.OpenPromotion{App: a, Env: env, PR: chatops.PRLink{Number: pr.GetNumber(), URL: pr.GetHTMLURL(), Title: pr.GetTitle()}}
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
