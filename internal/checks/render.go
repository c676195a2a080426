package checks

import (
	"fmt"
	"strings"
	"time"
)

// Markdown renders a verdict's summary as the check run shows it: the
// table of rows with one column per rule, then the failures, the waiting
// rules with their time left, the policy change, and every reason.
func Markdown(v Verdict) string {
	var b strings.Builder
	fmt.Fprintf(&b, "**%s**: %s\n\n", v.Name, v.Title)
	for _, n := range v.Notes {
		fmt.Fprintf(&b, "%s\n\n", n)
	}
	if len(v.Rows) > 0 {
		table(&b, v.Rows)
		section(&b, "Failed", v.Rows, Fail)
		section(&b, "Waiting", v.Rows, Wait)
		reasons(&b, v.Rows)
	}
	if p := v.Policy; p != nil {
		policySection(&b, p)
	}
	return strings.TrimRight(b.String(), "\n") + "\n"
}

func table(b *strings.Builder, rows []Row) {
	b.WriteString("| app | env | image | from → to |")
	for _, r := range Rules {
		fmt.Fprintf(b, " %s |", r)
	}
	b.WriteString("\n|---|---|---|---|")
	b.WriteString(strings.Repeat("---|", len(Rules)))
	b.WriteString("\n")
	for _, row := range rows {
		fmt.Fprintf(b, "| %s | %s | %s | %s |", row.App, row.Env, orDash(row.Image), fromTo(row))
		for _, r := range Rules {
			fmt.Fprintf(b, " %s |", row.Result(r).State.Symbol())
		}
		b.WriteString("\n")
	}
	b.WriteString("\n")
}

func fromTo(row Row) string {
	if row.Image == "" {
		return "—"
	}
	return fmt.Sprintf("`%s` → `%s`", row.From, row.To)
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return "`" + s + "`"
}

func section(b *strings.Builder, heading string, rows []Row, state State) {
	var lines []string
	for _, row := range rows {
		for _, r := range row.Results {
			if r.State != state {
				continue
			}
			line := fmt.Sprintf("- %s **%s** (%s): %s", state.Symbol(), r.Rule, subject(row), r.Reason)
			if !r.Until.IsZero() {
				line += fmt.Sprintf(" (until %s)", r.Until.UTC().Format(time.RFC3339))
			}
			lines = append(lines, line)
		}
	}
	if len(lines) == 0 {
		return
	}
	fmt.Fprintf(b, "#### %s\n\n%s\n\n", heading, strings.Join(lines, "\n"))
}

func subject(row Row) string {
	if row.Image == "" {
		return row.App + " in " + row.Env
	}
	return fmt.Sprintf("%s in %s, %s", row.App, row.Env, row.Image)
}

func reasons(b *strings.Builder, rows []Row) {
	b.WriteString("<details><summary>Every rule</summary>\n\n")
	for _, row := range rows {
		fmt.Fprintf(b, "%s:\n\n", subject(row))
		for _, r := range row.Results {
			fmt.Fprintf(b, "- %s %s: %s\n", r.State.Symbol(), r.Rule, r.Reason)
		}
		b.WriteString("\n")
	}
	b.WriteString("</details>\n\n")
}

func policySection(b *strings.Builder, p *PolicyDiff) {
	if !p.Valid {
		fmt.Fprintf(b, "#### ✗ policy\n\nThe new policy does not validate:\n\n")
		for _, e := range p.Problems {
			fmt.Fprintf(b, "- `%s`\n", e)
		}
		b.WriteString("\n")
		return
	}
	b.WriteString("#### ✓ policy\n\nThe new policy validates.")
	if len(p.Effects) == 0 {
		b.WriteString(" It changes no rule.\n\n")
		return
	}
	b.WriteString(" What it changes:\n\n")
	for _, e := range p.Effects {
		fmt.Fprintf(b, "- %s\n", e)
	}
	b.WriteString("\n")
}

// Text renders a verdict for a terminal: the check's state, each row with
// every rule's symbol and reason, and the annotations as file:line.
func Text(v Verdict) string {
	var b strings.Builder
	state := string(v.Conclusion)
	if v.Status == InProgress {
		state = "in progress, due " + v.Due.UTC().Format(time.RFC3339)
	}
	fmt.Fprintf(&b, "%s: %s — %s\n", v.Name, state, v.Title)
	for _, n := range v.Notes {
		fmt.Fprintf(&b, "  %s\n", n)
	}
	for _, row := range v.Rows {
		if row.Image == "" {
			fmt.Fprintf(&b, "  %s in %s (no image change)\n", row.App, row.Env)
		} else {
			fmt.Fprintf(&b, "  %s in %s: %s %s → %s\n", row.App, row.Env, row.Image, row.From, row.To)
		}
		for _, r := range row.Results {
			fmt.Fprintf(&b, "    %s %-9s %s\n", r.State.Symbol(), r.Rule, r.Reason)
		}
	}
	if p := v.Policy; p != nil {
		if p.Valid {
			fmt.Fprintf(&b, "  ✓ policy validates\n")
		} else {
			fmt.Fprintf(&b, "  ✗ policy does not validate\n")
		}
		for _, e := range append(append([]string{}, p.Problems...), p.Effects...) {
			fmt.Fprintf(&b, "    %s\n", e)
		}
	}
	for _, a := range v.Annotations {
		fmt.Fprintf(&b, "  %s:%d: %s: %s\n", a.Path, a.Line, a.Title, a.Message)
	}
	return b.String()
}
