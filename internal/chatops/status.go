package chatops

import (
	"fmt"
	"strings"
	"time"

	"github.com/stagehand-gitops/stagehand/internal/promote"
	"github.com/stagehand-gitops/stagehand/internal/tags"
)

// StatusView is what /status shows, gathered by the shell: versions from
// promote.Inventory on the default branch, open promotion pull requests,
// the holds issue, and the gates of pending promotions.
type StatusView struct {
	// App limits the view to one app; empty shows every app.
	App string
	// Envs are the environment names in promotion order.
	Envs    []string
	Rows    []promote.Row
	Open    []OpenPromotion
	Holds   Holds
	Pending []PendingGates
	// Trains are the release trains and whether each may move into each
	// of its environments.
	Trains []TrainStatus
	// Refused are the tags refused because their signature did not
	// verify, most recent first within each app and environment.
	Refused []RefusedTag
	// Notes are sentences about what could not be read (a registry that
	// cannot be listed, an unreadable holds issue).
	Notes []string
}

// OpenPromotion is an open Stagehand pull request.
type OpenPromotion struct {
	App, Env string
	PR       PRLink
	From, To promote.Version
	// Head is the pull request's head commit, where its checks are.
	Head string
}

// RefusedTag is a tag Stagehand did not promote into Env because the
// environment requires a signature and the tag's did not verify.
type RefusedTag struct {
	App, Env, Tag string
	// Detail is the rejection, as explain words it (tags.UnverifiedDetail).
	Detail string
}

// PendingGates are the gates of one promotion that is waiting.
type PendingGates struct {
	App, Env string
	Gates    []promote.Gate
}

// RenderStatus renders the /status view as markdown tables and lists.
func RenderStatus(v StatusView) string {
	var b strings.Builder
	renderVersions(&b, v)
	b.WriteString("\n**Open promotions**\n\n")
	n := 0
	for _, o := range v.Open {
		if v.App == "" || o.App == v.App {
			fmt.Fprintf(&b, "- [#%d](%s) `%s` → `%s`: %s → %s\n", o.PR.Number, o.PR.URL, o.App, o.Env,
				codeSpan(o.From.String()), codeSpan(o.To.String()))
			n++
		}
	}
	if n == 0 {
		b.WriteString("None.\n")
	}
	renderHolds(&b, v)
	renderPending(&b, v)
	renderTrains(&b, v)
	renderRefused(&b, v)
	for _, note := range v.Notes {
		b.WriteString("\n_Note: " + oneLine(note) + "_\n")
	}
	return b.String()
}

func renderVersions(b *strings.Builder, v StatusView) {
	b.WriteString("| app | image |")
	sep := "|---|---|"
	for _, e := range v.Envs {
		b.WriteString(" " + e + " |")
		sep += "---|"
	}
	b.WriteString("\n" + sep + "\n")
	shown := 0
	for _, r := range v.Rows {
		if v.App != "" && r.App != v.App {
			continue
		}
		shown++
		app := "`" + r.App + "`"
		if r.Discovered {
			app += " (discovered)"
		}
		fmt.Fprintf(b, "| %s | `%s` |", app, r.Image)
		for _, c := range r.Envs {
			b.WriteString(" " + cellText(c) + " |")
		}
		b.WriteString("\n")
	}
	if shown == 0 {
		b.WriteString("\nNo app images are tracked.\n")
	}
}

func cellText(c promote.Cell) string {
	s := ""
	if !c.Version.IsZero() {
		s = codeSpan(c.Version.Tag)
		if c.Version.Tag == "" {
			s = codeSpan(c.Version.String())
		}
	}
	if c.Note != "" {
		if s != "" {
			s += " "
		}
		s += "_" + escapeCell(c.Note) + "_"
	}
	if s == "" {
		s = "—"
	}
	return s
}

func renderHolds(b *strings.Builder, v StatusView) {
	b.WriteString("\n**Holds**\n\n")
	n := 0
	for _, h := range v.Holds {
		if v.App != "" && h.App != v.App {
			continue
		}
		where := "every environment"
		if h.Env != "" {
			where = "`" + h.Env + "`"
		}
		fmt.Fprintf(b, "- `%s` in %s, by `@%s` since %s", h.App, where, h.By, h.Since.UTC().Format(time.RFC3339))
		if h.Reason != "" {
			b.WriteString(": " + oneLine(h.Reason))
		}
		b.WriteString("\n")
		n++
	}
	if n == 0 {
		b.WriteString("None.\n")
	}
}

func renderPending(b *strings.Builder, v StatusView) {
	b.WriteString("\n**Gates in progress**\n\n")
	n := 0
	for _, p := range v.Pending {
		if v.App != "" && p.App != v.App {
			continue
		}
		for _, g := range p.Gates {
			mark := "✅"
			if !g.OK {
				mark = "⏳"
			}
			fmt.Fprintf(b, "- `%s` → `%s` %s %s: %s", p.App, p.Env, mark, g.Name, oneLine(g.Detail))
			if !g.OK && !g.Until.IsZero() {
				b.WriteString(" (until " + g.Until.UTC().Format(time.RFC3339) + ")")
			}
			b.WriteString("\n")
			n++
		}
	}
	if n == 0 {
		b.WriteString("None.\n")
	}
}

// renderRefused lists the tags refused for their signature, one line each
// in explain's words ("tag: detail [unverified]"); nothing when there are
// none, so repositories that require no signatures see no section.
func renderRefused(b *strings.Builder, v StatusView) {
	n := 0
	for _, r := range v.Refused {
		if v.App != "" && r.App != v.App {
			continue
		}
		if n == 0 {
			b.WriteString("\n**Refused images**\n\n")
		}
		fmt.Fprintf(b, "- `%s` → `%s`: %s: %s [%s]\n", r.App, r.Env, codeSpan(r.Tag), oneLine(r.Detail), tags.ReasonUnverified)
		n++
	}
}
