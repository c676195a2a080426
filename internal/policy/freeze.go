package policy

import (
	"strings"
	"time"

	"github.com/robfig/cron/v3"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// maxChain bounds how many back-to-back recurring windows Active follows
// to find where a freeze ends.
const maxChain = 1000

// FreezeWindow is a time in which nothing is promoted into an environment:
// either absolute (From, To) or recurring (Cron, Duration, Timezone).
type FreezeWindow struct {
	From, To time.Time
	// Cron is a standard five-field cron expression (or a descriptor such
	// as @weekly) for the start of each window, read in Timezone.
	Cron     string
	Duration time.Duration
	// Timezone is an IANA zone name; empty means UTC.
	Timezone string
	// Line is where the window is defined.
	Line int

	schedule cron.Schedule
	loc      *time.Location
}

// Active reports whether t falls inside the window and, when it does, when
// the freeze ends. For a recurring window whose occurrences overlap or
// touch, the end is that of the last occurrence in the chain (following at
// most 1000 occurrences).
func (w FreezeWindow) Active(t time.Time) (bool, time.Time) {
	if w.Cron == "" {
		if !t.Before(w.From) && t.Before(w.To) {
			return true, w.To
		}
		return false, time.Time{}
	}
	if w.schedule == nil || w.Duration <= 0 {
		return false, time.Time{}
	}
	loc := w.loc
	if loc == nil {
		loc = time.UTC
	}
	// The first start strictly after t-Duration is the only one whose
	// window can hold t.
	start := w.schedule.Next(t.In(loc).Add(-w.Duration))
	if start.IsZero() || start.After(t) {
		return false, time.Time{}
	}
	end := start.Add(w.Duration)
	for i := 0; i < maxChain; i++ {
		next := w.schedule.Next(start)
		if next.IsZero() || next.After(end) {
			break
		}
		start, end = next, next.Add(w.Duration)
	}
	return true, end
}

// window validates a decoded freeze window and compiles its schedule.
func (d *decoder) window(n *yaml.Node, m map[string]pair, w FreezeWindow, from, to, spec, tz string) (FreezeWindow, bool) {
	_, hasFrom := m["from"]
	_, hasTo := m["to"]
	_, hasCron := m["cron"]
	_, hasDur := m["duration"]
	_, hasTZ := m["timezone"]
	switch {
	case hasCron && (hasFrom || hasTo):
		d.errorf(n, "freeze: a window is either from/to or cron/duration, not both")
		return w, false
	case hasCron:
		return d.recurring(m, w, spec, tz, hasDur)
	case hasFrom || hasTo:
		if hasDur || hasTZ {
			key := "duration"
			if !hasDur {
				key = "timezone"
			}
			d.errorf(m[key].key, "freeze: %s belongs to a cron window; a from/to window takes times with their offset", key)
			return w, false
		}
		return d.absolute(n, m, w, from, to, hasFrom, hasTo)
	default:
		d.errorf(n, "freeze: a window needs from and to, or cron and duration")
		return w, false
	}
}

func (d *decoder) absolute(n *yaml.Node, m map[string]pair, w FreezeWindow, from, to string, hasFrom, hasTo bool) (FreezeWindow, bool) {
	if !hasFrom || !hasTo {
		missing := "from"
		if hasFrom {
			missing = "to"
		}
		d.errorf(n, "freeze: %s is missing; a window needs both from and to", missing)
		return w, false
	}
	ok := true
	parse := func(key, s string) time.Time {
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			d.errorf(d.deref(m[key].val), "freeze: %s: invalid time %q; use RFC 3339, such as 2026-12-20T00:00:00Z", key, s)
			ok = false
		}
		return t
	}
	w.From, w.To = parse("from", from), parse("to", to)
	if ok && !w.From.Before(w.To) {
		d.errorf(d.deref(m["from"].val), "freeze: from (%s) is not before to (%s)", from, to)
		ok = false
	}
	return w, ok
}

func (d *decoder) recurring(m map[string]pair, w FreezeWindow, spec, tz string, hasDur bool) (FreezeWindow, bool) {
	ok := true
	w.Cron, w.Timezone = spec, tz
	sched, err := cron.ParseStandard(spec)
	if err != nil {
		reason, _, _ := strings.Cut(err.Error(), ": strconv.")
		d.errorf(d.deref(m["cron"].val), "freeze: invalid cron expression %q: %s", spec, reason)
		ok = false
	}
	w.schedule = sched
	w.loc = time.UTC
	if tz != "" {
		loc, err := time.LoadLocation(tz)
		if err != nil || tz == "Local" {
			d.errorf(d.deref(m["timezone"].val), "freeze: unknown timezone %q; use an IANA name such as Europe/Berlin", tz)
			ok = false
		}
		w.loc = loc
	}
	if !hasDur {
		d.errorf(m["cron"].key, "freeze: a cron window needs a duration, such as duration: 64h")
		ok = false
	} else if w.Duration <= 0 {
		d.errorf(d.deref(m["duration"].val), "freeze: duration must be positive")
		ok = false
	}
	return w, ok
}
