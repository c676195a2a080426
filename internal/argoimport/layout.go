package argoimport

import (
	"path"
	"regexp"
	"slices"
	"strings"

	"github.com/stagehand-gitops/stagehand/internal/policy"
)

// Layout is what the translation knows of the target policy: its overlay
// templates and its environments.
type Layout struct {
	// Overlays holds the templates, with {app}, {env} and * segments.
	Overlays []string
	// Environments in promotion order. Empty means none is known yet: every
	// distinct {env} directory the Applications deploy becomes one.
	Environments []Env
}

// Env is an environment's name and the directory {env} stands for.
type Env struct {
	Name string
	Dir  string
}

// LayoutOf returns the layout of an existing policy.
func LayoutOf(p *policy.Policy) Layout {
	l := Layout{Overlays: slices.Clone(p.Overlays)}
	for _, e := range p.Environments {
		l.Environments = append(l.Environments, Env{Name: e.Name, Dir: e.Dir})
	}
	return l
}

// DefaultLayout is the layout without a policy: the default template and
// environments found from the Applications.
func DefaultLayout() Layout {
	return Layout{Overlays: []string{policy.DefaultOverlays}}
}

// locate returns the app and the environment directory an Application
// path deploys, against the first template (in order) and environment (in
// promotion order) it matches.
func (l Layout) locate(p string) (app, dir string, ok bool) {
	p = strings.TrimPrefix(path.Clean(strings.TrimPrefix(strings.TrimSpace(p), "/")), "./")
	for _, t := range l.Overlays {
		if len(l.Environments) == 0 {
			if app, dir, ok := match(t, "", p); ok {
				return app, dir, true
			}
			continue
		}
		for _, e := range l.Environments {
			if app, _, ok := match(t, e.Dir, p); ok {
				return app, e.Dir, true
			}
		}
	}
	return "", "", false
}

// match matches p against template t. With dir set, {env} must be dir;
// without, {env} is any one segment. A template naming a placeholder
// twice matches only when both occurrences agree.
func match(t, dir, p string) (app, env string, ok bool) {
	re := templatePattern(t, dir)
	m := re.FindStringSubmatch(p)
	if m == nil {
		return "", "", false
	}
	app, env = m[re.SubexpIndex("app")], dir
	if dir == "" {
		env = m[re.SubexpIndex("env")]
	}
	full := strings.NewReplacer("{app}", globQuote(app), "{env}", globQuote(env)).Replace(t)
	if ok, _ := path.Match(full, p); !ok {
		return "", "", false
	}
	return app, env, true
}

// templatePattern compiles a template into a regular expression whose
// group "app" is the first {app} segment and, without dir, whose group
// "env" is the first {env} segment.
func templatePattern(t, dir string) *regexp.Regexp {
	var b strings.Builder
	b.WriteString("^")
	captured := map[string]bool{}
	for rest := t; rest != ""; {
		switch {
		case strings.HasPrefix(rest, "{app}") || (dir == "" && strings.HasPrefix(rest, "{env}")):
			ph := rest[:5]
			switch {
			case captured[ph]:
				b.WriteString("[^/]+")
			case ph == "{app}":
				b.WriteString("(?P<app>[^/]+)")
			default:
				b.WriteString("(?P<env>[^/]+)")
			}
			captured[ph] = true
			rest = rest[5:]
		case strings.HasPrefix(rest, "{env}"):
			b.WriteString(regexp.QuoteMeta(dir))
			rest = rest[5:]
		case rest[0] == '*':
			b.WriteString("[^/]*")
			rest = rest[1:]
		default:
			b.WriteString(regexp.QuoteMeta(rest[:1]))
			rest = rest[1:]
		}
	}
	b.WriteString("$")
	return regexp.MustCompile(b.String())
}

// globQuote escapes the characters path.Match treats specially.
func globQuote(s string) string {
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune(`*?[]\`, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}
