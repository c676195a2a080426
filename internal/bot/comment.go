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
	"github.com/stagehand-gitops/stagehand/internal/queue"
)

// replyKind marks Stagehand's one status comment per issue or pull request.
const replyKind = "chatops"

// commentCtx is what every command of one comment shares.
type commentCtx struct {
	d     event.Delivery
	f     *forge.Forge
	st    *repoState // nil when the default branch has no valid policy
	repo  forge.Repo
	user  string
	pull  chatops.Pull
	facts chatops.Facts
	// busy is set when a command found its record locked by another
	// writer (another replica): the delivery is run again later, as a
	// whole, since every command is idempotent.
	busy error
}

// onIssueComment runs the commands of a new comment on an issue or pull
// request: it reacts 👀, parses, authorizes each command against the
// policy of the default branch, runs it, reacts 🚀 or 😕 and answers in
// the issue's one Stagehand status comment.
func (b *Bot) onIssueComment(ctx context.Context, d event.Delivery) error {
	ev, ok := d.Payload.(*github.IssueCommentEvent)
	if !ok {
		return fmt.Errorf("issue_comment delivery %s carries %T", d.ID, d.Payload)
	}
	cm := ev.GetComment()
	user := cm.GetUser().GetLogin()
	if ok, why := chatops.Screen(chatops.Event{Action: ev.GetAction(), Author: user, AuthorType: cm.GetUser().GetType(), Self: b.selfLogin()}); !ok {
		b.decision(d, "", "", "comment ignored: "+why)
		return nil
	}
	parsed := chatops.Parse(cm.GetBody())
	if parsed.Outcome() == chatops.Ignore {
		return nil
	}
	c, err := b.commentFacts(ctx, d, ev)
	if err != nil {
		return err
	}
	if err := c.f.React(ctx, c.repo, cm.GetID(), chatops.ReactionSeen); err != nil {
		return err
	}
	var answers []chatops.Answer
	for _, e := range parsed.Entries {
		answers = append(answers, b.answer(ctx, c, e))
	}
	if c.busy != nil {
		b.decision(d, "", "", "commands deferred: "+c.busy.Error())
		return queue.Retryable(c.busy)
	}
	reaction := chatops.Reaction(answers)
	b.decision(d, "", "", "commands answered", zap.String("user", user), zap.Int("commands", len(answers)), zap.String("reaction", reaction))
	if _, err := c.f.UpsertComment(ctx, c.repo, c.pull.Number, replyKind, b.selfLogin(), chatops.RenderReply(user, answers)); err != nil {
		return err
	}
	return c.f.React(ctx, c.repo, cm.GetID(), reaction)
}

// commentFacts gathers what authorization needs: the commenter's
// permission, and for a pull request its branch, merge state and whether
// it comes from a fork.
func (b *Bot) commentFacts(ctx context.Context, d event.Delivery, ev *github.IssueCommentEvent) (*commentCtx, error) {
	repo, err := parseRepo(d.Repo)
	if err != nil {
		return nil, err
	}
	c := &commentCtx{d: d, repo: repo, user: ev.GetComment().GetUser().GetLogin(), st: b.index.get(d.Repo)}
	install := d.InstallationID
	if c.st != nil {
		install = c.st.installation
	}
	c.f = b.cfg.Forges.Forge(install)
	c.pull = chatops.Pull{Number: ev.GetIssue().GetNumber()}
	if ev.GetIssue().IsPullRequest() {
		pr, _, err := c.f.Client().PullRequests.Get(ctx, repo.Owner, repo.Name, c.pull.Number)
		if err != nil {
			return nil, fmt.Errorf("read %s#%d: %w", repo, c.pull.Number, err)
		}
		c.pull.IsPR, c.pull.Branch, c.pull.Merged = true, pr.GetHead().GetRef(), pr.GetMerged()
		c.facts.Fork = !strings.EqualFold(pr.GetHead().GetRepo().GetFullName(), pr.GetBase().GetRepo().GetFullName())
	}
	perm, err := c.f.Permission(ctx, repo, c.user)
	if err != nil {
		return nil, err
	}
	c.facts.Repo, c.facts.Commenter, c.facts.Permission = d.Repo, c.user, perm
	if c.st != nil {
		c.facts.Policy = c.st.pol // the default branch's, never the pull request's
	}
	return c, nil
}

// answer authorizes and runs one command line.
func (b *Bot) answer(ctx context.Context, c *commentCtx, e chatops.Entry) chatops.Answer {
	if e.Problem != nil {
		return chatops.ProblemAnswer(e)
	}
	cmd, r := e.Command, chatops.Admit(c.facts)
	if r != nil {
		r = chatops.Authorize(c.facts, cmd) // the same refusal, naming the promoters
	} else {
		cmd, r = chatops.ResolveBare(c.facts.Policy, cmd, c.pull)
	}
	if r == nil {
		var err error
		if r, err = authorize(ctx, c.f, c.facts, cmd); err != nil {
			return chatops.FailedAnswer(e, err.Error())
		}
	}
	if r != nil {
		b.decision(c.d, cmd.App, cmd.Env, "refused: "+string(r.Code), zap.String("user", c.user), zap.String("command", cmd.String()))
		return chatops.RefusedAnswer(e, r)
	}
	b.decision(c.d, cmd.App, cmd.Env, "command", zap.String("user", c.user), zap.String("command", cmd.String()))
	return b.run(ctx, c, e, cmd)
}

// authorize decides whether facts.Commenter may run cmd, after looking up
// their membership of the teams among the promoters cmd needs.
func authorize(ctx context.Context, f *forge.Forge, facts chatops.Facts, cmd chatops.Command) (*chatops.Refusal, error) {
	facts.Teams = map[string]bool{}
	for _, team := range chatops.TeamsToCheck(facts.Policy, facts.Commenter, []chatops.Command{cmd}) {
		org, slug, _ := strings.Cut(strings.TrimPrefix(team, "@"), "/")
		member, err := f.TeamMember(ctx, org, slug, facts.Commenter)
		if err != nil {
			return nil, fmt.Errorf("could not read the membership of team %s: %w", team, err)
		}
		facts.Teams[team] = member
	}
	return chatops.Authorize(facts, cmd), nil
}

// run carries out an authorized command.
func (b *Bot) run(ctx context.Context, c *commentCtx, e chatops.Entry, cmd chatops.Command) chatops.Answer {
	switch cmd.Name {
	case chatops.CmdHelp:
		return chatops.HelpAnswer(e)
	case chatops.CmdStatus:
		v, err := b.statusView(ctx, c, cmd.App)
		if err != nil {
			return chatops.FailedAnswer(e, err.Error())
		}
		return chatops.StatusAnswer(e, v)
	case chatops.CmdPromote:
		return b.runPromote(ctx, c, e, cmd)
	case chatops.CmdRollback:
		return b.runRollback(ctx, c, e, cmd)
	case chatops.CmdHold, chatops.CmdUnhold:
		return b.runHold(ctx, c, e, cmd)
	}
	return chatops.FailedAnswer(e, "unknown command")
}
