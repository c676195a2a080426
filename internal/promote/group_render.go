package promote

import (
	"fmt"
	"strings"
)

// GroupBody renders a group pull request's description: one release, a
// table of every member's from → to, whether a member holds it back and
// why, and each file. It is markdown and deterministic.
func GroupBody(g GroupProposal) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Stagehand releases the group **%s** to **%s**: %d apps, one commit.\n\n", g.Group, g.Env, len(g.Members))
	b.WriteString("| app | image | from | to |\n|---|---|---|---|\n")
	for _, m := range g.Members {
		for _, c := range m.Changes {
			fmt.Fprintf(&b, "| %s | `%s` | %s | %s |\n", m.App, c.Image, cellText(c.From), cellText(c.To))
		}
		for _, w := range m.Waiting {
			fmt.Fprintf(&b, "| %s | `%s` | | _waiting_ |\n", m.App, w.Image)
		}
		if len(m.Changes) == 0 && len(m.Waiting) == 0 {
			fmt.Fprintf(&b, "| %s | | | _unchanged_ |\n", m.App)
		}
	}
	b.WriteString("\n")
	b.WriteString(GroupReadiness(g))
	b.WriteString("\n")
	writeFiles(&b, g.Files)
	b.WriteString("\n<sub>Opened by Stagehand. The members move together: a newer version of any member updates this pull request in place; ")
	b.WriteString("closing it without merging leaves every member as it is.</sub>\n")
	return b.String()
}

// GroupReadiness says whether the group may move: that every member is
// ready, or which members hold it back and why, one line each. /status
// shows it too.
func GroupReadiness(g GroupProposal) string {
	holding := g.Holding()
	if len(holding) == 0 {
		return fmt.Sprintf("Ready: every member of %s runs in %s what moves here, and every member's gates into %s hold.\n", g.Group, g.From, g.Env)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "**Held back** by %d of %d members; the group moves when every member is ready:\n", len(holding), len(g.Members))
	for _, m := range holding {
		fmt.Fprintf(&b, "- %s: %s\n", m.App, strings.Join(m.Holds(), "; "))
	}
	if !g.Until.IsZero() {
		fmt.Fprintf(&b, "\nThe first time-based gate lifts at %s.\n", g.Until.UTC().Format("2006-01-02T15:04:05Z"))
	}
	return b.String()
}
