package tags

import (
	"fmt"
	"path"
	"regexp"
	"slices"
	"strings"

	"github.com/stagehand-gitops/stagehand/internal/semver"
)

// RuleError is an invalid field of a Rule.
type RuleError struct {
	Source string // the filter's Source, or "" for the rule's own fields
	Field  string // "strategy", "extract", "constraint", "allowTags", "ignoreTags[1]"
	Err    error
}

// Error implements error.
func (e *RuleError) Error() string {
	if e.Source == "" {
		return fmt.Sprintf("%s: %v", e.Field, e.Err)
	}
	return fmt.Sprintf("%s: %s: %v", e.Source, e.Field, e.Err)
}

// Unwrap returns the underlying error.
func (e *RuleError) Unwrap() error { return e.Err }

// ValidateRule checks that r's strategy is known and that its regexps,
// constraints and globs compile. The error is a *RuleError naming the field.
func ValidateRule(r Rule) error {
	_, err := compileRule(r)
	return err
}

// compiled is a Rule ready to apply.
type compiled struct {
	strategy Strategy
	extract  *extractor
	filters  []compiledFilter
	// anyAllow is whether some filter has an allowTags regexp, which then
	// admits suffixed tags when there is no current version to follow.
	anyAllow bool
	// needVersion is whether some filter has a constraint.
	needVersion bool
}

type compiledFilter struct {
	Filter
	allow      *regexp.Regexp
	ignore     []glob
	constraint *semver.Constraints
	// groups are the constraint's "||" alternatives, each compiled twice:
	// as written, and including prereleases.
	groups []constraintGroup
	// The details are built once per Choose, not once per rejected tag.
	allowDetail, constraintDetail string
}

type constraintGroup struct {
	plain, withPre *semver.Constraints
}

func compileRule(r Rule) (*compiled, error) {
	c := &compiled{strategy: r.Strategy}
	if c.strategy == "" {
		c.strategy = SemVer
	}
	if !slices.Contains(Strategies, c.strategy) {
		return nil, &RuleError{Field: "strategy", Err: fmt.Errorf("unknown strategy %q (want one of %s)", r.Strategy, strategyList())}
	}
	x, err := compileExtract(r.Extract)
	if err != nil {
		return nil, &RuleError{Field: "extract", Err: err}
	}
	c.extract = x
	for _, f := range r.Filters {
		cf, err := compileFilter(f)
		if err != nil {
			return nil, err
		}
		c.anyAllow = c.anyAllow || cf.allow != nil
		c.needVersion = c.needVersion || cf.constraint != nil
		c.filters = append(c.filters, cf)
	}
	return c, nil
}

func compileFilter(f Filter) (compiledFilter, error) {
	if f.Source == "" {
		f.Source = "rule"
	}
	cf := compiledFilter{Filter: f}
	fail := func(field string, err error) (compiledFilter, error) {
		return compiledFilter{}, &RuleError{Source: f.Source, Field: field, Err: err}
	}
	if f.AllowTags != "" {
		re, err := regexp.Compile(f.AllowTags)
		if err != nil {
			return fail("allowTags", err)
		}
		cf.allow = re
		cf.allowDetail = "does not match allowTags " + f.AllowTags + " (" + f.Source + ")"
		if strings.HasSuffix(f.Source, "channel") {
			cf.allowDetail = "not in " + f.Source + " (allowTags " + f.AllowTags + ")"
		}
	}
	for i, g := range f.IgnoreTags {
		if _, err := path.Match(g, ""); err != nil {
			return fail(fmt.Sprintf("ignoreTags[%d]", i), fmt.Errorf("glob %q: %w", g, err))
		}
		glob := compileGlob(g)
		glob.detail = "matches ignoreTags " + g + " (" + f.Source + ")"
		cf.ignore = append(cf.ignore, glob)
	}
	if strings.TrimSpace(f.Constraint) != "" {
		cs, err := semver.NewConstraint(f.Constraint)
		if err != nil {
			return fail("constraint", fmt.Errorf("%q: %w", f.Constraint, err))
		}
		cf.constraint = cs
		cf.constraintDetail = "outside constraint " + f.Constraint + " (" + f.Source + ")"
		for alt := range strings.SplitSeq(f.Constraint, "||") {
			plain, err := semver.NewConstraint(alt)
			if err != nil {
				return fail("constraint", fmt.Errorf("%q: %w", alt, err))
			}
			withPre := *plain
			withPre.IncludePrerelease = true
			cf.groups = append(cf.groups, constraintGroup{plain: plain, withPre: &withPre})
		}
	}
	return cf, nil
}

func strategyList() string {
	names := make([]string, len(Strategies))
	for i, s := range Strategies {
		names[i] = string(s)
	}
	return strings.Join(names, ", ")
}

// admits reports whether the filter's constraint admits v. A release is
// checked as Masterminds does. A prerelease (which only reaches this check
// in an environment that takes prereleases) is admitted by an alternative
// of the constraint when it lies in that alternative's range counting
// prereleases, and its release (1.6.0 for 1.6.0-rc.1) is admitted too, or
// the alternative itself names a prerelease. So ^1.0.0 admits 1.6.0-rc.1
// but neither 1.0.0-rc.1 nor 2.0.0-rc.1, and <2.0.0 refuses 2.0.0-rc.1.
func (f *compiledFilter) admits(v *version) bool {
	if f.constraint == nil {
		return true
	}
	sv, err := v.semver()
	if err != nil {
		return false
	}
	if v.pre == "" {
		return f.constraint.Check(sv)
	}
	release, err := semver.StrictNewVersion(v.release())
	if err != nil {
		return false
	}
	for _, g := range f.groups {
		if g.withPre.Check(sv) && (g.withPre.Check(release) || g.plain.Check(sv)) {
			return true
		}
	}
	return false
}

// glob is an ignoreTags pattern with a fast path for the common shapes
// "x", "x*", "*x" and "*x*"; every other pattern goes to path.Match.
type glob struct {
	pattern string
	detail  string // the rejection detail, naming the filter's source
	literal string
	prefix  bool // a leading "*"
	suffix  bool // a trailing "*"
	general bool
}

func compileGlob(pattern string) glob {
	g := glob{pattern: pattern}
	lit := pattern
	if strings.HasPrefix(lit, "*") {
		g.prefix, lit = true, lit[1:]
	}
	if strings.HasSuffix(lit, "*") {
		g.suffix, lit = true, lit[:len(lit)-1]
	}
	g.literal = lit
	g.general = strings.ContainsAny(lit, `*?[\`)
	return g
}

func (g glob) match(tag string) bool {
	if g.general || (g.prefix || g.suffix) && strings.Contains(tag, "/") {
		ok, _ := path.Match(g.pattern, tag)
		return ok
	}
	switch {
	case g.prefix && g.suffix:
		return strings.Contains(tag, g.literal)
	case g.prefix:
		return strings.HasSuffix(tag, g.literal)
	case g.suffix:
		return strings.HasPrefix(tag, g.literal)
	}
	return tag == g.literal
}
