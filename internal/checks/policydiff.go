package checks

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/stagehand-gitops/stagehand/internal/policy"
)

// PolicyDiff is rule 9's outcome for a pull request that changes the
// policy file: whether the head's policy validates, and what it changes.
type PolicyDiff struct {
	Valid bool `json:"valid"`
	// Problems are the head policy's validation errors, file:line:col: msg.
	Problems []string `json:"problems,omitempty"`
	// Effects say what the change does, one sentence each:
	// "prod soak 1h → 10m", "staging promotion auto → manual".
	Effects []string `json:"effects,omitempty"`
}

// Effects describes what changes between two valid policies, one short
// sentence per change, in the order of the policy file's sections. A nil
// before means the policy is added.
func Effects(before, after *policy.Policy) []string {
	if before == nil {
		return []string{"policy added: " + plural(len(after.Environments), "environment") + ", " + plural(len(after.Apps), "app")}
	}
	var out []string
	add := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }
	if a, b := strings.Join(before.Overlays, ", "), strings.Join(after.Overlays, ", "); a != b {
		add("overlays %s → %s", a, b)
	}
	if before.Discovery != after.Discovery {
		add("discover %t → %t", before.Discovery, after.Discovery)
	}
	if a, b := list(before.Exclude), list(after.Exclude); a != b {
		add("exclude %s → %s", a, b)
	}
	out = append(out, envEffects(before, after)...)
	for _, f := range ruleFields {
		if a, b := f.get(before.Defaults), f.get(after.Defaults); a != b {
			add("defaults %s %s → %s", f.name, a, b)
		}
	}
	return append(out, appEffects(before, after)...)
}

func envEffects(before, after *policy.Policy) []string {
	var out []string
	names := func(p *policy.Policy) []string {
		var n []string
		for _, e := range p.Environments {
			n = append(n, e.Name)
		}
		return n
	}
	bn, an := names(before), names(after)
	for _, e := range after.Environments {
		if !slices.Contains(bn, e.Name) {
			out = append(out, "environment "+e.Name+" added")
		}
	}
	for _, n := range bn {
		if !slices.Contains(an, n) {
			out = append(out, "environment "+n+" removed")
		}
	}
	if common(bn, an) {
		out = append(out, "promotion order "+strings.Join(bn, " → ")+" becomes "+strings.Join(an, " → "))
	}
	for _, e := range after.Environments {
		i := before.EnvIndex(e.Name)
		if i < 0 {
			continue
		}
		for _, f := range envFields {
			if a, b := f.get(before.Environments[i]), f.get(e); a != b {
				out = append(out, fmt.Sprintf("%s %s %s → %s", e.Name, f.name, a, b))
			}
		}
	}
	return out
}

// common reports whether the environments both lists share appear in a
// different order.
func common(a, b []string) bool {
	var x, y []string
	for _, n := range a {
		if slices.Contains(b, n) {
			x = append(x, n)
		}
	}
	for _, n := range b {
		if slices.Contains(a, n) {
			y = append(y, n)
		}
	}
	return !slices.Equal(x, y)
}

func appEffects(before, after *policy.Policy) []string {
	var out []string
	for _, a := range after.Apps {
		old, ok := before.App(a.Name)
		if !ok {
			out = append(out, a.Name+" added")
			continue
		}
		out = append(out, imageEffects(old, a)...)
		for _, env := range after.Environments {
			o, n := old.Environments[env.Name], a.Environments[env.Name]
			for _, f := range overrideFields {
				if x, y := f.get(o), f.get(n); x != y {
					out = append(out, fmt.Sprintf("%s %s %s %s → %s", a.Name, env.Name, f.name, x, y))
				}
			}
		}
	}
	for _, a := range before.Apps {
		if _, ok := after.App(a.Name); !ok {
			out = append(out, a.Name+" removed")
		}
	}
	return out
}

func imageEffects(old, app policy.App) []string {
	var out []string
	for _, img := range app.Images {
		o, ok := old.Image(img.Name)
		if !ok {
			out = append(out, fmt.Sprintf("%s image %s added", app.Name, img.Name))
			continue
		}
		for _, f := range ruleFields {
			if a, b := f.get(o.ImageRule), f.get(img.ImageRule); a != b {
				out = append(out, fmt.Sprintf("%s image %s %s %s → %s", app.Name, img.Name, f.name, a, b))
			}
		}
	}
	for _, img := range old.Images {
		if _, ok := app.Image(img.Name); !ok {
			out = append(out, fmt.Sprintf("%s image %s removed", app.Name, img.Name))
		}
	}
	return out
}

type fieldOf[T any] struct {
	name string
	get  func(T) string
}

var envFields = []fieldOf[policy.Environment]{
	{"dir", func(e policy.Environment) string { return e.Dir }},
	{"promotion", func(e policy.Environment) string { return string(e.Promotion) }},
	{"autoMerge", func(e policy.Environment) string { return strconv.FormatBool(e.AutoMerge) }},
	{"prerelease", func(e policy.Environment) string { return strconv.FormatBool(e.Prerelease) }},
	{"soak", func(e policy.Environment) string { return duration(e.Soak) }},
	{"requireHealthy", func(e policy.Environment) string { return strconv.FormatBool(e.RequireHealthy) }},
	{"promoters", func(e policy.Environment) string { return list(e.Promoters) }},
	{"freeze", func(e policy.Environment) string { return freezes(e.Freeze) }},
	{"carry", func(e policy.Environment) string { return string(e.Carry) }},
	{"constraint", func(e policy.Environment) string { return value(e.Constraint) }},
	{"allowTags", func(e policy.Environment) string { return value(e.AllowTags) }},
	{"ignoreTags", func(e policy.Environment) string { return list(e.IgnoreTags) }},
}

var ruleFields = []fieldOf[policy.ImageRule]{
	{"strategy", func(r policy.ImageRule) string { return value(string(r.Strategy)) }},
	{"constraint", func(r policy.ImageRule) string { return value(r.Constraint) }},
	{"allowTags", func(r policy.ImageRule) string { return value(r.AllowTags) }},
	{"ignoreTags", func(r policy.ImageRule) string { return list(r.IgnoreTags) }},
	{"extract", func(r policy.ImageRule) string { return value(r.Extract) }},
	{"pinDigest", func(r policy.ImageRule) string { return strconv.FormatBool(r.PinDigest) }},
}

var overrideFields = []fieldOf[policy.EnvOverride]{
	{"dir", func(o policy.EnvOverride) string { return ptr(o.Dir, func(s string) string { return s }) }},
	{"promotion", func(o policy.EnvOverride) string {
		return ptr(o.Promotion, func(p policy.Promotion) string { return string(p) })
	}},
	{"autoMerge", func(o policy.EnvOverride) string { return ptr(o.AutoMerge, strconv.FormatBool) }},
	{"prerelease", func(o policy.EnvOverride) string { return ptr(o.Prerelease, strconv.FormatBool) }},
	{"soak", func(o policy.EnvOverride) string { return ptr(o.Soak, duration) }},
	{"requireHealthy", func(o policy.EnvOverride) string { return ptr(o.RequireHealthy, strconv.FormatBool) }},
	{"promoters", func(o policy.EnvOverride) string {
		if o.Promoters == nil {
			return "—"
		}
		return list(o.Promoters)
	}},
	{"freeze", func(o policy.EnvOverride) string { return freezes(o.Freeze) }},
	{"carry", func(o policy.EnvOverride) string {
		return ptr(o.Carry, func(c policy.Carry) string { return string(c) })
	}},
	{"constraint", func(o policy.EnvOverride) string { return value(o.Constraint) }},
	{"allowTags", func(o policy.EnvOverride) string { return value(o.AllowTags) }},
	{"ignoreTags", func(o policy.EnvOverride) string { return list(o.IgnoreTags) }},
}

func ptr[T any](p *T, f func(T) string) string {
	if p == nil {
		return "—"
	}
	return f(*p)
}

func value(s string) string {
	if s == "" {
		return "—"
	}
	return "`" + s + "`"
}

func list(s []string) string {
	if len(s) == 0 {
		return "—"
	}
	return "[" + strings.Join(s, ", ") + "]"
}

func freezes(ws []policy.FreezeWindow) string {
	if len(ws) == 0 {
		return "—"
	}
	parts := make([]string, len(ws))
	for i, w := range ws {
		if w.Cron != "" {
			parts[i] = fmt.Sprintf("%s for %s", w.Cron, duration(w.Duration))
			if w.Timezone != "" {
				parts[i] += " " + w.Timezone
			}
			continue
		}
		parts[i] = w.From.UTC().Format(time.RFC3339) + " – " + w.To.UTC().Format(time.RFC3339)
	}
	return strings.Join(parts, "; ")
}

// duration formats a duration the way people write them in a policy:
// 1h, 10m, 1h30m, 90s; zero is "0".
func duration(d time.Duration) string {
	if d == 0 {
		return "0"
	}
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return strconv.Itoa(n) + " " + word + "s"
}
