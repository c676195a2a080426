package tags

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func FuzzParseVersion(f *testing.F) {
	for _, seed := range [][2]string{
		{"v1.2.3", ""}, {"1.0.0-rc.10", ""}, {"1.0.0-RC10", ""}, {"917005", ""},
		{"3f4a9bc", ""}, {"1.2", ""}, {"1.2.3-alpine3.18", ""}, {"1.2.3-rc1-alpine", ""},
		{"v1.2.3-linux", `^v(?P<version>.*)-linux$`}, {"build-7", `(\d+)`}, {"1.2.3+b.1", ""},
		{"2024.01.15", ""}, {"1.2.3-dev.alpine", ""}, {"v1.2.3", "("},
		{"1.0.0-rc2", "1.0.0-rc10"}, {"1.0.0-beta.2", "1.0.0-beta"}, {"1.0.0-alpha.1", "1.0.0-alpha.beta"},
	} {
		f.Add(seed[0], seed[1])
	}
	f.Fuzz(func(t *testing.T, tag, extract string) {
		// extract doubles as a second tag to compare with.
		checkCompareAgrees(t, tag, extract)
		p, err := Parse(tag, extract)
		if err != nil {
			return
		}
		if p.Version == nil {
			t.Fatalf("Parse(%q, %q) returned no version and no error", tag, extract)
		}
		// The normalised form is a fixed point: it parses to the same
		// version with no suffix.
		again, err := Parse(p.Version.String(), "")
		if err != nil {
			t.Fatalf("normalised %q of %q does not parse: %v", p.Version, tag, err)
		}
		if again.Version.Compare(p.Version) != 0 || again.Version.String() != p.Version.String() || again.Suffix != "" {
			t.Fatalf("normalised %q of %q parses to %q suffix %q", p.Version, tag, again.Version, again.Suffix)
		}
	})
}

// checkCompareAgrees: Choose's own comparison of two versions agrees with
// Masterminds', which everyone else uses through ParseVersion.
func checkCompareAgrees(t *testing.T, a, b string) {
	t.Helper()
	va, whyA := parseValue(a)
	vb, whyB := parseValue(b)
	if whyA != "" || whyB != "" || hugeIdentifier(va.pre) || hugeIdentifier(vb.pre) {
		return
	}
	sa, errA := va.semver()
	sb, errB := vb.semver()
	if errA != nil || errB != nil {
		t.Fatalf("parseValue accepted %q and %q, semver says %v, %v", a, b, errA, errB)
	}
	if got, want := compareVersions(&va, &vb), sa.Compare(sb); got != want {
		t.Fatalf("compareVersions(%q, %q) = %d, semver says %d", a, b, got, want)
	}
}

// hugeIdentifier reports a numeric prerelease identifier beyond uint64,
// which Masterminds compares as text and Choose by value.
func hugeIdentifier(pre string) bool {
	for id := range strings.SplitSeq(pre, ".") {
		if isNumber(id) && len(id) > 19 {
			return true
		}
	}
	return false
}

func FuzzChoose(f *testing.F) {
	f.Add("v1.2.4-dev,v1.2.4-rc1,v1.2.4-rc2,v1.2.5-rc1,v1.2.4", "v1.2.3-rc1", "", `^v\d+\.\d+\.\d+-rc\d+$`, "", "", "1.2.4", uint8(0), uint8(1))
	f.Add("9.1.9,9.1.45,917005,1.2,latest", "9.1.9", ">=1.2.0 <10.0.0", "", "latest", "", "", uint8(0), uint8(0))
	f.Add("41,42,x", "40", "", "", "", "", "", uint8(3), uint8(2))
	f.Add("v1.2.3-linux,1.2.3-linux", "", "", "", "", `^v?(?P<version>.*)-linux$`, "", uint8(0), uint8(4))
	f.Add("latest,v1", "latest", "", "", "", "", "", uint8(4), uint8(7))
	f.Add("a,b,c", "", "^1", "[", "[", "(", "x", uint8(9), uint8(255))
	f.Fuzz(func(t *testing.T, tags, cur, constraint, allow, ignore, extract, version string, strategy, flags uint8) {
		req := Request{
			Current: cur, CurrentDigest: "sha256:0", Version: version,
			Prerelease: flags&1 != 0, Rollback: flags&2 != 0,
			Rule: Rule{Extract: extract, Filters: []Filter{{Source: "fuzz", Constraint: constraint, AllowTags: allow, IgnoreTags: []string{ignore}}}},
		}
		if int(strategy) < len(Strategies) {
			req.Rule.Strategy = Strategies[strategy]
		}
		for i, tag := range strings.Split(tags, ",") {
			c := Candidate{Tag: tag}
			if flags&4 != 0 {
				c.PushedAt = epoch.Add(time.Duration(i%3) * time.Minute)
				c.Digest = "sha256:" + tag
			}
			req.Candidates = append(req.Candidates, c)
		}
		d, err := Choose(req)
		if err != nil {
			var re *RuleError
			if ValidateRule(req.Rule) == nil && !errors.As(err, &re) && version == "" {
				t.Fatalf("Choose failed on a valid rule: %v", err)
			}
			return
		}
		checkPartition(t, "fuzz", req, d)
		for _, r := range d.Rejected {
			if r.Reason == "" || r.Detail == "" {
				t.Fatalf("rejection without reason or detail: %+v", r)
			}
		}
	})
}
