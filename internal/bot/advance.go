package bot

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"sort"
	"time"

	"go.uber.org/zap"

	"github.com/stagehand-gitops/stagehand/internal/chatops"
	"github.com/stagehand-gitops/stagehand/internal/event"
	"github.com/stagehand-gitops/stagehand/internal/forge"
	"github.com/stagehand-gitops/stagehand/internal/policy"
	"github.com/stagehand-gitops/stagehand/internal/promote"
	"github.com/stagehand-gitops/stagehand/internal/tags"
)

// advance opens the next environment's pull request for apps whose
// previous environment runs a version the next one does not, in every
// environment whose promotion is auto, once its gates hold. It looks at
// the given (app, image, env) promotions, or at every one when only is nil.
// Those a gate holds back are remembered for the events that can lift it,
// and a gate that lifts by itself gets a recheck at that time.
func (b *Bot) advance(ctx context.Context, d event.Delivery, f *forge.Forge, st *repoState, snap *forge.Snapshot, only []pair) error {
	if only == nil {
		only = allPairs(st.pol)
	}
	var next time.Time
	var errs []error
	holds := b.lazyHolds(ctx, d, f, st)
	trains := map[[2]string]bool{} // (group, env) advanced already
	for _, p := range only {
		if e, ok := st.pol.Env(p.app, p.env); !ok || e.Promotion == policy.Manual || st.pol.Prev(p.env) == "" {
			b.setWaiting(st, p, false)
			continue
		}
		if g, ok := st.pol.GroupOf(p.app, p.env); ok {
			if key := [2]string{g.Name, p.env}; !trains[key] {
				trains[key] = true
				until, err := b.advanceGroup(ctx, d, f, st, snap, g, p.env, holds)
				if err != nil {
					errs = append(errs, err)
				}
				if !until.IsZero() && (next.IsZero() || until.Before(next)) {
					next = until
				}
			}
			continue
		}
		out, until, err := b.promoteNext(ctx, d, f, st, snap, p.app, p.image, p.env, holds, true, nil)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		b.setWaiting(st, p, out.Waiting)
		if out.Waiting && !until.IsZero() && (next.IsZero() || until.Before(next)) {
			next = until
		}
	}
	if !next.IsZero() {
		b.scheduleRecheck(st, next)
	}
	return errors.Join(errs...)
}

// listRetry is how long a carry: version environment whose registry could
// not be listed waits before it is tried again without an event.
const listRetry = time.Minute

// setUnlisted records why the tags of p's channel could not be listed, or
// forgets it when err is nil.
func (b *Bot) setUnlisted(st *repoState, p pair, err error) {
	why := ""
	if err != nil {
		why = err.Error()
	}
	b.setPairNote(b.unlisted, st, p, why)
}

// setSkipped records why the plan of p's promotion proposed nothing (a tag
// of the channel missing in the registry, the previous environment running
// nothing yet), or forgets it when skip is nil or p is up to date: the
// board shows it as the reason p waits.
func (b *Bot) setSkipped(st *repoState, p pair, skip *promote.Skip) {
	why := ""
	if skip != nil && !skip.UpToDate {
		why = skip.Reason
	}
	b.setPairNote(b.skipped, st, p, why)
}

// setPairNote sets m's note on p in st's repository, or deletes it when
// why is empty.
func (b *Bot) setPairNote(m map[string]map[pair]string, st *repoState, p pair, why string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	repo := st.repo.String()
	if why == "" {
		deletePair(m, repo, p)
		return
	}
	if m[repo] == nil {
		m[repo] = map[pair]string{}
	}
	m[repo][p] = why
}

// skippedReason is the reason recorded by setSkipped for p in repo, or "".
func (b *Bot) skippedReason(repo string, p pair) string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.skipped[repo][p]
}

// unlistedNotes are /status's sentences on the environments of repo (of
// app, unless empty) that wait for a registry that could not be listed.
func (b *Bot) unlistedNotes(repo, app string) []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []string
	for p, why := range b.unlisted[repo] {
		if app == "" || p.app == app {
			out = append(out, fmt.Sprintf("%s waits in %s: the registry could not be listed: %s", p.app, p.env, why))
		}
	}
	sort.Strings(out)
	return out
}

// allPairs lists every (app, image, env) of the policy after the first environment.
func allPairs(pol *policy.Policy) []pair {
	out := []pair{}
	for _, app := range pol.Apps {
		for _, img := range app.Images {
			for _, env := range pol.Environments[1:] {
				out = append(out, pair{app.Name, img.Name, env.Name})
			}
		}
	}
	return out
}

// setWaiting records whether a gate holds p back in st's repository.
func (b *Bot) setWaiting(st *repoState, p pair, waiting bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	repo := st.repo.String()
	if waiting {
		if b.waiting[repo] == nil {
			b.waiting[repo] = map[pair]bool{}
		}
		b.waiting[repo][p] = true
		return
	}
	deletePair(b.waiting, repo, p)
}

// waitingPairs returns the promotions a gate holds back in repo, sorted.
func (b *Bot) waitingPairs(repo string) []pair {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := []pair{}
	for p := range b.waiting[repo] {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool {
		return out[i].app+"\x00"+out[i].image+"\x00"+out[i].env < out[j].app+"\x00"+out[j].image+"\x00"+out[j].env
	})
	return out
}

// promoteNext plans the promotion of app's image into env from the
// previous environment and applies it; when gated, only once env's gates
// hold. A carry: version environment chooses among the registry's tags and
// the pushed ones. It returns when a time-based gate lifts, if one holds
// it back.
func (b *Bot) promoteNext(ctx context.Context, d event.Delivery, f *forge.Forge, st *repoState, snap *forge.Snapshot, app, image, env string,
	holds func() (chatops.Holds, error), gated bool, pushed []tags.Candidate) (Outcome, time.Time, error) {
	out := Outcome{App: app, Env: env, Image: image}
	if g, ok := st.pol.GroupOf(app, env); ok {
		// One member alone would break the train: the group moves as one.
		out.Skip = &promote.Skip{App: app, Env: env, Image: image,
			Reason: fmt.Sprintf("%s moves into %s with its group %s: `/promote %s to %s`", app, env, g.Name, g.Name, env)}
		return out, time.Time{}, nil
	}
	req := promote.Promotion{App: app, Image: image, Env: env, Delivery: d.ID}
	if e, _ := st.pol.Env(app, env); e.Carry == policy.CarryVersion {
		cands, err := b.channelTags(ctx, image, pushed)
		b.setUnlisted(st, pair{app, image, env}, err)
		if err != nil {
			// The environment waits; the next event, or the recheck a
			// listRetry from now, tries again. /status says why meanwhile.
			out.Skip = &promote.Skip{App: app, Env: env, Image: image, Reason: err.Error()}
			out.Waiting = true
			b.decision(d, app, env, "waiting: tags not listed", zap.Error(err))
			if perr := postUnlisted(ctx, f, st.repo, snap.Commit(), app, env, err); perr != nil {
				b.decision(d, app, env, "waiting check not posted", zap.Error(perr))
			}
			return out, b.cfg.Now().Add(listRetry), nil
		}
		req.Candidates = cands
	}
	plan := func(tree fs.FS) (promote.Proposal, *promote.Skip, error) {
		return b.checkSignatures(ctx, st, tree, &req.Trust, &req.Digests, func() (promote.Proposal, *promote.Skip, error) { return promote.PlanPromotion(st.pol, tree, req) })
	}
	p, skip, err := plan(snap)
	if err == nil && skip == nil {
		if extra := b.sameImageDigests(ctx, p); extra != nil {
			req.Digests = mergeDigests(req.Digests, extra)
			p, skip, err = plan(snap)
		}
	}
	if err != nil {
		return out, time.Time{}, err
	}
	b.setSkipped(st, pair{app, image, env}, skip)
	if skip != nil {
		out.Skip = skip
		return out, time.Time{}, nil
	}
	out.Proposal = p
	h, err := holds()
	if err != nil {
		return out, time.Time{}, err
	}
	if why := held(h, app, env); why != "" {
		out.Skip = &promote.Skip{App: app, Env: env, Image: image, Reason: why}
		if gated {
			b.decision(d, app, env, "skipped: held", zap.String("reason", why))
		}
		return out, time.Time{}, nil
	}
	gates, since, err := b.gates(ctx, f, st, snap, app, image, env)
	out.since = since
	if err != nil {
		return out, time.Time{}, err
	}
	out.Gates = gates
	ok, until := promote.Open(gates)
	if !ok && gated {
		out.Waiting = true
		b.decision(d, app, env, "waiting: gates not met", zap.String("to", p.To.String()), zap.String("since_commit", out.since),
			zap.String("gates", gateText(gates)), zap.Time("until", until))
		return out, until, nil
	}
	if gated {
		n, err := declinedBefore(ctx, f, st, p)
		if err != nil || n != 0 {
			if n != 0 {
				out.Skip = &promote.Skip{App: app, Env: env, Image: image,
					Reason: fmt.Sprintf("#%d proposed this and was closed without merging", n)}
				b.decision(d, app, env, "skipped: declined before", zap.Int("pr", n))
			}
			return out, time.Time{}, err
		}
	}
	applied, err := b.apply(ctx, d, f, st, p, plan)
	applied.Gates = gates
	return applied, time.Time{}, err
}

// gates reads the facts env's gates need (when the version entered the
// previous environment, and whether that commit is healthy) and evaluates
// them.
func (b *Bot) gates(ctx context.Context, f *forge.Forge, st *repoState, snap *forge.Snapshot, app, image, env string) ([]promote.Gate, string, error) {
	facts, since, err := b.gateFacts(ctx, f, st, snap, app, image, env)
	if err != nil {
		return nil, "", err
	}
	return promote.Gates(st.pol, app, env, facts), since, nil
}

// gateFacts reads what env's gates need: when the version entered the
// previous environment (and at which commit), and whether that commit is
// healthy; nothing when env has neither gate.
func (b *Bot) gateFacts(ctx context.Context, f *forge.Forge, st *repoState, snap *forge.Snapshot, app, image, env string) (promote.Facts, string, error) {
	e, _ := st.pol.Env(app, env)
	facts := promote.Facts{Now: b.cfg.Now()}
	var since string
	if e.Soak > 0 || e.RequireHealthy {
		dep, err := promote.Current(st.pol, snap, app, image, st.pol.Prev(env))
		if err != nil {
			return facts, "", err
		}
		arr, err := f.Arrival(ctx, st.repo, snap.Commit(), dep.Files)
		if err != nil && !errors.Is(err, forge.ErrNoHistory) {
			return facts, "", err
		}
		facts.Since, since = arr.When, arr.SHA
		if e.RequireHealthy && arr.SHA != "" {
			if facts.Healthy, err = f.Healthy(ctx, st.repo, arr.SHA, ""); err != nil {
				return facts, "", err
			}
		}
	}
	return facts, since, nil
}

func gateText(gates []promote.Gate) string {
	var s string
	for _, g := range gates {
		if !g.OK {
			if s != "" {
				s += "; "
			}
			s += g.Name + ": " + g.Detail
		}
	}
	return s
}

// Promote opens or updates the pull request that brings app in env up to
// what the previous environment runs, whatever env's promotion mode: it is
// the operation behind "/promote <app> to <env>". Gates are evaluated and
// reported, not enforced: the stagehand/<env> check enforces them on the
// pull request. requester is recorded in the log and the commit trailer.
func (b *Bot) Promote(ctx context.Context, repo, app, env, requester string) ([]Outcome, error) {
	st := b.index.get(repo)
	if st == nil {
		return nil, fmt.Errorf("promote %s to %s: %s has no valid %s", app, env, repo, policy.FileName)
	}
	a, ok := st.pol.App(app)
	if !ok {
		return nil, fmt.Errorf("promote %s to %s: no app %q in %s", app, env, app, repo)
	}
	if st.pol.Prev(env) == "" {
		return nil, fmt.Errorf("promote %s to %s: %s is not an environment after another in %s", app, env, env, repo)
	}
	f := b.cfg.Forges.Forge(st.installation)
	snap, err := f.SnapshotBranch(ctx, st.repo, st.defaultBranch)
	if err != nil {
		return nil, err
	}
	d := event.Delivery{ID: "promote-by-" + requester, Event: "promote", Repo: repo, InstallationID: st.installation}
	var outs []Outcome
	holds := b.lazyHolds(ctx, d, f, st)
	for _, img := range a.Images {
		out, _, err := b.promoteNext(ctx, d, f, st, snap, app, img.Name, env, holds, false, nil)
		if err != nil {
			return outs, err
		}
		if out.Skip != nil {
			b.decision(d, app, env, "skipped: "+out.Skip.Reason)
		}
		outs = append(outs, out)
	}
	return outs, nil
}

// channelTags are the candidates of a carry: version environment: the
// image's tags in the registry (none without a tag lister) and the tags
// pushed with the event at hand.
func (b *Bot) channelTags(ctx context.Context, image string, pushed []tags.Candidate) ([]tags.Candidate, error) {
	var cands []tags.Candidate
	if b.cfg.Tags != nil {
		names, err := b.cfg.Tags.ListTags(ctx, policy.NormalizeImage(image))
		if err != nil {
			return nil, fmt.Errorf("list the tags of %s: %w", image, err)
		}
		for _, n := range names {
			cands = append(cands, tags.Candidate{Tag: n})
		}
	}
	for _, c := range pushed {
		if !slices.ContainsFunc(cands, func(x tags.Candidate) bool { return x.Tag == c.Tag }) {
			cands = append(cands, c)
		}
	}
	return cands, nil
}

// declinedBefore returns the number of a pull request people closed
// without merging that proposed exactly p (same title), or 0: such a
// change is not proposed again by itself.
func declinedBefore(ctx context.Context, f *forge.Forge, st *repoState, p promote.Proposal) (int, error) {
	_, declined, err := f.BranchPulls(ctx, st.repo, p.Branch)
	if err != nil {
		return 0, err
	}
	for _, pr := range declined {
		if pr.GetTitle() == forge.TruncateTitle(p.Title) {
			return pr.GetNumber(), nil
		}
	}
	return 0, nil
}
