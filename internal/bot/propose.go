package bot

import (
	"context"
	"errors"
	"fmt"
	"io/fs"

	"github.com/google/go-github/v62/github"
	"go.uber.org/zap"

	"github.com/stagehand-gitops/stagehand/internal/event"
	"github.com/stagehand-gitops/stagehand/internal/forge"
	"github.com/stagehand-gitops/stagehand/internal/policy"
	"github.com/stagehand-gitops/stagehand/internal/promote"
	"github.com/stagehand-gitops/stagehand/internal/tags"
)

// planner plans one promotion on a tree. The forge may call it again on a
// newer base when the default branch moves under a commit.
type planner func(tree fs.FS) (promote.Proposal, *promote.Skip, error)

// skipped aborts a proposal whose plan, made again on a newer base, no
// longer proposes anything.
type skipped struct{ reason string }

func (s *skipped) Error() string { return "nothing to propose: " + s.reason }

// Outcome is what applying one promotion did.
type Outcome struct {
	App, Env, Image string
	// Proposal is the planned pull request; zero when Skip is set.
	Proposal promote.Proposal
	// Skip says why nothing was proposed.
	Skip *promote.Skip
	// Gates are the gates of the environment, when they were evaluated.
	Gates []promote.Gate
	// PR is the pull request opened or updated, 0 when none.
	PR  int
	URL string
	// Written is true when a commit was written (a new or superseding one).
	Written bool
	// Merged is true when Stagehand merged the pull request (autoMerge).
	Merged bool
	// Waiting is true when a gate holds the promotion back (see Gates).
	Waiting bool
	// since is the commit the gates counted from.
	since string
}

// apply converges the proposal's branch and pull request through the
// forge, then merges it when the environment auto-merges and it is green.
func (b *Bot) apply(ctx context.Context, d event.Delivery, f *forge.Forge, st *repoState, p promote.Proposal, plan planner) (Outcome, error) {
	p = b.withSource(ctx, p)
	out := Outcome{App: p.App, Env: p.Env, Image: p.Image, Proposal: p}
	edit := func(tree fs.FS) (map[string][]byte, error) {
		q, skip, err := plan(tree)
		if err != nil {
			return nil, err
		}
		if skip != nil {
			return nil, &skipped{reason: skip.Reason}
		}
		return afterFiles(q.Files), nil
	}
	res, err := f.Propose(ctx, st.repo, forge.Proposal{
		Base: st.defaultBranch, Branch: p.Branch, Message: p.CommitMessage, Edit: edit,
		Title: p.Title, Body: p.Body, Labels: p.Labels,
		AlreadyDone: fmt.Sprintf("Closing: `%s` already runs %s in %s, so there is nothing left to merge.", st.defaultBranch, p.To, p.Env),
	})
	var sk *skipped
	if errors.As(err, &sk) {
		out.Skip = &promote.Skip{App: p.App, Env: p.Env, Image: p.Image, Reason: sk.reason}
		b.decision(d, p.App, p.Env, "skipped: "+sk.reason)
		return out, nil
	}
	if err != nil {
		return out, fmt.Errorf("propose %s to %s in %s: %w", p.App, p.Env, st.repo, err)
	}
	if res.PR == nil {
		b.decision(d, p.App, p.Env, "closed: base holds the change", zap.Int("pr", res.Closed))
		return out, nil
	}
	out.PR, out.URL, out.Written = res.PR.GetNumber(), res.PR.GetHTMLURL(), res.Written
	b.decision(d, p.App, p.Env, "proposed", zap.Int("pr", out.PR), zap.String("to", p.To.String()),
		zap.Bool("written", res.Written), zap.String("branch", p.Branch))
	if e, ok := st.pol.Env(p.App, p.Env); ok && e.AutoMerge {
		merged, err := b.tryMerge(ctx, d, f, st, p.App, p.Env, out.PR, res.Commit)
		out.Merged = merged
		return out, err
	}
	return out, nil
}

// pendingVersion reads what an open pull request proposes for app's image
// in env, from its head.
func (b *Bot) pendingVersion(ctx context.Context, f *forge.Forge, st *repoState, pr *github.PullRequest, app, image, env string) (promote.Version, error) {
	head := f.Snapshot(ctx, st.repo, pr.GetHead().GetSHA())
	d, err := promote.Current(st.pol, head, app, image, env)
	if err != nil {
		return promote.Version{}, fmt.Errorf("read %s#%d: %w", st.repo, pr.GetNumber(), err)
	}
	return d.Version, nil
}

// closeStale closes an open promotion pull request whose change the base
// already has, or has passed, with a comment that says why. It reports
// whether it closed it.
func (b *Bot) closeStale(ctx context.Context, d event.Delivery, f *forge.Forge, st *repoState, base fs.FS, pr *github.PullRequest, pending promote.Version, app, image, env string) (bool, error) {
	if pending.IsZero() {
		return false, nil
	}
	cur, err := promote.Current(st.pol, base, app, image, env)
	if promote.Unreadable(err) {
		return false, fmt.Errorf("what %s runs in %s: %w", app, env, err)
	}
	if err != nil {
		return false, nil // no overlay, or one that does not parse: nothing to compare with
	}
	kind := staleHeld
	if cur.Version != pending {
		c, err := promote.Choose(st.pol, base, app, image, env, []tags.Candidate{{Tag: pending.Tag, Digest: pending.Digest}}, false)
		if err != nil || c.Decision.Found || len(c.Decision.Rejected) == 0 || c.Decision.Rejected[0].Reason != tags.ReasonNotNewer {
			return false, nil
		}
		kind = staleNewer
	}
	why := staleComment(kind, st.defaultBranch, app, env, cur.Version, pending)
	if err := f.ClosePR(ctx, st.repo, pr.GetNumber(), why); err != nil {
		return false, err
	}
	b.decision(d, app, env, "closed: base holds the change", zap.Int("pr", pr.GetNumber()), zap.String("version", pending.String()))
	return true, nil
}

// staleKind is why an open promotion pull request is stale.
type staleKind int

const (
	staleHeld     staleKind = iota // the base runs what the branch proposes
	staleNewer                     // the base runs a newer version
	staleNoChange                  // the branch no longer changes the environment
)

// staleComment is the comment a stale pull request is closed with: the
// default branch base, the app and environment, what the base runs and
// what the branch proposes.
func staleComment(kind staleKind, base, app, env string, cur, pending promote.Version) string {
	switch kind {
	case staleNewer:
		return fmt.Sprintf("Closing: %s already runs %s on `%s`, which is newer than %s.", env, cur, base, pending)
	case staleNoChange:
		return fmt.Sprintf("Closing: this branch no longer changes %s in %s: it runs %s there, as `%s` does, "+
			"so there is nothing left to merge. The next promotion opens a new pull request.", app, env, cur, base)
	default:
		return fmt.Sprintf("Closing: `%s` already runs %s in %s, so there is nothing left to merge.", base, pending, env)
	}
}

// withSource adds the link to the source change between the two images to
// the pull request body, when their labels say where it is. A registry that
// cannot be read leaves the body as it is.
func (b *Bot) withSource(ctx context.Context, p promote.Proposal) promote.Proposal {
	if b.cfg.Labels == nil || p.To.IsZero() {
		return p
	}
	image := policy.NormalizeImage(p.Image)
	to, err := b.cfg.Labels.Labels(ctx, imageRef(image, p.To))
	if err != nil {
		b.log.Debug("no labels for the source link", zap.String("image", image), zap.Error(err))
		return p
	}
	var from map[string]string
	if !p.From.IsZero() {
		from, _ = b.cfg.Labels.Labels(ctx, imageRef(image, p.From))
	}
	return promote.WithSource(p, promote.SourceLink(from, to))
}

func imageRef(image string, v promote.Version) string {
	if v.Digest != "" {
		return image + "@" + v.Digest
	}
	return image + ":" + v.Tag
}

// afterFiles is the contents a plan's file changes leave, by path: what an
// edit hands the forge to commit.
func afterFiles(changes []promote.FileChange) map[string][]byte {
	files := make(map[string][]byte, len(changes))
	for _, fc := range changes {
		files[fc.Path] = fc.After
	}
	return files
}
