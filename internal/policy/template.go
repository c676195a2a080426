package policy

import (
	"path"
	"regexp"
	"strings"
	"sync"
)

// MatchOverlay matches the directory p against the overlay template t and
// returns the app and environment directory it stands for. With dir set,
// {env} must be dir; without, {env} is any one segment. A template naming
// a placeholder twice matches only when both occurrences agree. It is the
// one reading of templates: Discover and importers use it alike.
func MatchOverlay(t, dir, p string) (app, env string, ok bool) {
	re := compiledPattern(t, dir)
	m := re.FindStringSubmatch(p)
	if m == nil {
		return "", "", false
	}
	app, env = m[re.SubexpIndex("app")], dir
	if dir == "" {
		env = m[re.SubexpIndex("env")]
	}
	if ok, _ := path.Match(fill(t, globQuote(app), globQuote(env)), p); !ok {
		return "", "", false
	}
	return app, env, true
}

// fill writes app and env in place of every {app} and {env} of t, at once
// as strings.Replacer would (an app named "{env}" stays as it is), without
// building a Replacer for each directory matched.
func fill(t, app, env string) string {
	var b strings.Builder
	for rest := t; rest != ""; {
		switch {
		case strings.HasPrefix(rest, "{app}"):
			b.WriteString(app)
			rest = rest[5:]
		case strings.HasPrefix(rest, "{env}"):
			b.WriteString(env)
			rest = rest[5:]
		default:
			b.WriteByte(rest[0])
			rest = rest[1:]
		}
	}
	return b.String()
}

// patterns memoizes templatePattern: Discover and the checks match every
// overlay directory of a repository against the same few templates, and
// compiling the pattern cost more than all the matching (a fifth of
// `stagehand check` on 300 apps). It is cleared when full, so a process
// serving many repositories keeps at most maxPatterns.
var patterns struct {
	sync.Mutex
	m map[[2]string]*regexp.Regexp
}

const maxPatterns = 256

func compiledPattern(t, dir string) *regexp.Regexp {
	key := [2]string{t, dir}
	patterns.Lock()
	defer patterns.Unlock()
	if re, ok := patterns.m[key]; ok {
		return re
	}
	if patterns.m == nil || len(patterns.m) >= maxPatterns {
		patterns.m = map[[2]string]*regexp.Regexp{}
	}
	re := templatePattern(t, dir)
	patterns.m[key] = re
	return re
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

// ValidName reports whether name may be an app or environment name: it
// appears in branch names, labels and commands.
func ValidName(name string) bool { return validName(name) }
