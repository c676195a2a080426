package policy

import (
	"errors"
	"fmt"
	"path"
	"regexp"
	"regexp/syntax"
	"strings"
	"sync"

	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/stagehand-gitops/stagehand/internal/semver"
	"github.com/stagehand-gitops/stagehand/internal/tags"
)

// validName reports whether name is what app and environment names may
// look like, `^[A-Za-z0-9]([A-Za-z0-9._-]{0,98}[A-Za-z0-9])?$`: they appear
// in branch names (stagehand/<env>/<app>) and in commands. It is written
// out because that expression's bounded repetition costs a quarter of a
// millisecond to compile, in every command that reads a policy;
// FuzzValidName holds the two to each other.
func validName(name string) bool {
	if len(name) == 0 || len(name) > 100 {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' {
			continue
		}
		if i == 0 || i == len(name)-1 || c != '.' && c != '_' && c != '-' {
			return false
		}
	}
	return true
}

func (d *decoder) name(p pair, what, name string) bool {
	if validName(name) {
		return true
	}
	d.errorf(d.deref(p.val), "%s name %q is not valid; use letters, digits, '.', '_' and '-' (at most 100, starting and ending with a letter or digit)", what, name)
	return false
}

func (d *decoder) dir(p pair, dir string) bool {
	if msg := checkRelPath(dir); msg != "" {
		d.errorf(d.deref(p.val), "dir: %q %s", dir, msg)
		return false
	}
	if strings.ContainsAny(dir, "{}") {
		d.errorf(d.deref(p.val), "dir: %q may not hold { or }", dir)
		return false
	}
	return true
}

// checkRelPath says what is wrong with a slash-separated relative path that
// must not escape the repository or hold glob characters, or "" when nothing.
func checkRelPath(s string) string {
	switch {
	case s == "":
		return "is empty"
	case strings.HasPrefix(s, "/"):
		return "must be relative to the repository root"
	case strings.ContainsAny(s, `?[]\`):
		return `may not hold ?, [, ] or \`
	}
	for _, seg := range strings.Split(s, "/") {
		if seg == "" || seg == "." || seg == ".." {
			return "may not hold empty, . or .. segments"
		}
	}
	return ""
}

var placeholder = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`\{[^{}]*\}`) })

// templates checks the overlay templates.
func (d *decoder) templates(p pair, list []string) {
	v := d.deref(p.val)
	for i, t := range list {
		n := v
		if v.Kind == yaml.SequenceNode {
			n = d.deref(v.Content[i])
		}
		if n == nil {
			return
		}
		if msg := checkRelPath(strings.ReplaceAll(t, "*", "x")); msg != "" {
			d.errorf(n, "overlays: template %q %s", t, msg)
			continue
		}
		bad := false
		for _, ph := range placeholder().FindAllString(t, -1) {
			if ph != "{app}" && ph != "{env}" {
				d.errorf(n, "overlays: template %q has unknown placeholder %s; use {app} and {env}", t, ph)
				bad = true
			}
		}
		if bad {
			continue
		}
		if strings.ContainsAny(placeholder().ReplaceAllString(t, ""), "{}") {
			d.errorf(n, "overlays: template %q has an unclosed { or }", t)
			continue
		}
		for _, ph := range []string{"{app}", "{env}"} {
			if !strings.Contains(t, ph) {
				d.errorf(n, "overlays: template %q has no %s placeholder", t, ph)
			}
		}
	}
	if len(list) == 0 {
		d.errorf(v, "overlays: the list is empty; leave overlays out for the default %q", DefaultOverlays)
	}
}

func (d *decoder) strategy(p pair, s string) bool {
	for _, st := range tags.Strategies {
		if string(st) == s {
			return true
		}
	}
	names := make([]string, len(tags.Strategies))
	for i, st := range tags.Strategies {
		names[i] = string(st)
	}
	d.errorf(d.deref(p.val), "strategy: unknown strategy %q; want one of %s%s", s, strings.Join(names, ", "), didYouMean(s, names))
	return false
}

func (d *decoder) regexp(p pair, s string) bool {
	if _, err := regexp.Compile(s); err != nil {
		d.errorf(d.deref(p.val), "%s: invalid regular expression %q: %s", p.key.Value, s, regexpReason(err))
		return false
	}
	return true
}

func regexpReason(err error) string {
	var se *syntax.Error
	if errors.As(err, &se) {
		return fmt.Sprintf("%s: `%s`", se.Code, se.Expr)
	}
	return err.Error()
}

func (d *decoder) extract(p pair, s string) bool {
	if !d.regexp(p, s) {
		return false
	}
	re := regexp.MustCompile(s)
	if re.NumSubexp() == 0 {
		d.errorf(d.deref(p.val), "extract: the regular expression %q has no group; capture the version with (?P<version>...)", s)
		return false
	}
	return true
}

func (d *decoder) constraint(p pair, s string) bool {
	if _, err := semver.NewConstraint(s); err != nil {
		d.errorf(d.deref(p.val), "%s: invalid semver constraint %q: %v", p.key.Value, s, err)
		return false
	}
	return true
}

// globs checks path.Match patterns, reporting each bad one at its item.
func (d *decoder) globs(p pair, list []string) bool {
	v := d.deref(p.val)
	ok := true
	for i, g := range list {
		if _, err := path.Match(g, ""); err != nil {
			n := v
			if v.Kind == yaml.SequenceNode && i < len(v.Content) {
				n = d.deref(v.Content[i])
			}
			d.errorf(n, "%s: invalid glob %q: %v", p.key.Value, g, err)
			ok = false
		}
	}
	return ok
}

// crossCheck runs the tag chooser's own rule check on every rule the
// policy yields, so that a policy Parse accepts never fails later in
// tags.Choose. Field checks above report problems with better positions;
// this only runs when they found none.
func (d *decoder) crossCheck(p *Policy) {
	if len(d.errs) > 0 {
		return
	}
	for _, e := range p.Environments {
		r := tags.Rule{Strategy: p.Defaults.Strategy, Extract: p.Defaults.Extract, Filters: []tags.Filter{
			{Source: "defaults", Constraint: p.Defaults.Constraint, AllowTags: p.Defaults.AllowTags, IgnoreTags: p.Defaults.IgnoreTags},
			{Source: e.Name + "'s channel", Constraint: e.Constraint, AllowTags: e.AllowTags, IgnoreTags: e.IgnoreTags},
		}}
		if err := tags.ValidateRule(r); err != nil {
			d.add(e.Line, 1, fmt.Sprintf("environment %q: the tag rule is invalid: %v", e.Name, err))
		}
	}
	for _, a := range p.Apps {
		for _, img := range a.Images {
			for _, e := range p.Environments {
				r, _ := p.Rule(a.Name, img.Name, e.Name)
				if err := tags.ValidateRule(r); err != nil {
					d.add(img.Line, img.Col, fmt.Sprintf("image %q of app %q in %s: the tag rule is invalid: %v", img.Name, a.Name, e.Name, err))
				}
			}
		}
	}
}
