package chatops

import (
	"fmt"
	"slices"
	"strings"

	"github.com/stagehand-gitops/stagehand/internal/policy"
)

// Event is what the shell read from an issue_comment webhook about the
// comment itself.
type Event struct {
	// Action is the webhook action: created, edited or deleted.
	Action string
	// Author is the commenter's login; AuthorType is GitHub's user type
	// ("User", "Bot", "Organization").
	Author, AuthorType string
	// Self is Stagehand's own login (the App's "<slug>[bot]").
	Self string
}

// Screen reports whether a comment is worth parsing at all. Only new
// comments by people count: edits and deletions would run a command twice
// or undo nothing, and answering bots (Stagehand included) is how two bots
// end up answering each other forever. A false answer is silent; the
// reason is for the log.
func Screen(e Event) (bool, string) {
	switch {
	case e.Action != "created":
		return false, "comment " + e.Action + ", only created comments count"
	case strings.EqualFold(e.Author, e.Self):
		return false, "own comment"
	case strings.EqualFold(e.AuthorType, "Bot") || strings.HasSuffix(strings.ToLower(e.Author), "[bot]"):
		return false, "comment by a bot"
	}
	return true, ""
}

// Facts are what the shell gathered to authorize a commenter's commands.
type Facts struct {
	// Repo is "owner/name", for messages.
	Repo string
	// Commenter is the login of the person who commented.
	Commenter string
	// Permission is the commenter's permission on the repository, from
	// the permission-level API: admin, maintain, write, triage, read or
	// none.
	Permission string
	// Fork is true when the comment is on a pull request whose head lives
	// in another repository.
	Fork bool
	// Policy must be parsed from the default branch, never from a pull
	// request's head, or a pull request could grant itself rights. Nil
	// when the default branch has no valid policy.
	Policy *policy.Policy
	// Teams holds, for each "@org/team" TeamsToCheck named, whether the
	// commenter is an active member. A team left out counts as "not a
	// member": authorization fails closed.
	Teams map[string]bool
}

// RefusalCode says why a command was refused, for logs and tests.
type RefusalCode string

// The reasons a command is refused.
const (
	RefusedFork       RefusalCode = "fork"
	RefusedPermission RefusalCode = "permission"
	RefusedPromoter   RefusalCode = "promoter"
	RefusedNoPolicy   RefusalCode = "no-policy"
	RefusedUnknown    RefusalCode = "unknown"
	RefusedNotHere    RefusalCode = "not-here"
)

// Refusal is why a command does not run, and who may run it instead.
type Refusal struct {
	Code RefusalCode
	// Reason is a sentence addressed to the commenter.
	Reason string
	// Instead names who may do it, or what to do instead; empty when
	// nobody can (an unknown app).
	Instead string
}

// writeLevels are the permissions that may run commands.
var writeLevels = []string{"admin", "maintain", "write"}

// Admit checks what every command needs, whatever it is: a pull request
// that is not from a fork, and write access. Authorize calls it first; the
// shell may call it alone to refuse early, before looking up anything else.
func Admit(f Facts) *Refusal {
	anyone := "anyone with write access to " + f.Repo
	if f.Fork {
		return &Refusal{Code: RefusedFork,
			Reason:  "commands on pull requests from forks cannot trigger anything",
			Instead: anyone + " can run it in a comment on an issue or on a pull request from a branch of " + f.Repo}
	}
	if !slices.Contains(writeLevels, strings.ToLower(f.Permission)) {
		return &Refusal{Code: RefusedPermission,
			Reason:  fmt.Sprintf("@%s has %s access to %s; Stagehand commands need write access or above", f.Commenter, levelName(f.Permission), f.Repo),
			Instead: anyone}
	}
	return nil
}

// Authorize decides whether the commenter may run c. A nil refusal allows
// it. A bare /promote must be resolved first (see ResolveBare).
func Authorize(f Facts, c Command) *Refusal {
	if r := Admit(f); r != nil {
		if envs := promoterEnvs(f.Policy, c); r.Code == RefusedPermission && len(envs) > 0 {
			r.Instead = whoList(f.Policy, c.App, envs)
		}
		return r
	}
	if c.Name == CmdHelp {
		return nil
	}
	if f.Policy == nil {
		return &Refusal{Code: RefusedNoPolicy,
			Reason:  "the default branch has no valid " + policy.FileName,
			Instead: "fix " + policy.FileName + " on the default branch; `stagehand policy validate` says what is wrong"}
	}
	if r := checkNames(f.Policy, c); r != nil {
		return r
	}
	if g, ok := f.Policy.Group(c.App); ok {
		return authorizeGroup(f, c, g)
	}
	for _, env := range promoterEnvs(f.Policy, c) {
		if !isPromoter(f, c.App, env) {
			return &Refusal{Code: RefusedPromoter,
				Reason:  fmt.Sprintf("only the promoters of %s may %s", env, verb(c, env)),
				Instead: promotersOf(f.Policy, c.App, env)}
		}
	}
	return nil
}

func levelName(p string) string {
	if p == "" || p == "none" {
		return "no"
	}
	return p
}

// verb says what a command does to an environment, for refusals.
func verb(c Command, env string) string {
	switch c.Name {
	case CmdRollback:
		return "roll it back"
	case CmdUnhold:
		return "lift a hold on it"
	case CmdHold:
		return "hold it"
	}
	return "promote into it"
}

// checkNames refuses apps and environments the policy does not know.
func checkNames(pol *policy.Policy, c Command) *Refusal {
	_, group := pol.Group(c.App)
	if c.App != "" && !group {
		if _, ok := pol.App(c.App); !ok {
			return &Refusal{Code: RefusedUnknown,
				Reason:  fmt.Sprintf("%s knows no app `%s`", policy.FileName, c.App),
				Instead: "apps: " + codeList(appNames(pol))}
		}
	}
	if c.Env != "" && pol.EnvIndex(c.Env) < 0 {
		return &Refusal{Code: RefusedUnknown,
			Reason:  fmt.Sprintf("%s knows no environment `%s`", policy.FileName, c.Env),
			Instead: "environments: " + codeList(envNames(pol))}
	}
	if c.Name == CmdPromote && !group && c.Tag == "" && c.Env != "" && pol.Prev(c.Env) == "" {
		return &Refusal{Code: RefusedNotHere,
			Reason:  fmt.Sprintf("%s is the first environment, so there is no previous one to promote from", c.Env),
			Instead: fmt.Sprintf("name the tag: `/promote %s@<tag> to %s`", c.App, c.Env)}
	}
	return nil
}

// promoterEnvs lists the environments with promoters that must allow c.
func promoterEnvs(pol *policy.Policy, c Command) []string {
	if pol == nil {
		return nil
	}
	var envs []string
	switch {
	case c.Name == CmdPromote || c.Name == CmdRollback || (c.Name == CmdUnhold && c.Env != ""):
		envs = []string{c.Env}
	case c.Name == CmdUnhold:
		envs = envNames(pol)
	}
	var out []string
	for _, name := range envs {
		if env, ok := pol.Env(c.App, name); ok && len(env.Promoters) > 0 {
			out = append(out, name)
		}
	}
	return out
}

func isPromoter(f Facts, app, env string) bool {
	e, ok := f.Policy.Env(app, env)
	if !ok {
		return false
	}
	if len(e.Promoters) == 0 {
		return true
	}
	for _, p := range e.Promoters {
		if isTeam(p) {
			if f.Teams[strings.ToLower(p)] {
				return true
			}
		} else if strings.EqualFold(strings.TrimPrefix(p, "@"), f.Commenter) {
			return true
		}
	}
	return false
}

func isTeam(p string) bool { return strings.HasPrefix(p, "@") && strings.Contains(p, "/") }

// TeamsToCheck returns the teams ("@org/team", lower-cased) whose
// membership of the commenter the shell must look up (forge.TeamMember)
// before calling Authorize for cmds: the teams among the promoters of the
// environments the commands touch, unless the commenter is listed by name.
func TeamsToCheck(pol *policy.Policy, commenter string, cmds []Command) []string {
	var out []string
	for _, c := range perMember(pol, cmds) {
		for _, env := range promoterEnvs(pol, c) {
			e, ok := pol.Env(c.App, env)
			if !ok || isPromoter(Facts{Policy: pol, Commenter: commenter}, c.App, env) {
				continue
			}
			for _, p := range e.Promoters {
				if isTeam(p) && !slices.Contains(out, strings.ToLower(p)) {
					out = append(out, strings.ToLower(p))
				}
			}
		}
	}
	slices.Sort(out)
	return out
}

// promotersOf names the promoters of env, in code so that nobody is pinged.
func promotersOf(pol *policy.Policy, app, env string) string {
	e, _ := pol.Env(app, env)
	return "the promoters of " + env + ": " + codeList(e.Promoters)
}

// whoList names the promoters of each environment in envs.
func whoList(pol *policy.Policy, app string, envs []string) string {
	parts := make([]string, len(envs))
	for i, env := range envs {
		parts[i] = promotersOf(pol, app, env)
	}
	return strings.Join(parts, "; ") + " (with write access)"
}

func codeList(items []string) string {
	if len(items) == 0 {
		return "none"
	}
	q := make([]string, len(items))
	for i, s := range items {
		q[i] = "`" + s + "`"
	}
	return strings.Join(q, ", ")
}

func appNames(pol *policy.Policy) []string {
	out := make([]string, len(pol.Apps))
	for i, a := range pol.Apps {
		out[i] = a.Name
	}
	return out
}

func envNames(pol *policy.Policy) []string {
	out := make([]string, len(pol.Environments))
	for i, e := range pol.Environments {
		out[i] = e.Name
	}
	return out
}
