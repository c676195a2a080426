package sandbox

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/stagehand-gitops/stagehand/internal/githubsim"
)

// promoteByComment plays the SRE asking Stagehand for a manual
// environment's pull request with a /promote comment on the previous
// environment's pull request (on a new issue when there is none). When
// the environment names its promoters and the developer is not one of
// them, the developer asks first and is refused.
func (s *Sandbox) promoteByComment(ctx context.Context, t *timeline, sc Script, i, prev int, timeout time.Duration) error {
	env := sc.Steps[i].Env
	n := prev
	if n == 0 {
		var err error
		if n, err = s.sim.CreateIssue(promoter, s.repo.String(), "Release "+sc.Version, ""); err != nil {
			return fmt.Errorf("open an issue: %w", err)
		}
	}
	cmd := fmt.Sprintf("/promote %s to %s", sc.App, env.Name)
	if len(env.Promoters) > 0 && !slices.Contains(env.Promoters, reviewer) {
		reaction, err := s.command(ctx, t, reviewer, n, cmd, timeout)
		if err != nil {
			return err
		}
		if reaction != "confused" {
			return fmt.Errorf("%s's %s was not refused (reaction %q), though %s names its promoters: %v", reviewer, cmd, reaction, env.Name, env.Promoters)
		}
	}
	reaction, err := s.command(ctx, t, promoter, n, cmd, timeout)
	if err != nil {
		return err
	}
	if reaction != "rocket" {
		return fmt.Errorf("%s's %s did not succeed (reaction %q)", promoter, cmd, reaction)
	}
	return nil
}

// command comments body as login on issue or pull request n, waits for
// Stagehand's answer, prints it, and returns Stagehand's final reaction
// to the comment: "rocket" for done, "confused" for refused or failed.
func (s *Sandbox) command(ctx context.Context, t *timeline, login string, n int, body string, timeout time.Duration) (string, error) {
	id, err := s.sim.Comment(login, s.repo.String(), n, body)
	if err != nil {
		return "", fmt.Errorf("%s comments on #%d: %w", login, n, err)
	}
	t.say(login, "commented on #%d: %s", n, body)
	type answer struct{ reaction, reply string }
	a, err := poll(ctx, timeout, nil, func() (answer, bool) {
		comments, err := s.sim.Comments(s.repo.String(), n)
		if err != nil {
			return answer{}, false
		}
		var a answer
		for _, c := range comments {
			if c.ID == id {
				a.reaction = finalReaction(c)
			}
			// Stagehand keeps one reply per pull request, edited in place.
			if strings.HasSuffix(c.Author, "[bot]") && strings.Contains(c.Body, "@"+login+" asked") {
				a.reply = c.Body
			}
		}
		return a, a.reaction != "" && a.reply != ""
	})
	if err != nil {
		return "", fmt.Errorf("Stagehand did not answer %s's %q on #%d: %w", login, body, n, err)
	}
	t.say("stagehand", "%s %s", emoji[a.reaction], replyLine(a.reply))
	return a.reaction, nil
}

var emoji = map[string]string{"rocket": "🚀", "confused": "😕"}

// finalReaction is Stagehand's last word on a comment: 🚀 or 😕 (👀 only
// says it was seen).
func finalReaction(c githubsim.Comment) string {
	for _, r := range c.Reactions {
		_, content, _ := strings.Cut(r, ":")
		if content == "rocket" || content == "confused" {
			return content
		}
	}
	return ""
}

// replyLine is what a ChatOps reply says happened: its "Done:",
// "Refused:" or "Failed:" line, and the "Instead:" line after a refusal.
func replyLine(reply string) string {
	var out []string
	for _, line := range strings.Split(reply, "\n") {
		for _, p := range []string{"Done:", "Refused:", "Failed:", "Instead:"} {
			if strings.HasPrefix(line, p) {
				out = append(out, strings.TrimSpace(line))
			}
		}
	}
	if len(out) == 0 {
		return strings.TrimSpace(reply)
	}
	return strings.Join(out, " ")
}
