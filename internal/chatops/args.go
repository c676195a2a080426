package chatops

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"
)

// Command is one parsed command line.
type Command struct {
	Name Name
	// App and Env are empty when the form leaves them out (a bare /promote,
	// a hold on every environment, /status for every app).
	App, Env string
	// Tag is the tag asked for: /promote app@tag, /rollback … to tag.
	Tag string
	// Reason is the free text after a /hold.
	Reason string
	// Line is the 1-based line of the comment the command is on.
	Line int
	// After is the pull request a resolved bare /promote waits for: the
	// promotion runs once it is merged (see ResolveBare).
	After int
}

// String formats the command the way a person would type it.
func (c Command) String() string {
	var b strings.Builder
	b.WriteString("/" + string(c.Name))
	switch c.Name {
	case CmdPromote:
		if c.App != "" && c.After == 0 {
			b.WriteString(" " + c.App)
			if c.Tag != "" {
				b.WriteString("@" + c.Tag)
			}
			b.WriteString(" to " + c.Env)
		}
	case CmdRollback:
		b.WriteString(" " + c.App + " in " + c.Env)
		if c.Tag != "" {
			b.WriteString(" to " + c.Tag)
		}
	case CmdHold, CmdUnhold:
		b.WriteString(" " + c.App)
		if c.Env != "" {
			b.WriteString(" in " + c.Env)
		}
		if c.Reason != "" {
			b.WriteString(" " + c.Reason)
		}
	case CmdStatus:
		if c.App != "" {
			b.WriteString(" " + c.App)
		}
	}
	return b.String()
}

// token is one whitespace-separated word and where it starts in the line.
type token struct {
	text string
	at   int
}

func tokenize(s string) []token {
	var out []token
	start := -1
	for i, r := range s {
		space := r == ' ' || r == '\t'
		switch {
		case space && start >= 0:
			out = append(out, token{s[start:i], start})
			start = -1
		case !space && start < 0:
			start = i
		}
	}
	if start >= 0 {
		out = append(out, token{s[start:], start})
	}
	return out
}

var (
	// nameRE matches app and environment names as the policy allows them.
	nameRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$`) })
	// tagRE is the OCI distribution spec's tag grammar.
	tagRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$`) })
)

// errUsage marks arguments that do not fit the command's forms.
var errUsage = errors.New("usage")

func usageErr(format string, a ...any) error {
	return fmt.Errorf("%w: %s", errUsage, fmt.Sprintf(format, a...))
}

func checkName(what, s string) error {
	if !nameRE().MatchString(s) {
		return usageErr("%q is not a valid %s name", s, what)
	}
	return nil
}

func checkTag(s string) error {
	if !tagRE().MatchString(s) {
		return usageErr("%q is not a valid tag", s)
	}
	return nil
}

func parsePromote(args []token, _ string) (Command, error) {
	c := Command{Name: CmdPromote}
	if len(args) == 0 {
		return c, nil
	}
	if len(args) != 3 || !strings.EqualFold(args[1].text, "to") {
		return c, usageErr("expected `<app> to <env>` or `<app>@<tag> to <env>`")
	}
	app, tag, hasTag := strings.Cut(args[0].text, "@")
	if err := checkName("app", app); err != nil {
		return c, err
	}
	if hasTag {
		if err := checkTag(tag); err != nil {
			return c, err
		}
	}
	if err := checkName("environment", args[2].text); err != nil {
		return c, err
	}
	c.App, c.Tag, c.Env = app, tag, args[2].text
	return c, nil
}

func parseRollback(args []token, _ string) (Command, error) {
	c := Command{Name: CmdRollback}
	if (len(args) != 3 && len(args) != 5) || !strings.EqualFold(args[1].text, "in") ||
		(len(args) == 5 && !strings.EqualFold(args[3].text, "to")) {
		return c, usageErr("expected `<app> in <env>` or `<app> in <env> to <tag>`")
	}
	if err := checkName("app", args[0].text); err != nil {
		return c, err
	}
	if err := checkName("environment", args[2].text); err != nil {
		return c, err
	}
	c.App, c.Env = args[0].text, args[2].text
	if len(args) == 5 {
		if err := checkTag(args[4].text); err != nil {
			return c, err
		}
		c.Tag = args[4].text
	}
	return c, nil
}

// maxReason bounds a hold's reason so that the holds issue stays readable.
const maxReason = 200

func parseHold(args []token, line string) (Command, error) {
	c, rest, err := appInEnv(CmdHold, args)
	if err != nil {
		return c, err
	}
	if len(rest) > 0 {
		c.Reason = strings.TrimSpace(line[rest[0].at:])
		if r := []rune(c.Reason); len(r) > maxReason {
			c.Reason = string(r[:maxReason-1]) + "…"
		}
	}
	return c, nil
}

func parseUnhold(args []token, _ string) (Command, error) {
	c, rest, err := appInEnv(CmdUnhold, args)
	if err == nil && len(rest) > 0 {
		err = usageErr("unexpected %q after the app and environment", rest[0].text)
	}
	return c, err
}

// appInEnv reads "<app> [in <env>]" and returns the tokens after it.
func appInEnv(name Name, args []token) (Command, []token, error) {
	c := Command{Name: name}
	if len(args) == 0 {
		return c, nil, usageErr("expected `<app>` or `<app> in <env>`")
	}
	if err := checkName("app", args[0].text); err != nil {
		return c, nil, err
	}
	c.App = args[0].text
	rest := args[1:]
	if len(rest) > 0 && strings.EqualFold(rest[0].text, "in") {
		if len(rest) < 2 {
			return c, nil, usageErr("expected an environment after `in`")
		}
		if err := checkName("environment", rest[1].text); err != nil {
			return c, nil, err
		}
		c.Env = rest[1].text
		rest = rest[2:]
	}
	return c, rest, nil
}

func parseStatus(args []token, _ string) (Command, error) {
	c := Command{Name: CmdStatus}
	switch len(args) {
	case 0:
		return c, nil
	case 1:
		if err := checkName("app", args[0].text); err != nil {
			return c, err
		}
		c.App = args[0].text
		return c, nil
	}
	return c, usageErr("expected at most one app")
}

// parseHelp ignores what follows: "/help me" still deserves the help.
func parseHelp([]token, string) (Command, error) { return Command{Name: CmdHelp}, nil }
