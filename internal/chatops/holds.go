package chatops

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"
)

// Where holds live in GitHub. There is no database: the open issue titled
// HoldsTitle, labelled LabelHolds, is the record, and every open promotion
// pull request of a held app and environment carries LabelHold so that the
// stagehand/<env> check can fail it without reading the issue.
const (
	HoldsTitle  = "Stagehand holds"
	HoldsMarker = "<!-- stagehand:holds -->"
	LabelHolds  = "stagehand:holds"
	LabelHold   = "stagehand:hold"
)

// loginRE matches GitHub logins, bots' included.
var loginRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9-]{0,38}(\[bot\])?$`) })

// AllEnvs is how the holds table writes a hold on every environment.
const AllEnvs = "*"

// Hold stops promotions of one app, in one environment or in all of them.
type Hold struct {
	App string
	// Env is empty for a hold on every environment of the app.
	Env    string
	By     string // login, without @
	Since  time.Time
	Reason string
}

// Holds is the set of holds of a repository, sorted by app and environment.
type Holds []Hold

// ErrNoHoldsTable reports a holds issue body without the marker Stagehand
// writes, which means someone rewrote it by hand.
var ErrNoHoldsTable = errors.New("no holds table")

// Find returns the hold that stops promotions of app into env: one on that
// environment, or else one on every environment of the app.
func (h Holds) Find(app, env string) (Hold, bool) {
	for _, want := range []string{env, ""} {
		for _, x := range h {
			if x.App == app && x.Env == want {
				return x, true
			}
		}
	}
	return Hold{}, false
}

// RefusedHeld refuses a promotion into a held environment.
const RefusedHeld RefusalCode = "held"

// Refusal refuses a promotion of app into env when a hold covers it, and
// says who placed it and how to lift it.
func (h Holds) Refusal(app, env string) *Refusal {
	x, ok := h.Find(app, env)
	if !ok {
		return nil
	}
	where, lift := "every environment", "/unhold "+app
	if x.Env != "" {
		where, lift = x.Env, "/unhold "+app+" in "+x.Env
	}
	reason := fmt.Sprintf("`%s` is on hold in %s (by `@%s` since %s)", app, where, x.By, x.Since.UTC().Format(time.RFC3339))
	if x.Reason != "" {
		reason += ": " + strings.Join(strings.Fields(x.Reason), " ")
	}
	return &Refusal{Code: RefusedHeld, Reason: reason, Instead: "lift it first with `" + lift + "`"}
}

// With returns the holds with x added, replacing a hold on the same app and
// environment.
func (h Holds) With(x Hold) Holds {
	out, _ := h.Without(x.App, x.Env)
	out = append(out, x)
	sortHolds(out)
	return out
}

// Without returns the holds without the one on exactly (app, env), and
// whether there was one.
func (h Holds) Without(app, env string) (Holds, bool) {
	out := make(Holds, 0, len(h))
	found := false
	for _, x := range h {
		if x.App == app && x.Env == env {
			found = true
			continue
		}
		out = append(out, x)
	}
	return out, found
}

func sortHolds(h Holds) {
	slices.SortStableFunc(h, func(a, b Hold) int {
		if c := strings.Compare(a.App, b.App); c != 0 {
			return c
		}
		return strings.Compare(a.Env, b.Env)
	})
}

// RenderHolds renders the body of the holds issue.
func RenderHolds(h Holds) string {
	var b strings.Builder
	b.WriteString(HoldsMarker + "\n")
	b.WriteString("Stagehand opens no promotion pull request for a held app, and its open ones fail the `stagehand/<env>` check. ")
	b.WriteString("Use `/hold <app> [in <env>] [reason…]` and `/unhold <app> [in <env>]` in a comment; Stagehand keeps this table.\n\n")
	if len(h) == 0 {
		b.WriteString("No holds.\n")
		return b.String()
	}
	b.WriteString("| app | env | by | since | reason |\n|---|---|---|---|---|\n")
	sorted := slices.Clone(h)
	sortHolds(sorted)
	for _, x := range sorted {
		env := AllEnvs
		if x.Env != "" {
			env = x.Env
		}
		fmt.Fprintf(&b, "| `%s` | `%s` | `@%s` | %s | %s |\n", x.App, env, x.By,
			x.Since.UTC().Format(time.RFC3339), escapeCell(x.Reason))
	}
	return b.String()
}

// ParseHolds reads the holds issue body that RenderHolds wrote. Rows it
// cannot read are reported in the error (with their line) and left out;
// the others are returned, so one bad edit does not lift every hold.
func ParseHolds(body string) (Holds, error) {
	body = normalize(body)
	if !strings.Contains(body, HoldsMarker) {
		return nil, ErrNoHoldsTable
	}
	var out Holds
	var errs []error
	inTable := false
	for i, line := range strings.Split(body, "\n") {
		line = strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(line, "| app |"):
			inTable = true
		case !inTable || strings.HasPrefix(line, "|---"):
		case !strings.HasPrefix(line, "|"):
			inTable = false
		default:
			x, err := parseHoldRow(line)
			if err != nil {
				errs = append(errs, fmt.Errorf("holds line %d: %w", i+1, err))
				continue
			}
			out = out.With(x)
		}
	}
	return out, errors.Join(errs...)
}

func parseHoldRow(line string) (Hold, error) {
	cells := splitRow(line)
	if len(cells) != 5 {
		return Hold{}, fmt.Errorf("want 5 cells, found %d", len(cells))
	}
	app, env := strings.Trim(cells[0], "`"), strings.Trim(cells[1], "`")
	if !nameRE().MatchString(app) {
		return Hold{}, fmt.Errorf("app %q is not a valid name", app)
	}
	if env == AllEnvs {
		env = ""
	} else if !nameRE().MatchString(env) {
		return Hold{}, fmt.Errorf("environment %q is not a valid name", env)
	}
	by := strings.TrimPrefix(strings.Trim(cells[2], "`"), "@")
	if !loginRE().MatchString(by) {
		return Hold{}, fmt.Errorf("by %q is not a GitHub login", by)
	}
	since, err := time.Parse(time.RFC3339, cells[3])
	if err != nil {
		return Hold{}, fmt.Errorf("since: %w", err)
	}
	return Hold{App: app, Env: env, By: by, Since: since.UTC(), Reason: cells[4]}, nil
}

// splitRow splits a table row on the pipes that are not escaped, and
// unescapes the cells.
func splitRow(line string) []string {
	line = strings.TrimSuffix(strings.TrimPrefix(line, "|"), "|")
	var cells []string
	var cur strings.Builder
	for i := 0; i < len(line); i++ {
		switch {
		case line[i] == '\\' && i+1 < len(line) && (line[i+1] == '|' || line[i+1] == '\\'):
			cur.WriteByte(line[i+1])
			i++
		case line[i] == '|':
			cells = append(cells, strings.TrimSpace(cur.String()))
			cur.Reset()
		default:
			cur.WriteByte(line[i])
		}
	}
	return append(cells, strings.TrimSpace(cur.String()))
}

// escapeCell keeps free text inside one table cell: no line breaks, no
// unescaped pipes.
func escapeCell(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	s = strings.ReplaceAll(s, `\`, `\\`)
	return strings.ReplaceAll(s, "|", `\|`)
}
