package bot

import (
	"context"
	"fmt"
	"io/fs"
	"strings"

	"github.com/stagehand-gitops/stagehand/internal/chatops"
	"github.com/stagehand-gitops/stagehand/internal/forge"
	"github.com/stagehand-gitops/stagehand/internal/policy"
	"github.com/stagehand-gitops/stagehand/internal/promote"
)

// LabelPromoteNext on a promotion pull request asks for the same change to
// go to the next environment once it is merged (a bare /promote).
const LabelPromoteNext = "stagehand:promote-next"

// historyDepth bounds how many commits of an overlay's history are read.
const historyDepth = 20

func (b *Bot) runPromote(ctx context.Context, c *commentCtx, e chatops.Entry, cmd chatops.Command) chatops.Answer {
	if cmd.After != 0 && !c.pull.Merged {
		if err := c.f.AddLabels(ctx, c.repo, cmd.After, LabelPromoteNext); err != nil {
			return chatops.FailedAnswer(e, err.Error())
		}
		return chatops.DoneAnswer(e, fmt.Sprintf("Once #%d is merged, `%s` goes on to `%s` (label `%s`).", cmd.After, cmd.App, cmd.Env, LabelPromoteNext), nil)
	}
	holds, _, err := b.readHolds(ctx, c)
	if err != nil {
		return chatops.FailedAnswer(e, fmt.Sprintf("the issue %q cannot be read, so holds are unknown: %v", chatops.HoldsTitle, err))
	}
	if g, ok := groupOf(c.st, cmd.App); ok {
		return b.runPromoteGroup(ctx, c, e, cmd, g, holds)
	}
	if r := holds.Refusal(cmd.App, cmd.Env); r != nil {
		return chatops.RefusedAnswer(e, r)
	}
	if cmd.Tag != "" {
		return b.promoteTag(ctx, c, e, cmd)
	}
	outs, err := b.Promote(ctx, c.d.Repo, cmd.App, cmd.Env, c.user)
	if err != nil {
		return chatops.FailedAnswer(e, err.Error())
	}
	return outcomeAnswer(e, cmd, outs)
}

// outcomeAnswer sums up what applying promotions did.
func outcomeAnswer(e chatops.Entry, cmd chatops.Command, outs []Outcome) chatops.Answer {
	var skips []string
	for _, o := range outs {
		if o.PR != 0 {
			msg := fmt.Sprintf("`%s` in `%s`: %s → %s.", cmd.App, cmd.Env, o.Proposal.From, o.Proposal.To)
			if o.Merged {
				msg += " Merged."
			}
			return chatops.DoneAnswer(e, msg, &chatops.PRLink{Number: o.PR, URL: o.URL, Title: o.Proposal.Title})
		}
		if o.Skip != nil {
			skips = append(skips, o.Skip.Reason)
		}
	}
	if len(skips) == 0 {
		skips = []string{"nothing to change"}
	}
	return chatops.FailedAnswer(e, "Nothing proposed: "+strings.Join(skips, "; ")+".")
}

// promoteTag runs "/promote <app>@<tag> to <env>": the tag must have run in
// the previous environment (by version, for carry: version), then the
// environment's own rules decide, as for a registry push.
func (b *Bot) promoteTag(ctx context.Context, c *commentCtx, e chatops.Entry, cmd chatops.Command) chatops.Answer {
	st := c.st
	snap, err := c.f.SnapshotBranch(ctx, st.repo, st.defaultBranch)
	if err != nil {
		return chatops.FailedAnswer(e, err.Error())
	}
	app, _ := st.pol.App(cmd.App)
	var outs []Outcome
	for _, img := range app.Images {
		if prev := st.pol.Prev(cmd.Env); prev != "" {
			hist, err := b.history(ctx, c.f, st, snap, cmd.App, img.Name, prev)
			if err != nil {
				return chatops.FailedAnswer(e, err.Error())
			}
			if r := chatops.TagRan(st.pol, cmd.App, img.Name, cmd.Env, cmd.Tag, tagsOf(hist)); r != nil {
				return chatops.RefusedAnswer(e, r)
			}
		}
		image := img.Name
		// Where the environment requires a signature, the tag's digest is
		// resolved and verified first (checkSignatures).
		var trust promote.Trusts
		var digests map[string]string
		plan := func(tree fs.FS) (promote.Proposal, *promote.Skip, error) {
			return b.checkSignatures(ctx, st, tree, &trust, &digests, func() (promote.Proposal, *promote.Skip, error) {
				return planTag(st.pol, tree, promote.Request{Push: promote.Push{Image: image, Tag: cmd.Tag, Digest: digests[cmd.Tag]}, Env: cmd.Env, Delivery: c.d.ID, Trust: trust}, cmd)
			})
		}
		out, err := b.proposeFor(ctx, c, snap, cmd, image, plan)
		if err != nil {
			return chatops.FailedAnswer(e, err.Error())
		}
		outs = append(outs, out)
	}
	return outcomeAnswer(e, cmd, outs)
}

// proposeFor plans a command's pull request on the default branch and
// applies it; a plan that proposes nothing is an outcome with its skip.
func (b *Bot) proposeFor(ctx context.Context, c *commentCtx, snap fs.FS, cmd chatops.Command, image string, plan planner) (Outcome, error) {
	p, skip, err := plan(snap)
	if err != nil {
		return Outcome{}, err
	}
	if skip != nil {
		return Outcome{App: cmd.App, Env: cmd.Env, Image: image, Skip: skip}, nil
	}
	return b.apply(ctx, c.d, c.f, c.st, p, plan)
}

// history lists the versions app's image ran in env on the default branch,
// newest first, one per commit that touched its overlays (the current one
// first). The overlays are read at each commit with the default branch's
// policy.
func (b *Bot) history(ctx context.Context, f *forge.Forge, st *repoState, snap *forge.Snapshot, app, image, env string) ([]promote.Version, error) {
	cur, err := promote.Current(st.pol, snap, app, image, env)
	if err != nil {
		return nil, err
	}
	if len(cur.Files) == 0 {
		return nil, nil
	}
	commits, err := f.PathHistory(ctx, st.repo, snap.Commit(), cur.Files[0], historyDepth)
	if err != nil {
		return nil, err
	}
	out := []promote.Version{cur.Version}
	for _, cm := range commits {
		then, err := promote.Current(st.pol, f.Snapshot(ctx, st.repo, cm.GetSHA()), app, image, env)
		if promote.Unreadable(err) {
			// An outage is not "it never ran there".
			return nil, fmt.Errorf("what %s ran in %s at %s: %w", app, env, cm.GetSHA(), err)
		}
		if err != nil || then.Version.IsZero() {
			continue
		}
		if then.Version != out[len(out)-1] {
			out = append(out, then.Version)
		}
	}
	return out, nil
}

func tagsOf(vs []promote.Version) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = v.Tag
	}
	return out
}

// planTag plans the push of an explicit /promote tag and picks the
// command's proposal or skip from it.
func planTag(pol *policy.Policy, tree fs.FS, req promote.Request, cmd chatops.Command) (promote.Proposal, *promote.Skip, error) {
	p, err := promote.PlanPush(pol, tree, req)
	if err != nil {
		return promote.Proposal{}, nil, err
	}
	for _, q := range p.Proposals {
		if q.App == cmd.App && q.Env == cmd.Env {
			return q, nil, nil
		}
	}
	for _, s := range p.Skips {
		if s.App == cmd.App && s.Env == cmd.Env {
			return promote.Proposal{}, &s, nil
		}
	}
	return promote.Proposal{}, &promote.Skip{App: cmd.App, Env: cmd.Env, Image: req.Push.Image, Reason: "the policy does not take " + cmd.Tag + " into " + cmd.Env}, nil
}
