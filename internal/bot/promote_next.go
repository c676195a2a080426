package bot

import (
	"context"
	"fmt"
	"strings"

	"github.com/google/go-github/v62/github"
	"go.uber.org/zap"

	"github.com/stagehand-gitops/stagehand/internal/chatops"
	"github.com/stagehand-gitops/stagehand/internal/event"
	"github.com/stagehand-gitops/stagehand/internal/forge"
)

// promoteNextKind marks Stagehand's comment on a promotion pull request
// about a LabelPromoteNext it refused.
const promoteNextKind = "promote-next"

// onPromoteNextLabel authorizes whoever added LabelPromoteNext to a
// promotion pull request as a "/promote" of theirs into the next
// environment would be: the label opens that environment's pull request,
// even a manual one's, on merge. A refused label is removed, and the
// pull request says why; nothing else is touched.
func (b *Bot) onPromoteNextLabel(ctx context.Context, d event.Delivery, st *repoState, ev *github.PullRequestEvent, app, env string) error {
	if !strings.EqualFold(ev.GetLabel().GetName(), LabelPromoteNext) {
		return nil
	}
	f := b.cfg.Forges.Forge(st.installation)
	pr, user := ev.GetPullRequest(), ev.GetSender().GetLogin()
	r, next, err := b.mayPromoteNext(ctx, f, st, pr, app, env, user)
	if err != nil || r == nil {
		return err
	}
	b.decision(d, app, next, "refused: "+string(r.Code), zap.String("user", user), zap.String("label", LabelPromoteNext), zap.Int("pr", pr.GetNumber()))
	if err := f.RemoveLabel(ctx, st.repo, pr.GetNumber(), LabelPromoteNext); err != nil {
		return err
	}
	return b.replyPromoteNext(ctx, f, st, pr.GetNumber(), promoteNextRefusal(user, next, r,
		fmt.Sprintf("Stagehand removed the label: when this pull request merges, nothing goes on to `%s` by itself.", next)))
}

// mayPromoteNext decides whether user may have app go on from env to the
// next environment through the label, and returns that environment (""
// when env is the last). Stagehand itself may: it adds the label only
// for a "/promote" it authorized.
func (b *Bot) mayPromoteNext(ctx context.Context, f *forge.Forge, st *repoState, pr *github.PullRequest, app, env, user string) (*chatops.Refusal, string, error) {
	next := st.pol.Next(env)
	if next == "" {
		return nil, "", nil
	}
	if self := b.selfLogin(); self != "" && strings.EqualFold(user, self) {
		return nil, next, nil
	}
	if user == "" {
		return &chatops.Refusal{Code: chatops.RefusedPermission, Reason: "GitHub's events do not say who added the label",
			Instead: fmt.Sprintf("run `/promote %s to %s` once this pull request is merged", app, next)}, next, nil
	}
	perm, err := f.Permission(ctx, st.repo, user)
	if err != nil {
		return nil, next, err
	}
	facts := chatops.Facts{Repo: st.repo.String(), Commenter: user, Permission: perm, Policy: st.pol,
		Fork: !strings.EqualFold(pr.GetHead().GetRepo().GetFullName(), pr.GetBase().GetRepo().GetFullName())}
	r, err := authorize(ctx, f, facts, chatops.Command{Name: chatops.CmdPromote, App: app, Env: next})
	return r, next, err
}

// replyPromoteNext keeps Stagehand's one comment about the label on the
// pull request.
func (b *Bot) replyPromoteNext(ctx context.Context, f *forge.Forge, st *repoState, number int, body string) error {
	_, err := f.UpsertComment(ctx, st.repo, number, promoteNextKind, b.selfLogin(), body)
	return err
}

// promoteNextRefusal is the reply to a refused LabelPromoteNext; outcome
// says what became of it.
func promoteNextRefusal(user, next string, r *chatops.Refusal, outcome string) string {
	who := "Someone"
	if user != "" {
		who = "@" + user
	}
	var s strings.Builder
	fmt.Fprintf(&s, "%s added the label `%s`, which asks for this change to go on to `%s` once merged — 😕 refused\n\n", who, LabelPromoteNext, next)
	fmt.Fprintf(&s, "Refused: %s.\n", r.Reason)
	if r.Instead != "" {
		fmt.Fprintf(&s, "Instead: %s.\n", r.Instead)
	}
	s.WriteString("\n" + outcome + "\n")
	return s.String()
}
