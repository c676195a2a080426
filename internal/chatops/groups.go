package chatops

import (
	"fmt"
	"strings"

	"github.com/stagehand-gitops/stagehand/internal/policy"
)

// authorizeGroup decides a command that names a group: /status and /hold,
// which anyone with write access may run; /unhold, by someone who may lift
// the hold of every member; or a /promote into an environment the group
// moves into together, by someone allowed for every member, since every
// member moves.
func authorizeGroup(f Facts, c Command, g policy.Group) *Refusal {
	switch c.Name {
	case CmdStatus, CmdHold:
		return nil // write access is enough, as for an app
	case CmdUnhold:
		for _, one := range perMember(f.Policy, []Command{c}) {
			for _, env := range promoterEnvs(f.Policy, one) {
				if !isPromoter(f, one.App, env) {
					return &Refusal{Code: RefusedPromoter,
						Reason:  fmt.Sprintf("only the promoters of %s may lift a hold on it, for every member of %s; %s's promoters do not include @%s", env, g.Name, one.App, f.Commenter),
						Instead: promotersOf(f.Policy, one.App, env) + " (for " + one.App + ")"}
				}
			}
		}
		return nil
	}
	if c.Name != CmdPromote {
		one := c
		one.App = g.Apps[0]
		return &Refusal{Code: RefusedNotHere,
			Reason:  fmt.Sprintf("`/%s` does not take a group yet; `%s` is the group of %s", c.Name, g.Name, codeList(g.Apps)),
			Instead: fmt.Sprintf("run it for each member, such as `%s`", one)}
	}
	if c.Tag != "" {
		return &Refusal{Code: RefusedNotHere,
			Reason:  fmt.Sprintf("a group moves to what the previous environment runs; it takes no tag (`%s@%s`)", g.Name, c.Tag),
			Instead: fmt.Sprintf("`/promote %s to %s`, or name a tag for one app: `/promote %s@%s to %s`", g.Name, c.Env, g.Apps[0], c.Tag, c.Env)}
	}
	if c.Env != "" && !g.Has(c.Env) {
		return &Refusal{Code: RefusedNotHere,
			Reason:  fmt.Sprintf("the group %s moves together into %s, not into %s", g.Name, strings.Join(g.Envs, " and "), c.Env),
			Instead: fmt.Sprintf("promote its members one by one into %s: `/promote %s to %s`", c.Env, g.Apps[0], c.Env)}
	}
	for _, app := range g.Apps {
		if e, ok := f.Policy.Env(app, c.Env); ok && len(e.Promoters) > 0 && !isPromoter(f, app, c.Env) {
			return &Refusal{Code: RefusedPromoter,
				Reason:  fmt.Sprintf("only someone who may promote every member of %s into %s may promote the group; %s's promoters do not include @%s", g.Name, c.Env, app, f.Commenter),
				Instead: promotersOf(f.Policy, app, c.Env) + " (for " + app + ")"}
		}
	}
	return nil
}

// perMember replaces each command that names a group with one command per
// member: what a group command touches, for the teams to look up.
func perMember(pol *policy.Policy, cmds []Command) []Command {
	var out []Command
	for _, c := range cmds {
		g, ok := pol.Group(c.App)
		if !ok {
			out = append(out, c)
			continue
		}
		for _, app := range g.Apps {
			one := c
			one.App = app
			out = append(out, one)
		}
	}
	return out
}
