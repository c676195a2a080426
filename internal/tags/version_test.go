package tags

import (
	"errors"
	"testing"

	"github.com/stagehand-gitops/stagehand/internal/semver"
)

func TestParseVersion(t *testing.T) {
	tests := []struct {
		tag, extract string
		want         string // normalised version; "" when an error is expected
		suffix       string
		reason       Reason // for a *VersionError
	}{
		{tag: "1.2.3", want: "1.2.3"},
		{tag: "v1.2.3", want: "1.2.3"},
		{tag: "v9.1.45", want: "9.1.45"},
		{tag: "2024.01.15", want: "2024.1.15"},
		{tag: "1.0.0-rc.2", want: "1.0.0-rc.2"},
		{tag: "1.0.0-rc2", want: "1.0.0-rc.2"},
		{tag: "1.0.0-RC10", want: "1.0.0-rc.10"},
		{tag: "1.0.0-rc01", want: "1.0.0-rc.1"},
		{tag: "v1.2.4-dev", want: "1.2.4-dev"},
		{tag: "1.2.3-beta.2.1", want: "1.2.3-beta.2.1"},
		{tag: "1.2.3-SNAPSHOT", want: "1.2.3-snapshot"},
		{tag: "1.2.3-M1", want: "1.2.3-m.1"},
		{tag: "1.2.3+build.7", want: "1.2.3+build.7"},
		{tag: "1.2.3-alpine", want: "1.2.3", suffix: "alpine"},
		{tag: "1.2.3-alpine3.18", want: "1.2.3", suffix: "alpine3.18"},
		{tag: "1.2.3-debian-12-slim", want: "1.2.3", suffix: "debian-12-slim"},
		{tag: "1.2.3-rc1-alpine", want: "1.2.3-rc.1", suffix: "alpine"},
		{tag: "1.2.3-alpine-rc1", want: "1.2.3-rc.1", suffix: "alpine"},
		{tag: "1.2.3-devel", want: "1.2.3", suffix: "devel"},
		{tag: "1.2.3-1", want: "1.2.3", suffix: "1"},
		{tag: "1.2.3-0.3.7", want: "1.2.3", suffix: "0.3.7"},
		{tag: "v1.2.3-linux", extract: `^v(?P<version>.*)-linux$`, want: "1.2.3"},
		{tag: "build-1.2.3-x", extract: `(\d+\.\d+\.\d+)`, want: "1.2.3"},
		{tag: "v1.2.3-darwin", extract: `^v(?P<version>.*)-linux$`, reason: ReasonExtract},
		{tag: "917005", reason: ReasonNotVersion},
		{tag: "3f4a9bc", reason: ReasonNotVersion},
		{tag: "deadbeef", reason: ReasonNotVersion},
		{tag: "1a2b", reason: ReasonNotVersion},
		{tag: "1.2", reason: ReasonNotVersion},
		{tag: "v2", reason: ReasonNotVersion},
		{tag: "1.2.3.4", reason: ReasonNotVersion},
		{tag: "latest", reason: ReasonNotVersion},
		{tag: "V1.2.3", reason: ReasonNotVersion},
		{tag: "1.2.3-", reason: ReasonNotVersion},
		{tag: "1.2.3-rc..1", reason: ReasonNotVersion},
		{tag: "1.2.3_beta", reason: ReasonNotVersion},
		{tag: "99999999999999999999.0.0", reason: ReasonNotVersion},
		{tag: "", reason: ReasonNotVersion},
	}
	for _, tt := range tests {
		t.Run(tt.tag+"/"+tt.extract, func(t *testing.T) {
			p, err := Parse(tt.tag, tt.extract)
			if tt.want == "" {
				var ve *VersionError
				if !errors.As(err, &ve) || ve.Reason != tt.reason {
					t.Fatalf("Parse(%q) = %v, %v; want a VersionError with reason %s", tt.tag, p.Version, err, tt.reason)
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.tag, err)
			}
			if got := p.Version.String(); got != tt.want || p.Suffix != tt.suffix {
				t.Errorf("Parse(%q) = %s suffix %q; want %s suffix %q", tt.tag, got, p.Suffix, tt.want, tt.suffix)
			}
		})
	}
}

func TestParseVersionBadExtract(t *testing.T) {
	for _, extract := range []string{`(`, `^v.*$`} {
		_, err := ParseVersion("v1.2.3", extract)
		var ve *VersionError
		if err == nil || errors.As(err, &ve) {
			t.Errorf("ParseVersion with extract %q = %v; want a rule error", extract, err)
		}
	}
}

func TestVersionOrder(t *testing.T) {
	// Each tag is lower than the next.
	order := []string{
		"1.0.0-alpha", "1.0.0-beta.2", "1.0.0-rc.1", "1.0.0-rc.2", "1.0.0-rc.10",
		"1.0.0", "1.2.0", "9.1.9", "9.1.45", "10.0.0",
	}
	for i := 1; i < len(order); i++ {
		lo, hi := mustParse(t, order[i-1]), mustParse(t, order[i])
		if lo.Compare(hi) >= 0 {
			t.Errorf("%s should be lower than %s", order[i-1], order[i])
		}
	}
	unsplit := []string{"1.0.0-rc1", "1.0.0-rc2", "1.0.0-rc10", "1.0.0"}
	for i := 1; i < len(unsplit); i++ {
		if mustParse(t, unsplit[i-1]).Compare(mustParse(t, unsplit[i])) >= 0 {
			t.Errorf("%s should be lower than %s", unsplit[i-1], unsplit[i])
		}
	}
	all := append(order, unsplit...)
	for _, a := range all {
		for _, b := range all {
			checkCompareAgrees(t, a, b)
		}
	}
	if mustParse(t, "1.0.0-rc1").Compare(mustParse(t, "1.0.0-rc.1")) != 0 {
		t.Error("rc1 and rc.1 should be the same prerelease")
	}
}

// TestMastermindsUnsplitIdentifiers documents why ParseVersion splits
// "rc10" into "rc.10": Masterminds compares the unsplit identifier as text.
func TestMastermindsUnsplitIdentifiers(t *testing.T) {
	rc2, rc10 := semver.MustParse("1.0.0-rc2"), semver.MustParse("1.0.0-rc10")
	if rc2.Compare(rc10) <= 0 {
		t.Fatal("Masterminds now orders rc2 before rc10; the normalisation in parseValue may be unnecessary")
	}
	dot2, dot10 := semver.MustParse("1.0.0-rc.2"), semver.MustParse("1.0.0-rc.10")
	if dot2.Compare(dot10) >= 0 {
		t.Fatal("Masterminds should order rc.2 before rc.10")
	}
}

func mustParse(t *testing.T, tag string) *semver.Version {
	t.Helper()
	v, err := ParseVersion(tag, "")
	if err != nil {
		t.Fatalf("ParseVersion(%q): %v", tag, err)
	}
	return v
}
