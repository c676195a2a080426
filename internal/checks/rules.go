package checks

import (
	"fmt"
	"slices"
	"strings"

	"github.com/stagehand-gitops/stagehand/internal/policy"
	"github.com/stagehand-gitops/stagehand/internal/promote"
	"github.com/stagehand-gitops/stagehand/internal/tags"
)

// change is one row's subject: an image of an app changing in an
// environment.
type change struct {
	touch
	imageChange
	rollback bool
}

// tagRule is rule 2: the new tag passes the environment's rule for the
// app's image (the image rule, the environment's channel, the app's
// override, prerelease). The order, the carried version and the newness
// of the tag are other rules' business, so those rejections pass here.
func tagRule(c change) Result {
	r := Result{Rule: RuleTags}
	if c.to.Tag == "" {
		return skip(r, "no tag to check")
	}
	rule, ok := c.pol.Rule(c.app, c.image, c.env)
	if !ok {
		return fail(r, fmt.Sprintf("no rule for image %s of %s in %s", c.image, c.app, c.env))
	}
	e, _ := c.pol.Env(c.app, c.env)
	d, err := tags.Choose(tags.Request{
		Candidates:    []tags.Candidate{{Tag: c.to.Tag, Digest: c.to.Digest}},
		Current:       c.from.Tag,
		CurrentDigest: c.from.Digest,
		Rule:          rule,
		Prerelease:    e.Prerelease,
		Rollback:      c.rollback,
		Env:           c.env,
	})
	if err != nil {
		return fail(r, fmt.Sprintf("the rule of %s in %s is invalid: %v", c.image, c.env, err))
	}
	if d.Found || len(d.Rejected) == 0 {
		return pass(r, fmt.Sprintf("`%s` is in %s's channel", c.to.Tag, c.env))
	}
	rej := d.Rejected[0]
	switch rej.Reason {
	case tags.ReasonNotNewer, tags.ReasonNotOlder, tags.ReasonSameDigest, tags.ReasonNoDigest,
		tags.ReasonVersion, tags.ReasonOutranked, tags.ReasonCollision, tags.ReasonDuplicate:
		return pass(r, fmt.Sprintf("`%s` is in %s's channel", c.to.Tag, c.env))
	}
	return fail(r, fmt.Sprintf("`%s`: %s", c.to.Tag, rej.Detail))
}

// downgradeRule is rule 4: the new version is not older than the one it
// replaces, unless the pull request is a rollback. It orders the two with
// the image's strategy and extract, as tag selection does.
func downgradeRule(c change) Result {
	r := Result{Rule: RuleDowngrade}
	switch {
	case c.from.IsZero():
		return skip(r, "new image")
	case c.to.IsZero():
		return skip(r, "image entry removed")
	case c.rollback:
		return pass(r, "rollback: a downgrade is allowed")
	case c.from.Tag == c.to.Tag:
		return pass(r, "same tag, new digest")
	}
	rule, ok := c.pol.Rule(c.app, c.image, c.env)
	if !ok {
		return skip(r, "no rule to order the versions")
	}
	d, err := tags.Choose(tags.Request{
		Candidates: []tags.Candidate{{Tag: c.to.Tag, Digest: c.to.Digest}},
		Current:    c.from.Tag, CurrentDigest: c.from.Digest,
		Rule:       tags.Rule{Strategy: rule.Strategy, Extract: rule.Extract},
		Prerelease: true,
		Env:        c.env,
	})
	if err != nil {
		return skip(r, fmt.Sprintf("cannot order the versions: %v", err))
	}
	if d.Found || len(d.Rejected) == 0 {
		return pass(r, fmt.Sprintf("`%s` → `%s` is an upgrade", c.from, c.to))
	}
	rej := d.Rejected[0]
	if rej.Reason == tags.ReasonNotNewer {
		return fail(r, fmt.Sprintf("`%s` is older than `%s`; a downgrade needs the %s label or /rollback", c.to.Tag, c.from.Tag, LabelRollback))
	}
	return pass(r, fmt.Sprintf("not ordered against `%s`: %s", c.from.Tag, rej.Detail))
}

// orderQuery is the history question for the version entering c.env: when
// it entered the previous environment.
func orderQuery(c change) (Query, bool) {
	prev := c.pol.Prev(c.env)
	if prev == "" || c.to.IsZero() {
		return Query{}, false
	}
	q := Query{App: c.app, Image: c.image, Env: prev}
	if e, _ := c.pol.Env(c.app, c.env); e.Carry == policy.CarryVersion {
		rel, err := release(c.pol, c.app, c.image, c.env, c.to.Tag)
		if err != nil {
			return Query{}, false
		}
		q.Release = rel
		return q, true
	}
	q.Version = c.to
	return q, true
}

// release is a tag's major.minor.patch, read with env's extract.
func release(pol *policy.Policy, app, image, env, tag string) (string, error) {
	rule, _ := pol.Rule(app, image, env)
	p, err := tags.Parse(tag, rule.Extract)
	if err != nil {
		return "", err
	}
	v := p.Version
	return fmt.Sprintf("%d.%d.%d", v.Major(), v.Minor(), v.Patch()), nil
}

// orderRule is rule 3: what enters environment N > 0 runs in N−1 on the
// base branch, or ran there before. With carry: version, versions
// (major.minor.patch) are compared, not tags.
func orderRule(c change, prevRuns promote.Version, hist History) Result {
	r := Result{Rule: RuleOrder}
	prev := c.pol.Prev(c.env)
	switch {
	case prev == "":
		return skip(r, c.env+" is the first environment")
	case c.rollback:
		return skip(r, "rollback: exempt")
	case c.to.IsZero():
		return skip(r, "image entry removed")
	}
	q, ok := orderQuery(c)
	if !ok {
		return fail(r, fmt.Sprintf("`%s` is not a version, and %s carries the version", c.to.Tag, c.env))
	}
	if q.Release != "" {
		runs, err := release(c.pol, c.app, c.image, prev, prevRuns.Tag)
		switch {
		case err == nil && runs == q.Release:
			return pass(r, fmt.Sprintf("%s runs %s (`%s`)", prev, runs, prevRuns.Tag))
		case hist[q].Ran():
			return pass(r, fmt.Sprintf("%s ran %s before", prev, q.Release))
		case err != nil:
			return fail(r, fmt.Sprintf("version %s has not run in %s (%s runs `%s`)", q.Release, prev, prev, prevRuns))
		}
		return fail(r, fmt.Sprintf("version %s has not run in %s (%s runs %s: `%s`)", q.Release, prev, prev, runs, prevRuns.Tag))
	}
	switch {
	case sameArtifact(c.to, prevRuns):
		return pass(r, fmt.Sprintf("%s runs `%s`", prev, prevRuns))
	case hist[q].Ran():
		return pass(r, fmt.Sprintf("%s ran `%s` before", prev, c.to))
	}
	return fail(r, fmt.Sprintf("`%s` has not run in %s (%s runs `%s`)", c.to, prev, prev, prevRuns))
}

// sameArtifact reports whether a names the image b runs: a digest pin
// alone matches b's digest; a tag matches b's tag, and its digest b's
// digest when both are known.
func sameArtifact(a, b promote.Version) bool {
	switch {
	case a.Tag == "":
		return a.Digest != "" && a.Digest == b.Digest
	case a.Tag != b.Tag:
		return false
	case a.Digest != "" && b.Digest != "":
		return a.Digest == b.Digest
	}
	return true
}

// gateRules are rules 5, 10 and 6, from promote.Gates: the previous
// environment's soak for this version, its health, and the freeze
// windows, which the emergency label lifts when a listed promoter added
// it.
func gateRules(c change, in *Input, hist History) (soak, health, freeze Result) {
	soak, health, freeze = Result{Rule: RuleSoak}, Result{Rule: RuleHealth}, Result{Rule: RuleFreeze}
	var entry Entry
	if q, ok := orderQuery(c); ok {
		entry = hist[q]
	}
	gates := promote.Gates(c.pol, c.app, c.env, promote.Facts{Now: in.Now, Since: entry.Since, Healthy: entry.Healthy})
	e, _ := c.pol.Env(c.app, c.env)
	prev := c.pol.Prev(c.env)
	switch {
	case prev == "":
		soak, health = skip(soak, c.env+" is the first environment"), skip(health, c.env+" is the first environment")
	case c.rollback:
		soak, health = skip(soak, "rollback: exempt"), skip(health, "rollback: exempt")
	case c.to.IsZero():
		soak, health = skip(soak, "image entry removed"), skip(health, "image entry removed")
	}
	if soak.State == "" && e.Soak == 0 {
		soak = pass(soak, c.env+" sets no soak")
	}
	if health.State == "" && !e.RequireHealthy {
		health = skip(health, fmt.Sprintf("%s does not require %s to report health", c.env, prev))
	}
	if soak.State == "" && entry.Ran() && entry.Since.IsZero() {
		soak = fail(soak, fmt.Sprintf("GitHub records no time for `%s` entering %s: commit %s reached the base branch without a pull request, "+
			"and commit dates are not trusted, so the %s soak cannot be measured", c.to, prev, short(entry.Commit), e.Soak))
	}
	freeze = pass(freeze, "no freeze window is active")
	for _, g := range gates {
		switch {
		case g.Name == "soak" && soak.State == "":
			soak = gateResult(soak, g)
		case g.Name == "requireHealthy" && health.State == "":
			health = healthResult(health, prev, c.to, entry)
		case g.Name == "freeze" && freeze.State == Pass:
			freeze = frozen(freeze, g, e, in)
		}
	}
	return soak, health, freeze
}

// healthResult is rule 10 once it applies: the commit that brought the
// version into the previous environment has a successful deployment
// status or commit status (Argo CD and Flux post these).
func healthResult(r Result, prev string, to promote.Version, entry Entry) Result {
	switch {
	case !entry.Ran():
		// Order may still pass (prev runs it), but with no commit that
		// brought it there, there is nothing whose health to read.
		return fail(r, fmt.Sprintf("no commit of the base branch's history brought `%s` into %s, so its health cannot be read", to, prev))
	case entry.Healthy:
		return pass(r, fmt.Sprintf("%s reports `%s` healthy (commit %s)", prev, to, short(entry.Commit)))
	}
	return fail(r, fmt.Sprintf("%s has not reported `%s` healthy: no successful deployment status or commit status on commit %s; "+
		"the check runs again when one is posted", prev, to, short(entry.Commit)))
}

// short is a commit's abbreviated SHA.
func short(sha string) string { return sha[:min(len(sha), 7)] }

func gateResult(r Result, g promote.Gate) Result {
	switch {
	case g.OK:
		return pass(r, g.Detail)
	case !g.Until.IsZero():
		r.Until = g.Until
		return wait(r, g.Detail)
	}
	return fail(r, g.Detail)
}

func frozen(r Result, g promote.Gate, e policy.Environment, in *Input) Result {
	l, ok := in.PR.label(LabelEmergency)
	switch {
	case !ok:
		r.Until = g.Until
		return wait(r, g.Detail)
	case isPromoter(l.AddedBy, e.Promoters, in.Teams):
		return pass(r, fmt.Sprintf("%s; overridden by @%s's %s label", g.Detail, l.AddedBy, LabelEmergency))
	}
	r.Until = g.Until
	who := "someone unknown"
	if l.AddedBy != "" {
		who = "@" + l.AddedBy
	}
	if len(e.Promoters) == 0 {
		return wait(r, fmt.Sprintf("%s; %s lists no promoters, so %s by %s does not override it", g.Detail, e.Name, LabelEmergency, who))
	}
	return wait(r, fmt.Sprintf("%s; %s was added by %s, who is not a promoter of %s (%s)", g.Detail, LabelEmergency, who, e.Name, strings.Join(e.Promoters, ", ")))
}

// isPromoter reports whether login is listed among promoters, directly or
// through a team. An empty list names nobody.
func isPromoter(login string, promoters []string, teams map[string][]string) bool {
	if login == "" {
		return false
	}
	for _, p := range promoters {
		p = strings.TrimPrefix(p, "@")
		if strings.Contains(p, "/") {
			if slices.ContainsFunc(teams["@"+p], func(m string) bool { return strings.EqualFold(m, login) }) ||
				slices.ContainsFunc(teams[p], func(m string) bool { return strings.EqualFold(m, login) }) {
				return true
			}
			continue
		}
		if strings.EqualFold(p, login) {
			return true
		}
	}
	return false
}

// holdRule is rule 7: neither the app nor the environment is held.
func holdRule(app, env string, in *Input) Result {
	r := Result{Rule: RuleHold}
	for _, h := range in.Holds {
		if !h.covers(app, env) {
			continue
		}
		msg := fmt.Sprintf("%s is on hold in %s", app, env)
		if h.By != "" {
			msg += " by @" + h.By
		}
		if h.Reason != "" {
			msg += ": " + h.Reason
		}
		return fail(r, msg+"; /unhold lifts it")
	}
	if _, ok := in.PR.label(LabelHold); ok {
		return fail(r, fmt.Sprintf("the pull request carries the %s label; /unhold lifts it", LabelHold))
	}
	return pass(r, "not on hold")
}

func pass(r Result, why string) Result { r.State, r.Reason = Pass, why; return r }
func fail(r Result, why string) Result { r.State, r.Reason = Fail, why; return r }
func wait(r Result, why string) Result { r.State, r.Reason = Wait, why; return r }
func skip(r Result, why string) Result { r.State, r.Reason = Skip, why; return r }
