package tags

import (
	"fmt"
	"math/big"
	"math/rand/v2"
	"path"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stagehand-gitops/stagehand/internal/semver"
)

// randomRequest draws a request from small pools, so that collisions,
// duplicates, suffixes and prereleases are common.
func randomRequest(r *rand.Rand) Request {
	pick := func(xs ...string) string { return xs[r.IntN(len(xs))] }
	tag := func() string {
		switch r.IntN(10) {
		case 0:
			return pick("latest", "917005", "3f4a9bc", "1.2", "main", "42", "007", "2026-01-02")
		case 2:
			return pick("2.0.0-rc.1", "v2.0.0-rc1", "1.0.0-rc1", "1.2.0-rc.2", "2.1.0-dev")
		case 1:
			return fmt.Sprint(r.IntN(50))
		}
		s := fmt.Sprintf("%s%d.%d.%d", pick("", "v"), r.IntN(3), r.IntN(4), r.IntN(4))
		s += pick("", "", "", "-rc1", "-rc2", "-rc10", "-rc.2", "-rc.10", "-dev", "-beta.1")
		return s + pick("", "", "", "", "-alpine", "-debian", "-linux")
	}
	req := Request{
		Prerelease: r.IntN(2) == 0,
		Rollback:   r.IntN(6) == 0,
		Env:        "env",
		Rule: Rule{
			Strategy: Strategies[r.IntN(len(Strategies))],
			Extract:  pick("", "", "", `^v?(?P<version>\d+\.\d+\.\d+)`, `^(\d+)`),
		},
	}
	for range r.IntN(25) {
		c := Candidate{Tag: tag()}
		if r.IntN(4) > 0 {
			c.PushedAt = epoch.Add(time.Duration(r.IntN(8)) * time.Hour)
		}
		if r.IntN(4) > 0 {
			c.Digest = pick("sha256:a", "sha256:b", "sha256:c")
		}
		if c.Trust = Trust(r.IntN(3)); c.Trust == Untrusted {
			c.TrustDetail = "no cosign signature"
		}
		req.Candidates = append(req.Candidates, c)
	}
	if r.IntN(4) > 0 {
		req.Current = tag()
		req.CurrentDigest = pick("", "sha256:a", "sha256:b")
		if r.IntN(2) == 0 {
			req.Candidates = append(req.Candidates, Candidate{Tag: req.Current, Digest: pick("", "sha256:a", "sha256:b")})
		}
	}
	if r.IntN(5) == 0 {
		req.Version = pick("0.1.2", "1.2.3", "2.0.0")
	}
	if r.IntN(3) == 0 {
		req.Verify = "signed with keys/cosign.pub"
	}
	for i := range r.IntN(3) {
		req.Rule.Filters = append(req.Rule.Filters, Filter{
			Source:     fmt.Sprintf("filter %d", i),
			Constraint: pick("", "", "^1.0.0", ">=1.2.0 <2.0.0", "~1.2.0 || >=2.1.0", "<2.0.0"),
			AllowTags:  pick("", "", `^v`, `-rc\d+$`, `^\d`, `alpine`),
			IgnoreTags: []string{pick("", "*-debian", "latest", "1.*")},
		})
	}
	return req
}

func TestChooseProperties(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	seen := map[Reason]int{}
	for i := range 3000 {
		req := randomRequest(r)
		d, err := Choose(req)
		if err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		name := fmt.Sprintf("case %d %+v\n%s", i, req, explain(d))
		shuffled := slices.Clone(req.Candidates)
		r.Shuffle(len(shuffled), func(a, b int) { shuffled[a], shuffled[b] = shuffled[b], shuffled[a] })
		again := req
		again.Candidates = shuffled
		if d2, _ := Choose(again); !reflect.DeepEqual(d, d2) {
			t.Fatalf("%s: permuted input gave\n%s", name, explain(d2))
		}
		checkPartition(t, name, req, d)
		o := newOracle(req)
		if d.Found {
			if why := o.violation(d.Chosen); why != "" {
				t.Fatalf("%s: chosen %s breaks a rule: %s", name, d.Chosen.Tag, why)
			}
		}
		for _, rej := range d.Rejected {
			seen[rej.Reason]++
			if why := o.untrue(d, rej); why != "" {
				t.Fatalf("%s: %s rejected as %s (%s), but %s", name, rej.Candidate.Tag, rej.Reason, rej.Detail, why)
			}
		}
	}
	for _, reason := range Reasons {
		if seen[reason] == 0 {
			t.Errorf("no random case was rejected as %s; widen the generator", reason)
		}
	}
}

// checkPartition: every candidate is chosen or rejected exactly once, and
// the rejections are ordered by tag.
func checkPartition(t *testing.T, name string, req Request, d Decision) {
	t.Helper()
	var seen []string
	for _, r := range d.Rejected {
		seen = append(seen, r.Candidate.Tag)
	}
	if d.Found {
		seen = append(seen, d.Chosen.Tag)
	}
	var want []string
	for _, c := range req.Candidates {
		want = append(want, c.Tag)
	}
	slices.Sort(seen)
	slices.Sort(want)
	if !slices.Equal(seen, want) {
		t.Fatalf("%s: chosen and rejected %v, candidates %v", name, seen, want)
	}
	if !slices.IsSortedFunc(d.Rejected, func(a, b Rejection) int { return strings.Compare(a.Candidate.Tag, b.Candidate.Tag) }) {
		t.Fatalf("%s: rejections not ordered by tag", name)
	}
}

// oracle re-checks rules from the request alone, without the chooser.
type oracle struct {
	req     Request
	extract *regexp.Regexp
	cur     *Parsed
}

func newOracle(req Request) *oracle {
	o := &oracle{req: req}
	if req.Rule.Extract != "" {
		o.extract = regexp.MustCompile(req.Rule.Extract)
	}
	if p, err := Parse(req.Current, req.Rule.Extract); err == nil {
		o.cur = &p
	}
	return o
}

func (o *oracle) strategy() Strategy {
	if o.req.Rule.Strategy == "" {
		return SemVer
	}
	return o.req.Rule.Strategy
}

// value is the compared part of a tag, and whether extract matched.
func (o *oracle) value(tag string) (string, bool) {
	if o.extract == nil {
		return tag, true
	}
	m := o.extract.FindStringSubmatch(tag)
	i := max(o.extract.SubexpIndex("version"), 1)
	if m == nil || m[i] == "" {
		return "", false
	}
	return m[i], true
}

// violation says which rule c breaks, or "" when it is eligible.
func (o *oracle) violation(c Candidate) string {
	for _, f := range o.req.Rule.Filters {
		for _, g := range f.IgnoreTags {
			if ok, _ := path.Match(g, c.Tag); ok {
				return "ignored by " + g
			}
		}
		if f.AllowTags != "" && !regexp.MustCompile(f.AllowTags).MatchString(c.Tag) {
			return "not allowed by " + f.AllowTags
		}
	}
	value, ok := o.value(c.Tag)
	if !ok {
		return "extract does not match"
	}
	p, err := Parse(c.Tag, o.req.Rule.Extract)
	s := o.strategy()
	if err != nil && (s == SemVer || o.req.Version != "" || slices.ContainsFunc(o.req.Rule.Filters, func(f Filter) bool { return f.Constraint != "" })) {
		return "not a version"
	}
	if s == Numerical && strings.Trim(value, "0123456789") != "" || s == NewestBuild && c.PushedAt.IsZero() {
		return "no key for the strategy"
	}
	if err == nil {
		if why := o.versionViolation(p); why != "" {
			return why
		}
	}
	if s == Digest {
		if c.Tag != o.req.Current || c.Digest == "" || c.Digest == o.req.CurrentDigest {
			return "not a new digest of the current tag"
		}
		return o.trustViolation(c)
	}
	if cmp, ok := o.compareCurrent(c); ok && (o.req.Rollback && cmp >= 0 || !o.req.Rollback && cmp <= 0) {
		return fmt.Sprintf("compares %d to current", cmp)
	}
	return o.trustViolation(c)
}

func (o *oracle) versionViolation(p Parsed) string {
	v := p.Version
	switch {
	case o.cur != nil && p.Suffix != o.cur.Suffix:
		return "suffix differs from current's"
	case o.cur == nil && p.Suffix != "" && !slices.ContainsFunc(o.req.Rule.Filters, func(f Filter) bool { return f.AllowTags != "" }):
		return "suffix without a current tag"
	case v.Prerelease() != "" && !o.req.Prerelease:
		return "prerelease"
	}
	for _, f := range o.req.Rule.Filters {
		if f.Constraint != "" && !constraintAdmits(f.Constraint, v) {
			return "outside " + f.Constraint
		}
	}
	if o.req.Version != "" {
		want, _ := ParseVersion(o.req.Version, "")
		if v.Major() != want.Major() || v.Minor() != want.Minor() || v.Patch() != want.Patch() {
			return "not the carried version"
		}
	}
	return ""
}

// constraintAdmits is the documented prerelease rule, for constraints that
// name no prerelease: some alternative admits both the version (counting
// prereleases) and its release.
func constraintAdmits(constraint string, v *semver.Version) bool {
	release := semver.New(v.Major(), v.Minor(), v.Patch(), "", "")
	for _, alt := range strings.Split(constraint, "||") {
		cs, err := semver.NewConstraint(alt)
		if err != nil {
			panic(err)
		}
		withPre := *cs
		withPre.IncludePrerelease = true
		if withPre.Check(v) && cs.Check(release) {
			return true
		}
	}
	return false
}

// compareCurrent compares c with the current tag by the strategy; ok is
// false when the current tag gives the strategy nothing to compare.
func (o *oracle) compareCurrent(c Candidate) (int, bool) {
	switch o.strategy() {
	case SemVer:
		if o.cur == nil {
			return 0, false
		}
		v, err := ParseVersion(c.Tag, o.req.Rule.Extract)
		return v.Compare(o.cur.Version), err == nil
	case NewestBuild:
		var cur time.Time
		for _, x := range o.req.Candidates {
			if x.Tag == o.req.Current && x.PushedAt.After(cur) {
				cur = x.PushedAt
			}
		}
		return c.PushedAt.Compare(cur), !cur.IsZero()
	}
	a, okA := o.value(c.Tag)
	b, okB := o.value(o.req.Current)
	if o.strategy() == Numerical {
		x, okX := new(big.Int).SetString(a, 10)
		y, okY := new(big.Int).SetString(b, 10)
		if !okX || !okY || strings.ContainsAny(b, "+-") {
			return 0, false
		}
		return x.Cmp(y), okA && okB
	}
	return strings.Compare(a, b), okB && o.req.Current != ""
}

// untrue says why rej's reason is false of its candidate, or "".
func (o *oracle) trustViolation(c Candidate) string {
	return falseIf(o.req.Verify != "" && c.Trust == Untrusted, "its signature does not verify")
}

func (o *oracle) untrue(d Decision, rej Rejection) string {
	c, tag := rej.Candidate, rej.Candidate.Tag
	anyFilter := func(f func(Filter) bool) bool { return slices.ContainsFunc(o.req.Rule.Filters, f) }
	switch rej.Reason {
	case ReasonDuplicate:
		n := 0
		for _, x := range o.req.Candidates {
			if x.Tag == tag {
				n++
			}
		}
		return falseIf(n < 2, "it is listed once")
	case ReasonIgnoreTags:
		return falseIf(!anyFilter(func(f Filter) bool {
			return slices.ContainsFunc(f.IgnoreTags, func(g string) bool { ok, _ := path.Match(g, tag); return ok })
		}), "no ignoreTags glob matches")
	case ReasonAllowTags:
		return falseIf(!anyFilter(func(f Filter) bool {
			return f.AllowTags != "" && !regexp.MustCompile(f.AllowTags).MatchString(tag)
		}), "every allowTags matches")
	case ReasonNotTracked:
		return falseIf(o.strategy() != Digest || tag == o.req.Current, "it is tracked")
	case ReasonExtract:
		_, ok := o.value(tag)
		return falseIf(ok, "extract matches")
	case ReasonNotVersion:
		_, err := ParseVersion(tag, o.req.Rule.Extract)
		return falseIf(err == nil, "it parses")
	case ReasonNotNumber:
		v, _ := o.value(tag)
		_, isInt := new(big.Int).SetString(v, 10)
		return falseIf(o.strategy() != Numerical || isInt && !strings.ContainsAny(v, "+-"), "it is a number")
	case ReasonNoPushTime:
		return falseIf(!c.PushedAt.IsZero(), "it has a push time")
	case ReasonSuffix, ReasonPrerelease, ReasonConstraint, ReasonVersion:
		p, err := Parse(tag, o.req.Rule.Extract)
		if err != nil {
			return "it does not parse"
		}
		return falseIf(o.versionViolation(p) == "", "it passes every version rule")
	case ReasonNotNewer, ReasonNotOlder:
		cmp, ok := o.compareCurrent(c)
		return falseIf(!ok || rej.Reason == ReasonNotNewer && cmp > 0 || rej.Reason == ReasonNotOlder && cmp < 0,
			fmt.Sprintf("it compares %d to current (comparable %v)", cmp, ok))
	case ReasonNoDigest:
		return falseIf(c.Digest != "", "it has a digest")
	case ReasonSameDigest:
		return falseIf(c.Digest != o.req.CurrentDigest, "its digest is new")
	case ReasonUnverified:
		return falseIf(o.req.Verify == "" || c.Trust != Untrusted, "it is not known to be unsigned")
	case ReasonCollision, ReasonOutranked:
		if why := o.violation(c); why != "" {
			return "it was not eligible: " + why
		}
		if !d.Found {
			return "nothing was chosen"
		}
		cmp := o.compareKeys(c, d.Chosen)
		if rej.Reason == ReasonOutranked {
			return falseIf(cmp > 0 || cmp == 0 && o.strategy() != NewestBuild && !o.collides(d, c), "it ranks above the chosen tag")
		}
		return falseIf(!o.collides(d, c), "no other eligible tag has its key")
	}
	return "unknown reason"
}

func falseIf(cond bool, why string) string {
	if cond {
		return why
	}
	return ""
}

// collides reports whether another eligible candidate has c's key.
func (o *oracle) collides(d Decision, c Candidate) bool {
	others := []Candidate{}
	if d.Found {
		others = append(others, d.Chosen)
	}
	for _, r := range d.Rejected {
		if r.Reason == ReasonCollision || r.Reason == ReasonOutranked {
			others = append(others, r.Candidate)
		}
	}
	return slices.ContainsFunc(others, func(x Candidate) bool { return x.Tag != c.Tag && o.compareKeys(x, c) == 0 })
}

// compareKeys compares two eligible candidates by the strategy alone.
func (o *oracle) compareKeys(a, b Candidate) int {
	switch o.strategy() {
	case SemVer:
		va, _ := ParseVersion(a.Tag, o.req.Rule.Extract)
		vb, _ := ParseVersion(b.Tag, o.req.Rule.Extract)
		return va.Compare(vb)
	case NewestBuild:
		return a.PushedAt.Compare(b.PushedAt)
	}
	va, _ := o.value(a.Tag)
	vb, _ := o.value(b.Tag)
	if o.strategy() == Numerical {
		x, _ := new(big.Int).SetString(va, 10)
		y, _ := new(big.Int).SetString(vb, 10)
		return x.Cmp(y)
	}
	return strings.Compare(va, vb)
}
