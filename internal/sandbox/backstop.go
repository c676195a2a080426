package sandbox

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/stagehand-gitops/stagehand/internal/githubsim"
	"github.com/stagehand-gitops/stagehand/internal/semver"
)

// Backstop is what the backstop chapter did.
type Backstop struct {
	// Tag was pushed with its registry notifications lost; Dropped counts
	// them.
	Tag     string
	Dropped int
	// PR is the pull request the resync opened for Tag.
	PR githubsim.PullRequest
}

// PlayBackstop plays the backstop after a story (res is what Play
// returned): CI pushes the next patch of what the first environment
// runs, signed when the story required signatures, and its registry
// notifications are lost on the way, so Stagehand hears nothing; then one
// resync pass, run at once rather than after --resync-interval, lists the
// image's tags, finds the tag and opens the environment's pull request.
func (s *Sandbox) PlayBackstop(ctx context.Context, w io.Writer, res Result, timeout time.Duration) (*Backstop, error) {
	if timeout <= 0 {
		timeout = 20 * time.Second
	}
	t := &timeline{w: w, start: time.Now()}
	sc, first := res.Script, res.Script.Steps[0]
	runs := first.Tag
	if res.Trusted != nil {
		runs = res.Trusted.Signed
	}
	tag, ok := nextPatch(runs)
	if !ok {
		t.say("backstop", "skipped, %s is not a plain release tag", runs)
		return nil, nil
	}
	t.say("backstop", "the registry's notifications for %s:%s are lost on the way to Stagehand", sc.Image, tag)
	out := &Backstop{Tag: tag}
	var err error
	if out.Dropped, err = s.pushUnheard(ctx, t, sc, tag, res.Trusted); err != nil {
		return nil, err
	}
	t.say("stagehand", "heard nothing of %s: %d registry notification(s) lost, no pull request", tag, out.Dropped)
	seen := len(s.Decisions())
	prs0, err := s.sim.PullRequests(s.repo.String())
	if err != nil {
		return nil, fmt.Errorf("list pull requests: %w", err)
	}
	before := 0
	for _, pr := range prs0 {
		before = max(before, pr.Number)
	}
	for _, pr := range prs0 {
		if strings.HasSuffix(pr.Title, "→ "+tag) {
			return nil, fmt.Errorf("PR #%d proposes %s before any resync: a notification reached Stagehand after all", pr.Number, tag)
		}
	}
	if err := s.bot.Resync(ctx, s.repo.String()); err != nil {
		return nil, fmt.Errorf("resync %s: %w", s.repo, err)
	}
	st := Step{Env: first.Env, Push: tag, Tag: tag}
	if out.PR, err = s.waitPR(ctx, t, sc, st, seen, timeout); err != nil {
		return nil, fmt.Errorf("the resync opened no pull request for %s in %s: %w", tag, first.Env.Name, err)
	}
	t.say("stagehand", "resync listed the tags of %s and found %s", sc.Image, tag)
	t.say("github", "PR #%d opened by Stagehand after the resync: %q %s", out.PR.Number, out.PR.Title, s.prURL(out.PR.Number))
	// A promotion whose gates came to hold meanwhile (a soak ending) may
	// have opened too, by this pass or by its own timer: say so, so that
	// no pull request number is unexplained.
	prs, err := s.sim.PullRequests(s.repo.String())
	if err != nil {
		return nil, fmt.Errorf("list pull requests: %w", err)
	}
	for _, pr := range prs {
		if pr.Number > before && pr.Number != out.PR.Number {
			t.say("github", "PR #%d opened meanwhile: %q %s", pr.Number, pr.Title, s.prURL(pr.Number))
		}
	}
	return out, nil
}

// pushUnheard pushes tag (signing it first when trusted says the story
// requires signatures) while the registry's notifications are dropped,
// and returns how many were.
func (s *Sandbox) pushUnheard(ctx context.Context, t *timeline, sc Script, tag string, trusted *Trusted) (int, error) {
	before := len(s.RegistryWebhooks())
	s.hooks.drop.Store(true)
	defer s.hooks.drop.Store(false)
	if trusted != nil {
		if err := s.sign(ctx, t, sc, tag, trusted.signer); err != nil {
			return 0, err
		}
	}
	digest, err := s.Push(ctx, sc.Repository, tag)
	if err != nil {
		return 0, err
	}
	t.say("registry", "pushed %s:%s (%s) to the in-process registry", sc.Image, tag, shortDigest(digest))
	// Every notification of the push has left the registry, and been lost.
	if _, err := poll(ctx, 10*time.Second, nil, func() (struct{}, bool) { return struct{}{}, len(s.RegistryWebhooks()) > before }); err != nil {
		return 0, fmt.Errorf("the registry sent no notification to lose: %w", err)
	}
	select {
	case <-s.quiet(ctx, 500*time.Millisecond):
	case <-ctx.Done():
		return 0, ctx.Err()
	}
	dropped := 0
	for _, h := range s.RegistryWebhooks()[before:] {
		if h.Dropped {
			dropped++
		}
	}
	return dropped, nil
}

// nextPatch is the next patch release after tag: v1.5.1 → v1.5.2.
func nextPatch(tag string) (string, bool) {
	v, err := semver.NewVersion(tag)
	if err != nil || v.Prerelease() != "" || v.Metadata() != "" {
		return "", false
	}
	next := v.IncPatch()
	if tag[0] == 'v' {
		return "v" + next.String(), true
	}
	return next.String(), true
}
