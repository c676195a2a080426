package bot

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/stagehand-gitops/stagehand/internal/chatops"
	"github.com/stagehand-gitops/stagehand/internal/forge"
	"github.com/stagehand-gitops/stagehand/internal/policy"
	"github.com/stagehand-gitops/stagehand/internal/promote"
)

// ErrUnknownRepo is returned for a repository the bot does not serve
// (not installed, or without a valid policy on its default branch).
var ErrUnknownRepo = errors.New("repository not served by Stagehand")

// BoardFacts are what the promotion board shows of one repository: the
// /status view of every app, the checks of each open promotion pull
// request, and, for each environment that is behind the one before it with
// no promotion pull request open, why it waits.
type BoardFacts struct {
	Repo          string
	DefaultBranch string
	// Head is the default branch's head commit the facts were read at.
	Head    string
	Status  chatops.StatusView
	Waiting []Waiting
	// Checks are the check runs and commit statuses on each open
	// promotion pull request's head, by pull request number.
	Checks map[int][]Check
}

// Waiting is a promotion not proposed yet and why, in the words the bot
// logs and /status writes.
type Waiting struct {
	App, Env string
	Reasons  []string
}

// Check is one check run or commit status on a pull request's head.
type Check struct {
	Name string
	// State is the conclusion of a completed check run (success, failure,
	// neutral, …), else its status (queued, in_progress), or a commit
	// status's state (success, pending, failure, error).
	State string
	URL   string
}

// Board gathers the board's facts of repo with the calls /status makes,
// the checks of the open promotion pull requests (through the App's ETag
// cache: unchanged ones cost GitHub's rate limit nothing), plus the gates
// of the promotions that wait without a pull request.
func (b *Bot) Board(ctx context.Context, repo string) (BoardFacts, error) {
	st := b.index.get(repo)
	if st == nil {
		return BoardFacts{}, fmt.Errorf("%s: %w", repo, ErrUnknownRepo)
	}
	c := &commentCtx{f: b.cfg.Forges.Forge(st.installation), st: st, repo: st.repo}
	snap, err := c.f.SnapshotBranch(ctx, st.repo, st.defaultBranch)
	if err != nil {
		return BoardFacts{}, fmt.Errorf("read %s: %w", repo, err)
	}
	v, err := b.statusViewAt(ctx, c, "", snap)
	if err != nil {
		return BoardFacts{}, fmt.Errorf("status of %s: %w", repo, err)
	}
	out := BoardFacts{Repo: st.repo.String(), DefaultBranch: st.defaultBranch, Head: snap.Commit(), Status: v, Checks: map[int][]Check{}}
	open := map[[2]string]bool{}
	for _, o := range v.Open {
		open[[2]string{o.App, o.Env}] = true
		checks, err := prChecks(ctx, c.f, st.repo, o.Head)
		if err != nil {
			// The grid still shows; the note says what is missing.
			out.Status.Notes = append(out.Status.Notes, fmt.Sprintf("the checks of #%d cannot be read: %v", o.PR.Number, err))
		}
		out.Checks[o.PR.Number] = checks
	}
	for _, r := range v.Rows {
		for i := 1; i < len(r.Envs); i++ {
			prev, cur := r.Envs[i-1], r.Envs[i]
			if prev.Version.IsZero() || prev.Version == cur.Version || open[[2]string{r.App, cur.Env}] {
				continue
			}
			w := Waiting{App: r.App, Env: cur.Env, Reasons: b.waitReasons(ctx, c, snap, v.Holds, r.App, r.Image, cur.Env)}
			out.Waiting = append(out.Waiting, w)
		}
	}
	return out, nil
}

// prChecks lists the check runs, then the commit statuses, on sha.
func prChecks(ctx context.Context, f *forge.Forge, repo forge.Repo, sha string) ([]Check, error) {
	if sha == "" {
		return nil, nil
	}
	runs, err := f.CheckRuns(ctx, repo, sha)
	if err != nil {
		return nil, err
	}
	var out []Check
	for _, r := range runs {
		state := r.GetStatus()
		if state == "completed" {
			state = r.GetConclusion()
		}
		out = append(out, Check{Name: r.GetName(), State: state, URL: r.GetHTMLURL()})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	statuses, err := f.Statuses(ctx, repo, sha)
	if err != nil {
		return nil, err
	}
	for _, s := range statuses {
		out = append(out, Check{Name: s.GetContext(), State: s.GetState(), URL: s.GetTargetURL()})
	}
	return out, nil
}

// waitReasons says why app's promotion into env is not proposed: a hold,
// a manual environment and who may promote, the gates not met, a registry
// that could not be listed.
func (b *Bot) waitReasons(ctx context.Context, c *commentCtx, snap *forge.Snapshot, holds chatops.Holds, app, image, env string) []string {
	var why []string
	if h := held(holds, app, env); h != "" {
		why = append(why, h)
	}
	e, _ := c.st.pol.Env(app, env)
	if e.Promotion == policy.Manual {
		who := "anyone with write access"
		if len(e.Promoters) > 0 {
			who = strings.Join(e.Promoters, ", ")
		}
		why = append(why, fmt.Sprintf("promotion is manual: /promote %s to %s, by %s", app, env, who))
	}
	if skip := b.skippedReason(c.st.repo.String(), pair{app, image, env}); skip != "" {
		why = append(why, skip)
	}
	gates, _, err := b.gates(ctx, c.f, c.st, snap, app, image, env)
	if err != nil {
		return append(why, fmt.Sprintf("gates of %s in %s: %v", app, env, err))
	}
	for _, g := range gates {
		if !g.OK {
			why = append(why, g.Name+": "+g.Detail)
		}
	}
	for _, n := range b.unlistedNotes(c.st.repo.String(), app) {
		if strings.Contains(n, " waits in "+env+":") {
			why = append(why, n)
		}
	}
	if len(why) == 0 {
		why = append(why, "not proposed yet: Stagehand proposes it on the next event for this repository")
	}
	return why
}

// Repos lists the repositories the bot serves, owner/name, sorted.
func (b *Bot) Repos() []string { return b.index.Repos() }

// boardHistoryDepth is how many commits of each overlay History reads.
const boardHistoryDepth = 20

// Change is one commit that changed what an environment of an app runs.
type Change struct {
	Env, SHA, URL, Title, Author string
	When                         time.Time
}

// History lists the commits of the default branch that changed app's
// overlays, environment by environment, newest first: each promotion,
// rollback and hand edit, with who made it. It costs one call per overlay.
func (b *Bot) History(ctx context.Context, repo, app string) ([]Change, error) {
	st := b.index.get(repo)
	if st == nil {
		return nil, fmt.Errorf("%s: %w", repo, ErrUnknownRepo)
	}
	pa, ok := st.pol.App(app)
	if !ok || len(pa.Images) == 0 {
		return nil, fmt.Errorf("%s has no app %s", repo, app)
	}
	f := b.cfg.Forges.Forge(st.installation)
	snap, err := f.SnapshotBranch(ctx, st.repo, st.defaultBranch)
	if err != nil {
		return nil, err
	}
	var out []Change
	for _, e := range st.pol.Environments {
		dep, err := promote.Current(st.pol, snap, app, pa.Images[0].Name, e.Name)
		if err != nil {
			continue // no overlay: nothing ran there
		}
		seen := map[string]bool{}
		for _, file := range dep.Files {
			list, err := f.PathHistory(ctx, st.repo, st.defaultBranch, file, boardHistoryDepth)
			if err != nil {
				return nil, err
			}
			for _, c := range list {
				if seen[c.GetSHA()] {
					continue
				}
				seen[c.GetSHA()] = true
				title, _, _ := strings.Cut(c.GetCommit().GetMessage(), "\n")
				who := c.GetAuthor().GetLogin()
				if who == "" {
					who = c.GetCommit().GetAuthor().GetName()
				}
				out = append(out, Change{Env: e.Name, SHA: c.GetSHA(), URL: c.GetHTMLURL(), Title: title, Author: who,
					When: c.GetCommit().GetCommitter().GetDate().Time})
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].When.After(out[j].When) })
	return out, nil
}
