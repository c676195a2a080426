package bot

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"time"

	"github.com/google/go-github/v62/github"
	"go.uber.org/zap"

	"github.com/stagehand-gitops/stagehand/internal/chatops"
	"github.com/stagehand-gitops/stagehand/internal/event"
	"github.com/stagehand-gitops/stagehand/internal/forge"
	"github.com/stagehand-gitops/stagehand/internal/policy"
	"github.com/stagehand-gitops/stagehand/internal/promote"
	"github.com/stagehand-gitops/stagehand/internal/tags"
)

// GroupOutcome is what promoting a group did.
type GroupOutcome struct {
	// Proposal is the planned pull request; zero when Skip is set.
	Proposal promote.GroupProposal
	// Skip says why nothing was proposed.
	Skip *promote.Skip
	// PR is the pull request opened or updated; 0 when none (held back,
	// or nothing to move).
	PR  int
	URL string
	// Merged is true when Stagehand merged it (every member auto-merges).
	Merged bool
}

func groupOf(st *repoState, name string) (policy.Group, bool) {
	if st == nil {
		return policy.Group{}, false
	}
	return st.pol.Group(name)
}

// runPromoteGroup runs "/promote <group> to <env>": after the holds of
// every member, one pull request that moves every member, or the members
// that hold the group back and why.
func (b *Bot) runPromoteGroup(ctx context.Context, c *commentCtx, e chatops.Entry, cmd chatops.Command, g policy.Group, holds chatops.Holds) chatops.Answer {
	for _, app := range g.Apps {
		if r := holds.Refusal(app, cmd.Env); r != nil {
			r.Reason = fmt.Sprintf("%s holds the group %s back: %s", app, g.Name, r.Reason)
			return chatops.RefusedAnswer(e, r)
		}
	}
	out, err := b.PromoteGroup(ctx, c.d.Repo, g.Name, cmd.Env, c.user)
	if err != nil {
		return chatops.FailedAnswer(e, err.Error())
	}
	switch {
	case out.Skip != nil:
		return chatops.FailedAnswer(e, "Nothing proposed: "+out.Skip.Reason+".")
	case out.PR == 0:
		return chatops.FailedAnswer(e, heldText(out.Proposal))
	}
	msg := fmt.Sprintf("`%s` in `%s`: %d apps in one pull request.", g.Name, cmd.Env, len(out.Proposal.Members))
	if out.Merged {
		msg += " Merged."
	}
	return chatops.DoneAnswer(e, msg, &chatops.PRLink{Number: out.PR, URL: out.URL, Title: out.Proposal.Title})
}

// heldText says, in one paragraph, which members hold a group back and why.
func heldText(p promote.GroupProposal) string {
	var parts []string
	for _, m := range p.Holding() {
		parts = append(parts, fmt.Sprintf("`%s`: %s", m.App, strings.Join(m.Holds(), "; ")))
	}
	return fmt.Sprintf("Not proposed yet: %s moves into %s when every member is ready. Held back by %s.", p.Group, p.Env, strings.Join(parts, " and by "))
}

// PromoteGroup opens or updates the one pull request that brings every
// member of group in env up to what the previous environment runs, once
// every member is ready: each member's gates into env hold. A group held
// back opens nothing; the outcome's proposal says which member holds it
// and why. requester is recorded in the log and the commit trailer.
func (b *Bot) PromoteGroup(ctx context.Context, repo, group, env, requester string) (GroupOutcome, error) {
	st := b.index.get(repo)
	if st == nil {
		return GroupOutcome{}, fmt.Errorf("promote %s to %s: %s has no valid %s", group, env, repo, policy.FileName)
	}
	g, ok := st.pol.Group(group)
	if !ok || !g.Has(env) {
		return GroupOutcome{}, fmt.Errorf("promote %s to %s: no group %q moving into %s in %s", group, env, group, env, repo)
	}
	f := b.cfg.Forges.Forge(st.installation)
	snap, err := f.SnapshotBranch(ctx, st.repo, st.defaultBranch)
	if err != nil {
		return GroupOutcome{}, err
	}
	d := event.Delivery{ID: "promote-by-" + requester, Event: "promote", Repo: repo, InstallationID: st.installation}
	gp, err := b.groupFacts(ctx, f, st, snap, g, env)
	if err != nil {
		return GroupOutcome{}, err
	}
	gp.Delivery = d.ID
	plan := func(tree fs.FS) (promote.GroupProposal, *promote.Skip, error) {
		return promote.PlanGroup(st.pol, tree, gp)
	}
	p, skip, err := plan(snap)
	if err != nil || skip != nil {
		return GroupOutcome{Skip: skip}, err
	}
	out := GroupOutcome{Proposal: p}
	if p.Held {
		b.decision(d, group, env, "waiting: a member holds the group back", zap.String("readiness", promote.GroupReadiness(p)))
		return out, nil
	}
	return b.applyGroup(ctx, d, f, st, p, plan)
}

// groupFacts reads each member's gate facts (for its first image: the
// members of a train usually deploy one each) and, where env carries the
// version, the registry's tags of every member's images.
func (b *Bot) groupFacts(ctx context.Context, f *forge.Forge, st *repoState, snap *forge.Snapshot, g policy.Group, env string) (promote.GroupPromotion, error) {
	gp := promote.GroupPromotion{Group: g.Name, Env: env, Now: b.cfg.Now(), Facts: map[string]promote.Facts{}, Candidates: map[string][]tags.Candidate{}}
	for _, app := range g.Apps {
		a, _ := st.pol.App(app)
		if len(a.Images) == 0 {
			continue
		}
		facts, _, err := b.gateFacts(ctx, f, st, snap, app, a.Images[0].Name, env)
		if err != nil {
			return gp, fmt.Errorf("gates of %s in %s: %w", app, env, err)
		}
		gp.Facts[app] = facts
		if e, _ := st.pol.Env(app, env); e.Carry == policy.CarryVersion {
			for _, img := range a.Images {
				cands, err := b.channelTags(ctx, img.Name, nil)
				if err != nil {
					return gp, err
				}
				gp.Candidates[img.Name] = cands
			}
		}
	}
	return gp, nil
}

// applyGroup converges the group's branch and pull request: one commit
// with every member's edits, made again on a newer base when the default
// branch moves; it merges when every member's environment auto-merges.
func (b *Bot) applyGroup(ctx context.Context, d event.Delivery, f *forge.Forge, st *repoState, p promote.GroupProposal, plan func(fs.FS) (promote.GroupProposal, *promote.Skip, error)) (GroupOutcome, error) {
	out := GroupOutcome{Proposal: p}
	edit := func(tree fs.FS) (map[string][]byte, error) {
		q, skip, err := plan(tree)
		switch {
		case err != nil:
			return nil, err
		case skip != nil:
			return nil, &skipped{reason: skip.Reason}
		case q.Held:
			return nil, &skipped{reason: heldText(q)}
		}
		return afterFiles(q.Files), nil
	}
	res, err := f.Propose(ctx, st.repo, forge.Proposal{
		Base: st.defaultBranch, Branch: p.Branch, Message: p.CommitMessage, Edit: edit,
		Title: p.Title, Body: p.Body, Labels: p.Labels,
		AlreadyDone: alreadyDone(st.defaultBranch, p),
	})
	var sk *skipped
	if errors.As(err, &sk) {
		out.Skip = &promote.Skip{App: p.Group, Env: p.Env, Reason: sk.reason}
		b.decision(d, p.Group, p.Env, "skipped: "+sk.reason)
		return out, nil
	}
	if err != nil {
		return out, fmt.Errorf("propose group %s to %s in %s: %w", p.Group, p.Env, st.repo, err)
	}
	if res.PR == nil {
		return out, nil
	}
	out.PR, out.URL = res.PR.GetNumber(), res.PR.GetHTMLURL()
	b.decision(d, p.Group, p.Env, "proposed group", zap.Int("pr", out.PR), zap.Bool("written", res.Written), zap.String("branch", p.Branch), zap.Int("files", len(p.Files)))
	for _, m := range p.Members {
		if e, _ := st.pol.Env(m.App, p.Env); !e.AutoMerge {
			return out, nil
		}
	}
	out.Merged, err = b.tryMerge(ctx, d, f, st, p.Group, p.Env, out.PR, res.Commit)
	return out, err
}

// openTrain lists a train's open pull request in /status: one row per
// member, from what it runs in env to what the pull request brings (for
// its first image, as the gates read it).
func (b *Bot) openTrain(ctx context.Context, f *forge.Forge, st *repoState, snap *forge.Snapshot, pr *github.PullRequest, g policy.Group, env string, notes *[]string) []chatops.OpenPromotion {
	var out []chatops.OpenPromotion
	for _, app := range g.Apps {
		a, _ := st.pol.App(app)
		if len(a.Images) == 0 {
			continue
		}
		image := a.Images[0].Name
		open := chatops.OpenPromotion{App: app, Env: env, PR: chatops.PRLink{Number: pr.GetNumber(), URL: pr.GetHTMLURL(), Title: pr.GetTitle()}}
		if cur, err := promote.Current(st.pol, snap, app, image, env); err == nil {
			open.From = cur.Version
		}
		to, err := b.pendingVersion(ctx, f, st, pr, app, image, env)
		if err != nil {
			*notes = append(*notes, err.Error())
		}
		if open.To = to; open.To != open.From {
			out = append(out, open)
		}
	}
	return out
}

// alreadyDone is the comment that closes a group's pull request whose
// change the default branch holds already.
func alreadyDone(branch string, p promote.GroupProposal) string {
	if p.RollbackOf != "" {
		return fmt.Sprintf("Closing: `%s` already runs in %s what every member ran before the release `%s`, so there is nothing left to merge.", branch, p.Env, shortSHA(p.RollbackOf))
	}
	return fmt.Sprintf("Closing: `%s` already runs in %s what this release brings, so there is nothing left to merge.", branch, p.Env)
}

// trainStatus says, for /status, whether each group may move into each of
// its environments, and which member holds it back and why: a hold, an
// image not there yet, a gate not met. With app set (a group or a
// member), only that app's groups.
func (b *Bot) trainStatus(ctx context.Context, f *forge.Forge, st *repoState, snap *forge.Snapshot, app string, holds chatops.Holds) []chatops.TrainStatus {
	var out []chatops.TrainStatus
	for _, g := range st.pol.Groups {
		if app != "" && app != g.Name && !slices.Contains(g.Apps, app) {
			continue
		}
		for _, env := range g.Envs {
			ts := chatops.TrainStatus{Group: g.Name, Env: env}
			gp, err := b.groupFacts(ctx, f, st, snap, g, env)
			var p promote.GroupProposal
			var skip *promote.Skip
			if err == nil {
				p, skip, err = promote.PlanGroup(st.pol, snap, gp)
			}
			switch {
			case err != nil:
				ts.Problem = err.Error()
			case skip != nil:
				ts.UpToDate = true
			default:
				for _, m := range p.Members {
					reasons := m.Holds()
					if why := held(holds, m.App, env); why != "" {
						reasons = append([]string{why}, reasons...)
					}
					if len(reasons) > 0 {
						ts.Holding = append(ts.Holding, chatops.TrainHold{App: m.App, Reasons: reasons})
					}
				}
			}
			out = append(out, ts)
		}
	}
	return out
}

// advanceGroup is the automatic promotion of a train into env (promotion:
// auto): once no member is held and every member is ready, the one pull
// request of PromoteGroup. It returns when a held-back member's time-based
// gate lifts, for a recheck then.
func (b *Bot) advanceGroup(ctx context.Context, d event.Delivery, f *forge.Forge, st *repoState, snap *forge.Snapshot, g policy.Group, env string, holds func() (chatops.Holds, error)) (time.Time, error) {
	h, err := holds()
	if err != nil {
		return time.Time{}, err
	}
	for _, app := range g.Apps {
		if why := held(h, app, env); why != "" {
			b.decision(d, g.Name, env, "skipped: a member is held", zap.String("app", app), zap.String("reason", why))
			return time.Time{}, nil
		}
	}
	gp, err := b.groupFacts(ctx, f, st, snap, g, env)
	if err != nil {
		return time.Time{}, err
	}
	gp.Delivery = d.ID
	plan := func(tree fs.FS) (promote.GroupProposal, *promote.Skip, error) {
		return promote.PlanGroup(st.pol, tree, gp)
	}
	p, skip, err := plan(snap)
	if err != nil || skip != nil {
		return time.Time{}, err
	}
	if p.Held {
		b.decision(d, g.Name, env, "waiting: a member holds the group back", zap.String("readiness", heldText(p)), zap.Time("until", p.Until))
		return p.Until, nil
	}
	_, err = b.applyGroup(ctx, d, f, st, p, plan)
	return time.Time{}, err
}
