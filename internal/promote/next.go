package promote

import (
	"cmp"
	"fmt"
	"io/fs"
	"time"

	"github.com/stagehand-gitops/stagehand/internal/policy"
	"github.com/stagehand-gitops/stagehand/internal/tags"
)

// Promotion asks to bring one image of one app in env up to what the
// previous environment runs.
type Promotion struct {
	App, Image, Env string
	// Candidates are the registry's tags, needed only when env carries the
	// version (carry: version) and so takes a tag of its own channel.
	Candidates []tags.Candidate
	// Delivery identifies the event behind the promotion, for the trailer.
	Delivery string
	// Digests are what tags point at, by tag, as the registry answered a
	// manifest HEAD: for the line that says whether the new tag is the
	// image the previous environment runs when neither an overlay nor the
	// candidates tell. They never pin a digest in an overlay.
	Digests map[string]string
	// Trust holds the shell's verification facts, by digest, where the
	// policy requires a signature (verify:).
	Trust Trusts
}

// PlanPromotion plans the pull request that brings env to the version the
// previous environment runs: the same tag and digest (carry: artifact), or
// the newest tag of env's channel with the same major.minor.patch (carry:
// version). The environment's rules still apply, and it never downgrades.
// Gates (soak, health, freeze) are not its business: see Gates.
func PlanPromotion(pol *policy.Policy, tree fs.FS, pr Promotion) (Proposal, *Skip, error) {
	prev := pol.Prev(pr.Env)
	if prev == "" {
		return Proposal{}, nil, fmt.Errorf("%s is the first environment: it takes tags from the registry, not from another environment", pr.Env)
	}
	skip := func(format string, args ...any) (Proposal, *Skip, error) {
		return Proposal{}, &Skip{App: pr.App, Env: pr.Env, Image: pr.Image, Reason: fmt.Sprintf(format, args...)}, nil
	}
	from, err := Current(pol, tree, pr.App, pr.Image, prev)
	if err != nil {
		return skip("%v", err)
	}
	if from.Version.IsZero() {
		return skip("%s runs no version of %s yet", prev, pr.Image)
	}
	e, _ := pol.Env(pr.App, pr.Env)
	cands := []tags.Candidate{{Tag: from.Version.Tag, Digest: from.Version.Digest}}
	if _, verify := pol.Verification(pr.App, pr.Image, pr.Env); verify && cands[0].Digest == "" {
		// A signature is checked against a digest: the registry's, when
		// the overlay pins the tag only.
		cands[0].Digest = pr.Digests[from.Version.Tag]
	}
	if e.Carry == policy.CarryVersion {
		cands = pr.Candidates
		if len(cands) == 0 {
			return skip("%s carries the version, and no tags of its channel are known yet", pr.Env)
		}
	}
	c, err := Choose(pol, tree, pr.App, pr.Image, pr.Env, pr.Trust.apply(cands), false)
	if err != nil {
		return skip("%v", err)
	}
	if !c.Decision.Found {
		r := c.Decision.Rejected[0]
		_, sk, _ := skip("%s: %s", r.Candidate.Tag, r.Detail)
		if len(c.Decision.Rejected) > 1 {
			_, sk, _ = skip("no tag of %s's channel fits (%d rejected; first: %s: %s)", pr.Env, len(c.Decision.Rejected), r.Candidate.Tag, r.Detail)
		}
		sk.UpToDate = upToDate(c.Decision.Rejected)
		return Proposal{}, sk, nil
	}
	if c.Decision.Unverified {
		return Proposal{}, unverifiedSkip(pr.App, pr.Env, pr.Image, c), nil
	}
	to := Version{Tag: c.Decision.Chosen.Tag, Digest: c.Decision.Chosen.Digest}
	var previous *Previous
	if e.Carry == policy.CarryVersion {
		previous = &Previous{Env: prev, Version: Version{Tag: from.Version.Tag, Digest: cmp.Or(listedDigest(from.Version, cands), pr.Digests[from.Version.Tag])}}
	} else {
		// The artifact travels as it is: the digest the previous
		// environment pinned, or none.
		to = from.Version
	}
	digest := to.Digest
	if digest == "" {
		digest = cmp.Or(listedDigest(to, cands), pr.Digests[to.Tag])
	}
	return proposal(pol, tree, Proposal{App: pr.App, Env: pr.Env, Image: pr.Image, From: c.Current.Version, To: to, Digest: digest, Previous: previous, Verified: verifiedLine(c)}, prev, pr.Delivery)
}

// upToDate reports whether a tag was refused only because the environment
// runs it or a newer one already: the promotion has nothing to do.
func upToDate(rejected []tags.Rejection) bool {
	for _, r := range rejected {
		if r.Reason == tags.ReasonNotNewer {
			return true
		}
	}
	return false
}

// listedDigest is the digest of v's tag: the one its overlay pins, or else
// the one the registry listed for the tag (the latest push of it).
func listedDigest(v Version, cands []tags.Candidate) string {
	if v.Digest != "" {
		return v.Digest
	}
	var d string
	var at time.Time
	for _, c := range cands {
		if c.Tag == v.Tag && c.Digest != "" && (d == "" || c.PushedAt.After(at)) {
			d, at = c.Digest, c.PushedAt
		}
	}
	return d
}

// proposal completes p, which says what changes (App, Env, Image, From,
// To, Digest, Previous), with the edits and texts that make the change;
// source names where the version came from.
func proposal(pol *policy.Policy, tree fs.FS, p Proposal, source, delivery string) (Proposal, *Skip, error) {
	files, err := edits(pol, tree, policy.ImageRef{App: p.App, Image: p.Image}, p.Env, p.To)
	if err != nil {
		return Proposal{}, nil, err
	}
	if len(files) == 0 {
		return Proposal{}, &Skip{App: p.App, Env: p.Env, Image: p.Image, Reason: fmt.Sprintf("%s already runs %s", p.Env, p.To), UpToDate: true}, nil
	}
	p.Files = files
	p.Branch = BranchName(p.Env, p.App)
	p.Title = Title(p.App, p.Env, p.From, p.To)
	p.Labels = Labels(p.Env)
	p.CommitMessage = commitMessage(p, source, delivery)
	p.Body = Body(p)
	return p, nil, nil
}

// Facts are what the shell read about the version in the previous
// environment, for the gates of the next one.
type Facts struct {
	// Now is the current time, passed in: the core never reads the clock.
	Now time.Time
	// Since is when the version entered the previous environment: the
	// time of the commit that brought it there.
	Since time.Time
	// Healthy is true when that commit has a successful deployment status
	// or commit status (Argo CD and Flux notifications post these).
	Healthy bool
}

// Gate is one condition of promotion into an environment, met or not.
type Gate struct {
	Name   string // "soak", "requireHealthy", "freeze"
	OK     bool
	Detail string
	// Until is when a time-based gate that is not met will be met; zero
	// for the others.
	Until time.Time
}

// Gates evaluates the gates of promotion into env for app: the soak of the
// previous environment, its health, and the freeze windows of env.
func Gates(pol *policy.Policy, app, env string, f Facts) []Gate {
	e, ok := pol.Env(app, env)
	if !ok {
		return nil
	}
	prev := pol.Prev(env)
	var gates []Gate
	if e.Soak > 0 {
		due := f.Since.Add(e.Soak)
		g := Gate{Name: "soak", OK: !f.Since.IsZero() && !f.Now.Before(due)}
		switch {
		case f.Since.IsZero():
			g.Detail = fmt.Sprintf("%s soak %s: unknown when the version entered %s", env, e.Soak, prev)
		case g.OK:
			g.Detail = fmt.Sprintf("ran %s in %s (soak %s)", f.Now.Sub(f.Since).Round(time.Second), prev, e.Soak)
		default:
			g.Until = due
			g.Detail = fmt.Sprintf("soaking in %s: %s left of %s", prev, due.Sub(f.Now).Round(time.Second), e.Soak)
		}
		gates = append(gates, g)
	}
	if e.RequireHealthy {
		g := Gate{Name: "requireHealthy", OK: f.Healthy, Detail: fmt.Sprintf("%s reports the version healthy", prev)}
		if !f.Healthy {
			g.Detail = fmt.Sprintf("waiting for a successful deployment or commit status on %s's merge commit", prev)
		}
		gates = append(gates, g)
	}
	for _, w := range e.Freeze {
		if active, until := w.Active(f.Now); active {
			gates = append(gates, Gate{Name: "freeze", Until: until, Detail: fmt.Sprintf("%s is frozen until %s", env, until.UTC().Format(time.RFC3339))})
		}
	}
	return gates
}

// Open reports whether every gate is met, and otherwise the earliest time
// a time-based gate lifts (zero when none will lift by itself).
func Open(gates []Gate) (bool, time.Time) {
	ok := true
	var next time.Time
	for _, g := range gates {
		if g.OK {
			continue
		}
		ok = false
		if !g.Until.IsZero() && (next.IsZero() || g.Until.Before(next)) {
			next = g.Until
		}
	}
	return ok, next
}
