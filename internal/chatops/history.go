package chatops

import (
	"fmt"
	"slices"

	"github.com/stagehand-gitops/stagehand/internal/policy"
	"github.com/stagehand-gitops/stagehand/internal/tags"
)

// The refusals that come from an environment's history.
const (
	RefusedNotRan     RefusalCode = "not-ran"
	RefusedNoEarlier  RefusalCode = "no-earlier"
	RefusedNotVersion RefusalCode = "not-a-version"
)

// TagRan checks "/promote <app>@<tag> to <env>": the tag must have run in
// the previous environment, unless env is the first. prevTags are the tags
// the previous environment ran, from its overlays' git history on the
// default branch (what it runs now included). With carry: artifact the tag
// itself must be among them; with carry: version (a channel of its own),
// a tag of the same major.minor.patch, read with the image's extract.
func TagRan(pol *policy.Policy, app, image, env, tag string, prevTags []string) *Refusal {
	prev := pol.Prev(env)
	if prev == "" {
		return nil
	}
	e, _ := pol.Env(app, env)
	if e.Carry != policy.CarryVersion {
		if slices.Contains(prevTags, tag) {
			return nil
		}
		return &Refusal{Code: RefusedNotRan,
			Reason:  fmt.Sprintf("`%s` never ran in %s, the environment before %s", tag, prev, env),
			Instead: fmt.Sprintf("promote it to %s first: `/promote %s@%s to %s`", prev, app, tag, prev)}
	}
	rule, _ := pol.Rule(app, image, env)
	want, err := tags.ParseVersion(tag, rule.Extract)
	if err != nil {
		return &Refusal{Code: RefusedNotVersion,
			Reason:  fmt.Sprintf("%s carries versions from %s, and `%s` is not a version: %v", env, prev, tag, err),
			Instead: fmt.Sprintf("name a tag of %s's channel whose version runs in %s", env, prev)}
	}
	core := fmt.Sprintf("%d.%d.%d", want.Major(), want.Minor(), want.Patch())
	for _, t := range prevTags {
		v, err := tags.ParseVersion(t, rule.Extract)
		if err == nil && v.Major() == want.Major() && v.Minor() == want.Minor() && v.Patch() == want.Patch() {
			return nil
		}
	}
	return &Refusal{Code: RefusedNotRan,
		Reason:  fmt.Sprintf("version %s never ran in %s, the environment before %s", core, prev, env),
		Instead: fmt.Sprintf("promote version %s to %s first", core, prev)}
}

// RollbackTarget picks what "/rollback <app> in <env>" goes back to: the
// newest tag in the environment's history that differs from what it runs
// now. history is newest first, as the overlays' git history gives it
// (one entry per commit that touched them, the current version first).
func RollbackTarget(env, current string, history []string) (string, *Refusal) {
	for _, t := range history {
		if t != "" && t != current {
			return t, nil
		}
	}
	return "", &Refusal{Code: RefusedNoEarlier,
		Reason:  fmt.Sprintf("%s has run only `%s`: its history holds no earlier version", env, current),
		Instead: "name the tag: `/rollback <app> in " + env + " to <tag>`"}
}
