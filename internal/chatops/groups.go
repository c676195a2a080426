package chatops

import (
	"fmt"
	"strings"

	"github.com/stagehand-gitops/stagehand/internal/policy"
)

// authorizeGroup decides a command that names a group: /status and /hold,
// which anyone with write access may run; /unhold, by someone who may lift
// the hold of every member; or a /promote or /rollback in an environment
// the group moves into together, by someone allowed for every member,
// since every member moves. A group has no promoters of its own: a list
// on the group could let someone move an app its own promoters do not
// include.
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
	if c.Name != CmdPromote && c.Name != CmdRollback {
		one := c
		one.App = g.Apps[0]
		return &Refusal{Code: RefusedNotHere,
			Reason:  fmt.Sprintf("`/%s` does not take a group yet; `%s` is the group of %s", c.Name, g.Name, codeList(g.Apps)),
			Instead: fmt.Sprintf("run it for each member, such as `%s`", one)}
	}
	if r := groupTarget(c, g); r != nil {
		return r
	}
	for _, app := range g.Apps {
		if e, ok := f.Policy.Env(app, c.Env); ok && len(e.Promoters) > 0 && !isPromoter(f, app, c.Env) {
			return &Refusal{Code: RefusedPromoter,
				Reason:  fmt.Sprintf("only someone who may %s every member of %s %s %s may %s the group; %s's promoters do not include @%s", groupVerb(c), g.Name, groupPrep(c), c.Env, groupVerb(c), app, f.Commenter),
				Instead: promotersOf(f.Policy, app, c.Env) + " (for " + app + ")"}
		}
	}
	return nil
}

// groupTarget refuses a /promote or /rollback of a group that names a tag
// or an environment the group does not move into together.
func groupTarget(c Command, g policy.Group) *Refusal {
	switch {
	case c.Tag != "" && c.Name == CmdRollback:
		return &Refusal{Code: RefusedNotHere,
			Reason:  fmt.Sprintf("a group rolls back to what each member ran before its last release into %s; it takes no tag (`to %s`)", c.Env, c.Tag),
			Instead: fmt.Sprintf("`/rollback %s in %s`, or name a tag for one app: `/rollback %s in %s to %s`", g.Name, c.Env, g.Apps[0], c.Env, c.Tag)}
	case c.Tag != "":
		return &Refusal{Code: RefusedNotHere,
			Reason:  fmt.Sprintf("a group moves to what the previous environment runs; it takes no tag (`%s@%s`)", g.Name, c.Tag),
			Instead: fmt.Sprintf("`/promote %s to %s`, or name a tag for one app: `/promote %s@%s to %s`", g.Name, c.Env, g.Apps[0], c.Tag, c.Env)}
	case c.Env != "" && !g.Has(c.Env):
		one := c
		one.App = g.Apps[0]
		return &Refusal{Code: RefusedNotHere,
			Reason:  fmt.Sprintf("the group %s moves together into %s, not into %s", g.Name, strings.Join(g.Envs, " and "), c.Env),
			Instead: fmt.Sprintf("%s its members one by one %s %s: `%s`", groupVerb(c), groupPrep(c), c.Env, one)}
	}
	return nil
}

// groupVerb and groupPrep word a group command in refusals.
func groupVerb(c Command) string {
	if c.Name == CmdRollback {
		return "roll back"
	}
	return "promote"
}

func groupPrep(c Command) string {
	if c.Name == CmdRollback {
		return "in"
	}
	return "into"
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
