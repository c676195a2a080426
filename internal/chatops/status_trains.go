package chatops

import (
	"fmt"
	"strings"
)

// TrainStatus is whether a group may move into one of its environments.
type TrainStatus struct {
	Group, Env string
	// UpToDate: every member already runs what the previous environment runs.
	UpToDate bool
	// Holding are the members that hold the train back, with why; empty
	// when it is ready (or up to date).
	Holding []TrainHold
	// Problem is why the train could not be planned; "" when it was.
	Problem string
}

// TrainHold is one member holding a train back, and why.
type TrainHold struct {
	App     string
	Reasons []string
}

// renderTrains lists the trains, when the policy has groups: ready, up to
// date, or held back by which member and why.
func renderTrains(b *strings.Builder, v StatusView) {
	if len(v.Trains) == 0 {
		return
	}
	b.WriteString("\n**Release trains**\n\n")
	for _, t := range v.Trains {
		fmt.Fprintf(b, "- `%s` → `%s`: ", t.Group, t.Env)
		switch {
		case t.Problem != "":
			b.WriteString("cannot tell: " + oneLine(t.Problem))
		case t.UpToDate:
			b.WriteString("up to date")
		case len(t.Holding) == 0:
			fmt.Fprintf(b, "ready: `/promote %s to %s`", t.Group, t.Env)
		default:
			parts := make([]string, len(t.Holding))
			for i, h := range t.Holding {
				parts[i] = fmt.Sprintf("`%s` (%s)", h.App, oneLine(strings.Join(h.Reasons, "; ")))
			}
			b.WriteString("⏳ held back by " + strings.Join(parts, ", "))
		}
		b.WriteString("\n")
	}
}
