package checks

import (
	"fmt"
	"strings"
)

// rollbackQuery is the history question behind a rollback that Stagehand
// opened: whether the environment ran the version it goes back to.
func rollbackQuery(c change) (Query, bool) {
	if c.to.IsZero() {
		return Query{}, false
	}
	return Query{App: c.app, Image: c.image, Env: c.env, Version: c.to}, true
}

// rollbackOf decides whether a change is a rollback, which the order,
// soak, health and downgrade rules let through, and says why for the
// summary. A label counts only when a promoter of the environment added
// it (anyone who can label could add it otherwise); Stagehand's own
// /rollback pull request counts only for a version the environment ran
// before, since whoever can push to its branch could change the version.
func rollbackOf(c change, in *Input) (bool, string) {
	e, _ := c.pol.Env(c.app, c.env)
	l, labelled := in.PR.label(LabelRollback)
	if labelled && isPromoter(l.AddedBy, e.Promoters, in.Teams) {
		return true, fmt.Sprintf("rollback: label added by @%s, a promoter of %s.", l.AddedBy, c.env)
	}
	if in.PR.ByRollback {
		if q, ok := rollbackQuery(c); ok && in.History[q].Ran() {
			return true, fmt.Sprintf("rollback: Stagehand opened this pull request for /rollback, and %s ran `%s` before.", c.env, c.to)
		}
		return false, fmt.Sprintf("This is Stagehand's /rollback pull request, but %s never ran `%s` on the base branch, so the rules apply.", c.env, c.to)
	}
	if !labelled {
		return false, ""
	}
	who := "someone unknown"
	if l.AddedBy != "" {
		who = "@" + l.AddedBy
	}
	if len(e.Promoters) == 0 {
		return false, fmt.Sprintf("The %s label was added by %s, but %s lists no promoters, so the rules apply.", LabelRollback, who, c.env)
	}
	return false, fmt.Sprintf("The %s label was added by %s, who is not a promoter of %s (%s), so the rules apply.",
		LabelRollback, who, c.env, strings.Join(e.Promoters, ", "))
}

// Unevaluated is env's check (the general check for "") when what it
// needs could not be read: a failure that judges no rule, so that an
// outage neither passes a pull request nor blames it for a rule it may
// meet. The shell evaluates again.
func Unevaluated(env string, err error) Verdict {
	name := GeneralCheck
	if env != "" {
		name = CheckName(env)
	}
	v := Verdict{Name: name, Env: env, Status: Completed, Conclusion: Failure, Title: "Could not evaluate",
		Notes: []string{
			"Stagehand could not read what this check needs, so it judged no rule. It tries again by itself; \"Re-run\" asks for it now.",
			"Reason: `" + strings.ReplaceAll(err.Error(), "`", "'") + "`",
		}}
	v.Summary = Markdown(v)
	return v
}
