package tags

import (
	"cmp"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/stagehand-gitops/stagehand/internal/semver"
)

// Parsed is a tag read as a version.
type Parsed struct {
	// Version is the comparable version: major.minor.patch, the prerelease
	// part (lower-cased, "rc1" split into "rc.1" so that rc.10 > rc.2) and
	// build metadata. The compatibility suffix is not part of it, and its
	// Original() is the normalised string, not the tag.
	Version *semver.Version
	// Suffix is the compatibility suffix ("alpine", "debian-slim"), or ""
	// when the tag has none. Tags with different suffixes are different
	// channels, never compared with each other.
	Suffix string
}

// VersionError says why a tag is not a version.
type VersionError struct {
	Tag    string
	Reason Reason // ReasonExtract or ReasonNotVersion
	Detail string // a sentence fragment such as "short hex SHA"
}

// Error implements error.
func (e *VersionError) Error() string {
	return fmt.Sprintf("tag %q is not a version: %s", e.Tag, e.Detail)
}

// ParseVersion reads tag as a version, after applying the extract regexp
// when it is not empty. It is the one version parser of the project; see
// docs/tags.md for what counts as a version. The returned version carries
// no compatibility suffix; use Parse to get it. A bad extract regexp is an
// error; a tag that is not a version is a *VersionError.
func ParseVersion(tag, extract string) (*semver.Version, error) {
	p, err := Parse(tag, extract)
	if err != nil {
		return nil, err
	}
	return p.Version, nil
}

// Parse is ParseVersion that also returns the compatibility suffix.
func Parse(tag, extract string) (Parsed, error) {
	x, err := compileExtract(extract)
	if err != nil {
		return Parsed{}, err
	}
	value, ok := x.value(tag)
	if !ok {
		return Parsed{}, &VersionError{Tag: tag, Reason: ReasonExtract, Detail: "extract " + extract + " does not match"}
	}
	v, why := parseValue(value)
	if why != "" {
		return Parsed{}, &VersionError{Tag: tag, Reason: ReasonNotVersion, Detail: why}
	}
	sv, err := v.semver()
	if err != nil {
		return Parsed{}, &VersionError{Tag: tag, Reason: ReasonNotVersion, Detail: err.Error()}
	}
	return Parsed{Version: sv, Suffix: v.suffix}, nil
}

// extractor applies a rule's extract regexp. A nil extractor returns the
// tag itself.
type extractor struct {
	re    *regexp.Regexp
	group int
}

func compileExtract(expr string) (*extractor, error) {
	if expr == "" {
		return nil, nil
	}
	re, err := regexp.Compile(expr)
	if err != nil {
		return nil, fmt.Errorf("extract: %w", err)
	}
	if re.NumSubexp() == 0 {
		return nil, fmt.Errorf("extract %s: needs a group (named version, or the first group)", expr)
	}
	group := re.SubexpIndex("version")
	if group < 0 {
		group = 1
	}
	return &extractor{re: re, group: group}, nil
}

func (x *extractor) value(tag string) (string, bool) {
	if x == nil {
		return tag, true
	}
	m := x.re.FindStringSubmatchIndex(tag)
	if m == nil || m[2*x.group] < 0 || m[2*x.group] == m[2*x.group+1] {
		return "", false
	}
	return tag[m[2*x.group]:m[2*x.group+1]], true
}

// prereleaseWords are the words that start a prerelease segment. Any other
// segment after the patch number is a compatibility suffix.
var prereleaseWords = map[string]bool{
	"alpha": true, "beta": true, "rc": true, "pre": true, "preview": true,
	"dev": true, "snapshot": true, "canary": true, "nightly": true,
	"next": true, "m": true, "milestone": true,
}

// version is a tag read as a version. Choose compares versions without
// building a semver.Version, which it needs only for constraints.
type version struct {
	nums   [3]uint64
	pre    string // normalised prerelease; "" for a release
	norm   string // the normalised version, as semver.StrictNewVersion reads it
	suffix string // compatibility suffix
}

// semver builds the Masterminds version. parseValue has checked
// everything StrictNewVersion checks, so it does not fail in practice.
func (v *version) semver() (*semver.Version, error) {
	return semver.StrictNewVersion(v.norm)
}

// parseValue reads s as a version. On failure it returns why, a fragment
// for "not a version: …".
func parseValue(s string) (version, string) {
	if isHexSHA(s) {
		return version{}, "short hex SHA"
	}
	if len(s) > semver.MaxVersionLen {
		return version{}, fmt.Sprintf("longer than %d characters", semver.MaxVersionLen)
	}
	rest := strings.TrimPrefix(s, "v")
	core, meta, hasMeta := strings.Cut(rest, "+")
	core, pre, hasPre := strings.Cut(core, "-")
	nums, why := parseCore(core)
	if why != "" {
		return version{}, why
	}
	if hasMeta && !validIdentifiers(meta) {
		return version{}, "bad build metadata +" + meta
	}
	v := version{nums: nums, norm: rest}
	if hasPre {
		var ok bool
		v.pre, v.suffix, ok = splitPrerelease(pre)
		if !ok {
			return version{}, "bad pre-release part -" + pre
		}
	}
	if v.pre != pre || v.suffix != "" || hasLeadingZero(core) {
		v.norm = buildVersion(nums, v.pre, meta)
	}
	return v, ""
}

// compareVersions orders versions by semantic-versioning precedence, as
// semver.Version.Compare does: build metadata and suffix do not count.
func compareVersions(a, b *version) int {
	if c := compareRelease(a, b); c != 0 {
		return c
	}
	switch {
	case a.pre == b.pre:
		return 0
	case a.pre == "":
		return 1
	case b.pre == "":
		return -1
	}
	return comparePrerelease(a.pre, b.pre)
}

// comparePrerelease compares dot-separated identifiers: numbers by value
// and below words, words byte-wise, and a shorter list first when it is a
// prefix of the longer.
func comparePrerelease(a, b string) int {
	for a != "" && b != "" {
		var x, y string
		x, a, _ = strings.Cut(a, ".")
		y, b, _ = strings.Cut(b, ".")
		xNum, yNum := isNumber(x), isNumber(y)
		var c int
		switch {
		case xNum && yNum:
			c = compareNumbers(x, y)
		case xNum:
			c = -1
		case yNum:
			c = 1
		default:
			c = strings.Compare(x, y)
		}
		if c != 0 {
			return c
		}
	}
	return cmp.Compare(len(a), len(b))
}

// compareRelease compares major.minor.patch only.
func compareRelease(a, b *version) int {
	for i := range a.nums {
		if c := cmp.Compare(a.nums[i], b.nums[i]); c != 0 {
			return c
		}
	}
	return 0
}

// release is major.minor.patch.
func (v *version) release() string {
	return buildVersion(v.nums, "", "")
}

// isHexSHA reports whether s looks like an abbreviated commit hash: only
// hex digits, and either at least six of them or both a digit and a letter.
func isHexSHA(s string) bool {
	digit, letter := false, false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			digit = true
		case c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F':
			letter = true
		default:
			return false
		}
	}
	return len(s) >= 6 || digit && letter
}

func parseCore(core string) ([3]uint64, string) {
	var nums [3]uint64
	parts := strings.Count(core, ".") + 1
	if parts < 3 {
		if !digitsAndDots(core) {
			return nums, "no major.minor.patch"
		}
		return nums, fmt.Sprintf("%d-part version %s (write major.minor.patch)", parts, core)
	}
	if parts > 3 {
		return nums, fmt.Sprintf("%d-part version %s", parts, core)
	}
	for i := range nums {
		part, tail, _ := strings.Cut(core, ".")
		core = tail
		if part == "" || !digitsAndDots(part) {
			return nums, "no major.minor.patch"
		}
		n, err := strconv.ParseUint(part, 10, 64)
		if err != nil {
			return nums, "number " + part + " too large"
		}
		nums[i] = n
	}
	return nums, ""
}

func digitsAndDots(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if (s[i] < '0' || s[i] > '9') && s[i] != '.' {
			return false
		}
	}
	return true
}

// hasLeadingZero reports whether a number in major.minor.patch has a
// leading zero ("01"), which the canonical form drops.
func hasLeadingZero(core string) bool {
	for i := 0; i+1 < len(core); i++ {
		if core[i] == '0' && (i == 0 || core[i-1] == '.') && core[i+1] != '.' {
			return true
		}
	}
	return false
}

func buildVersion(nums [3]uint64, pre, meta string) string {
	b := make([]byte, 0, 32+len(pre)+len(meta))
	for i, n := range nums {
		if i > 0 {
			b = append(b, '.')
		}
		b = strconv.AppendUint(b, n, 10)
	}
	if pre != "" {
		b = append(append(b, '-'), pre...)
	}
	if meta != "" {
		b = append(append(b, '+'), meta...)
	}
	return string(b)
}

// splitPrerelease splits the part after the first "-" into dash-separated
// segments. Segments that start with a prerelease word form the
// prerelease (normalised); the others, joined by "-", form the suffix.
func splitPrerelease(pre string) (prerelease, suffix string, ok bool) {
	if !strings.Contains(pre, "-") {
		if !validIdentifiers(pre) {
			return "", "", false
		}
		if norm, isPre := normalisePrerelease(pre); isPre {
			return norm, "", true
		}
		return "", pre, true
	}
	var preParts, sufParts []string
	for seg := range strings.SplitSeq(pre, "-") {
		if seg == "" || !validIdentifiers(seg) {
			return "", "", false
		}
		if norm, isPre := normalisePrerelease(seg); isPre {
			preParts = append(preParts, norm)
		} else {
			sufParts = append(sufParts, seg)
		}
	}
	if len(sufParts) == 0 && len(preParts) == 1 && preParts[0] == pre {
		return pre, "", true
	}
	return strings.Join(preParts, "."), strings.Join(sufParts, "-"), true
}

// normalisePrerelease reports whether seg is a prerelease segment: its
// first dot-separated identifier is a prerelease word with optional digits
// ("rc", "rc1", "RC10"), and every later identifier is a number or such a
// word. It returns seg lower-cased with letters and digits split into
// identifiers and leading zeros dropped ("RC01.2" → "rc.1.2").
func normalisePrerelease(seg string) (string, bool) {
	changed, first := false, true
	for id := range strings.SplitSeq(seg, ".") {
		word, num := splitWordNumber(id)
		if word == "" && (first || num == "") {
			return "", false
		}
		first = false
		lower := strings.ToLower(word)
		if word != "" && !prereleaseWords[lower] {
			return "", false
		}
		changed = changed || lower != word || word != "" && num != "" || num != "" && num != id
	}
	if !changed {
		return seg, true
	}
	var b strings.Builder
	b.Grow(len(seg) + 4)
	for id := range strings.SplitSeq(seg, ".") {
		word, num := splitWordNumber(id)
		for _, part := range [2]string{strings.ToLower(word), num} {
			if part == "" {
				continue
			}
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(part)
		}
	}
	return b.String(), true
}

// splitWordNumber splits an identifier into leading letters and trailing
// digits (leading zeros dropped). It returns "", "" when the identifier
// has any other shape.
func splitWordNumber(id string) (word, num string) {
	i := 0
	for i < len(id) && (id[i] >= 'a' && id[i] <= 'z' || id[i] >= 'A' && id[i] <= 'Z') {
		i++
	}
	word, digits := id[:i], id[i:]
	for j := 0; j < len(digits); j++ {
		if digits[j] < '0' || digits[j] > '9' {
			return "", ""
		}
	}
	if digits != "" {
		digits = strings.TrimLeft(digits, "0")
		if digits == "" {
			digits = "0"
		}
	}
	return word, digits
}

// validIdentifiers reports whether s is dot-separated, non-empty
// identifiers of ASCII letters, digits and hyphens.
func validIdentifiers(s string) bool {
	if s == "" {
		return false
	}
	prev := byte('.')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '.':
			if prev == '.' {
				return false
			}
		case c >= '0' && c <= '9', c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c == '-':
		default:
			return false
		}
		prev = c
	}
	return prev != '.'
}
