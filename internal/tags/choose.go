package tags

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Request is everything Choose needs to pick the next tag for one image in
// one environment.
type Request struct {
	Candidates []Candidate
	// Current is the tag the environment runs now ("" when none).
	Current string
	// CurrentDigest is the digest it runs; the digest strategy compares it.
	CurrentDigest string
	Rule          Rule
	// Prerelease is whether the environment takes prerelease versions.
	Prerelease bool
	// Rollback asks for the newest eligible tag older than Current instead
	// of one newer than it.
	Rollback bool
	// Version is the carried version (carry: version): only tags whose
	// major.minor.patch equals it are eligible. "" means any.
	Version string
	// Env names the environment, for rejection details ("prod").
	Env string
	// VersionSource names the environment Version was read from ("dev").
	VersionSource string
	// Verify, when not "", says what signature the environment requires
	// ("signed with keys/cosign.pub"): candidates whose Trust is
	// Untrusted are rejected, and an unverified choice is flagged.
	Verify string
}

// Decision is the outcome of Choose: the chosen candidate, if any, and one
// rejection for every other candidate, ordered by tag.
type Decision struct {
	Chosen   Candidate
	Found    bool
	Rejected []Rejection
	// Unverified is set when the request requires a signature and the
	// chosen candidate's Trust is TrustUnknown: the caller must verify it
	// and choose again before promoting it (see VerifyFirst).
	Unverified bool
}

// Rejection says why one candidate was not chosen.
type Rejection struct {
	Candidate Candidate
	Reason    Reason
	// Detail is a human sentence fragment naming the rule and its source,
	// such as "not in staging's channel (allowTags ^v\d+\.\d+\.\d+-rc\d+$)".
	Detail string
}

// Choose picks the next tag from req.Candidates and gives every other
// candidate exactly one reason: the first rule it fails, in the order of
// Reasons. The result does not depend on the order of the candidates. The
// error is for an invalid rule or carried version only.
func Choose(req Request) (Decision, error) {
	rule, err := compileRule(req.Rule)
	if err != nil {
		return Decision{}, fmt.Errorf("choose tag: %w", err)
	}
	ch, err := newChooser(req, rule)
	if err != nil {
		return Decision{}, fmt.Errorf("choose tag: %w", err)
	}
	order := sortedOrder(req.Candidates)
	slots := make([]Rejection, len(order))
	eligible := make([]entry, 0, 16)
	kept := -1 // the first, kept, entry of the current run of one tag
	for pos, i := range order {
		c := req.Candidates[i]
		if kept >= 0 && c.Tag == req.Candidates[kept].Tag {
			slots[pos] = Rejection{Candidate: c, Reason: ReasonDuplicate, Detail: "listed more than once; " + describeKept(req.Candidates[kept])}
			continue
		}
		kept = int(i)
		e, reason, detail := ch.check(c)
		if reason != "" {
			slots[pos] = Rejection{Candidate: c, Reason: reason, Detail: detail}
			continue
		}
		e.pos = pos
		eligible = append(eligible, e)
	}
	var d Decision
	if chosen := ch.rank(eligible, slots); chosen >= 0 {
		d.Chosen, d.Found = slots[chosen].Candidate, true
		d.Unverified = req.Verify != "" && d.Chosen.Trust != Trusted
		slots = append(slots[:chosen], slots[chosen+1:]...)
	}
	if len(slots) > 0 {
		d.Rejected = slots
	}
	return d, nil
}

// sortedOrder returns the indexes of cands in the order of
// compareCandidates, so that output never depends on input order. It sorts
// small keys holding each tag's first sixteen bytes as two integers, which
// settle most comparisons without touching the strings.
func sortedOrder(cands []Candidate) []int32 {
	type keyed struct {
		hi, lo uint64
		i      int32
	}
	keys := make([]keyed, len(cands))
	for i, c := range cands {
		keys[i] = keyed{tagPrefix(c.Tag, 0), tagPrefix(c.Tag, 8), int32(i)}
	}
	slices.SortFunc(keys, func(a, b keyed) int {
		if a.hi != b.hi {
			return cmp.Compare(a.hi, b.hi)
		}
		if a.lo != b.lo {
			return cmp.Compare(a.lo, b.lo)
		}
		return compareCandidates(cands[a.i], cands[b.i])
	})
	order := make([]int32, len(keys))
	for i, k := range keys {
		order[i] = k.i
	}
	return order
}

// tagPrefix packs the eight bytes of tag from offset on, zero-padded,
// big-endian, so that integer order agrees with byte-wise string order.
func tagPrefix(tag string, offset int) uint64 {
	var p uint64
	for i := offset; i < offset+8; i++ {
		p <<= 8
		if i < len(tag) {
			p |= uint64(tag[i])
		}
	}
	return p
}

// compareCandidates orders by tag, then the later push first, then digest,
// so that of two entries for one tag the later push is kept.
func compareCandidates(a, b Candidate) int {
	if c := strings.Compare(a.Tag, b.Tag); c != 0 {
		return c
	}
	if c := b.PushedAt.Compare(a.PushedAt); c != 0 {
		return c
	}
	if c := strings.Compare(a.Digest, b.Digest); c != 0 {
		return c
	}
	// One digest has one trust fact; the tie-break only keeps the order
	// independent of input order when a caller gives two.
	if c := cmp.Compare(a.Trust, b.Trust); c != 0 {
		return c
	}
	return strings.Compare(a.TrustDetail, b.TrustDetail)
}

func describeKept(c Candidate) string {
	switch {
	case !c.PushedAt.IsZero():
		return "kept the entry pushed at " + c.PushedAt.UTC().Format(time.RFC3339)
	case c.Digest != "":
		return "kept the entry with digest " + c.Digest
	default:
		return "kept the first entry"
	}
}

// entry is an eligible candidate with its sort key.
type entry struct {
	c     Candidate
	pos   int     // position in the sorted candidates
	value string  // the compared value: extracted part or tag
	v     version // when the value is a version
}

// chooser holds what Choose knows about the request beyond the rule.
type chooser struct {
	req  Request
	rule *compiled
	want *version // carried version, release only
	cur  current
	// details shared by every tag rejected for the same reason
	details struct{ prerelease, notNewer, notOlder string }
}

// current is what is known about the current tag.
type current struct {
	tag    string
	value  string    // extracted value ("" when extract does not match)
	v      *version  // nil when the current tag is not a version
	pushed time.Time // from the candidate list, for newest-build
	known  bool      // whether the strategy can compare against it
}

func newChooser(req Request, rule *compiled) (*chooser, error) {
	ch := &chooser{req: req, rule: rule}
	if req.Version != "" {
		v, why := parseValue(req.Version)
		if why != "" {
			return nil, fmt.Errorf("carried version %q: %s", req.Version, why)
		}
		ch.want = &version{nums: v.nums}
		ch.want.norm = ch.want.release()
	}
	ch.cur = readCurrent(req, rule)
	ch.details.prerelease = "prerelease not allowed in " + ch.envName()
	ch.details.notNewer = "not newer than current " + req.Current
	ch.details.notOlder = "rollback: not older than current " + req.Current
	return ch, nil
}

func readCurrent(req Request, rule *compiled) current {
	cur := current{tag: req.Current}
	if req.Current == "" {
		return cur
	}
	value, ok := rule.extract.value(req.Current)
	if ok {
		cur.value = value
		if v, why := parseValue(value); why == "" {
			cur.v = &v
		}
	}
	for _, c := range req.Candidates {
		if c.Tag == req.Current && c.PushedAt.After(cur.pushed) {
			cur.pushed = c.PushedAt
		}
	}
	switch rule.strategy {
	case SemVer:
		cur.known = cur.v != nil
	case Numerical:
		cur.known = ok && isNumber(value)
	case Alphabetical:
		cur.known = ok
	case NewestBuild:
		cur.known = !cur.pushed.IsZero()
	}
	return cur
}

func isNumber(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// compareNumbers compares two digit strings of any length by value.
func compareNumbers(a, b string) int {
	a, b = trimZeros(a), trimZeros(b)
	if c := cmp.Compare(len(a), len(b)); c != 0 {
		return c
	}
	return strings.Compare(a, b)
}

func trimZeros(s string) string {
	t := strings.TrimLeft(s, "0")
	if t == "" && s != "" {
		return "0"
	}
	return t
}

// envName names the environment in details, also when the request does not.
func (ch *chooser) envName() string {
	if ch.req.Env == "" {
		return "this environment"
	}
	return ch.req.Env
}
