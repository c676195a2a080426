package tags

import (
	"strings"
	"testing"
	"time"
)

var epoch = time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)

// cands makes candidates without push times or digests.
func cands(tags ...string) []Candidate {
	out := make([]Candidate, len(tags))
	for i, tag := range tags {
		out[i] = Candidate{Tag: tag}
	}
	return out
}

// pushed makes a candidate pushed minutes after epoch.
func pushed(tag string, minutes int) Candidate {
	return Candidate{Tag: tag, PushedAt: epoch.Add(time.Duration(minutes) * time.Minute)}
}

func image(f Filter) Rule {
	f.Source = "image rule"
	return Rule{Strategy: SemVer, Filters: []Filter{f}}
}

type rejected map[string]Reason

// chooseCase is one row of a Choose table: the request, the tag it must
// choose, and the reason (and for some tags the exact detail) of every
// other tag.
type chooseCase struct {
	name    string
	req     Request
	chosen  string // "" for none
	reasons rejected
	details map[string]string // exact details for some tags
}

func runChooseCases(t *testing.T, tests []chooseCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := Choose(tt.req)
			if err != nil {
				t.Fatalf("Choose: %v", err)
			}
			assertDecision(t, d, tt.chosen, tt.reasons, tt.details)
		})
	}
}

func TestChoose(t *testing.T) {
	runChooseCases(t, []chooseCase{
		{
			name:    "9.1.45 beats 9.1.9",
			req:     Request{Candidates: cands("9.1.9", "9.1.45", "9.1.10")},
			chosen:  "9.1.45",
			reasons: rejected{"9.1.9": ReasonOutranked, "9.1.10": ReasonOutranked},
			details: map[string]string{"9.1.9": "older than the chosen 9.1.45"},
		},
		{
			name:    "rc.10 beats rc.2 and the release beats both",
			req:     Request{Candidates: cands("1.0.0-rc.2", "1.0.0-rc.10", "1.0.0"), Prerelease: true},
			chosen:  "1.0.0",
			reasons: rejected{"1.0.0-rc.2": ReasonOutranked, "1.0.0-rc.10": ReasonOutranked},
		},
		{
			name:    "unsplit rc10 beats rc2",
			req:     Request{Candidates: cands("v1.0.0-rc2", "v1.0.0-rc10", "v1.0.0-rc1"), Prerelease: true},
			chosen:  "v1.0.0-rc10",
			reasons: rejected{"v1.0.0-rc2": ReasonOutranked, "v1.0.0-rc1": ReasonOutranked},
		},
		{
			name:    "hex SHAs are not versions",
			req:     Request{Candidates: cands("917005", "3f4a9bc", "deadbeef", "1.2.3")},
			chosen:  "1.2.3",
			reasons: rejected{"917005": ReasonNotVersion, "3f4a9bc": ReasonNotVersion, "deadbeef": ReasonNotVersion},
			details: map[string]string{"3f4a9bc": "not a version: short hex SHA"},
		},
		{
			name:    "two-part versions are not versions",
			req:     Request{Candidates: cands("1.3", "1.2.0")},
			chosen:  "1.2.0",
			reasons: rejected{"1.3": ReasonNotVersion},
			details: map[string]string{"1.3": "not a version: 2-part version 1.3 (write major.minor.patch)"},
		},
		{
			name:    "suffix is a channel of its own, not a prerelease",
			req:     Request{Candidates: cands("1.2.4", "1.2.4-alpine", "1.2.5-debian", "1.2.5-rc1-alpine"), Current: "1.2.3-alpine", Env: "prod"},
			chosen:  "1.2.4-alpine",
			reasons: rejected{"1.2.4": ReasonSuffix, "1.2.5-debian": ReasonSuffix, "1.2.5-rc1-alpine": ReasonPrerelease},
			details: map[string]string{
				"1.2.4":            "suffix channel none is not current 1.2.3-alpine's (-alpine)",
				"1.2.5-rc1-alpine": "prerelease not allowed in prod",
			},
		},
		{
			name:    "without a current tag only unsuffixed tags",
			req:     Request{Candidates: cands("1.2.3", "1.2.4-alpine")},
			chosen:  "1.2.3",
			reasons: rejected{"1.2.4-alpine": ReasonSuffix},
		},
		{
			name:    "without a current tag allowTags may admit a suffix",
			req:     Request{Candidates: cands("1.2.3", "1.2.4-alpine"), Rule: image(Filter{AllowTags: `-alpine$`})},
			chosen:  "1.2.4-alpine",
			reasons: rejected{"1.2.3": ReasonAllowTags},
			details: map[string]string{"1.2.3": "does not match allowTags -alpine$ (image rule)"},
		},
		{
			name: "extract collision goes to the later push",
			req: Request{
				Candidates: []Candidate{pushed("1.2.3-linux", 1), pushed("v1.2.3-linux", 2)},
				Rule:       Rule{Extract: `^v?(?P<version>\d+\.\d+\.\d+)-linux$`},
			},
			chosen:  "v1.2.3-linux",
			reasons: rejected{"1.2.3-linux": ReasonCollision},
			details: map[string]string{"1.2.3-linux": "extract collision: 1.2.3 also extracted from v1.2.3-linux, which won because it was pushed later"},
		},
		{
			name: "extract collision without push times goes to the name that sorts last",
			req: Request{
				Candidates: cands("v1.2.3-linux", "1.2.3-linux", "v1.2.2-linux", "v1.2.4-darwin"),
				Rule:       Rule{Extract: `^v?(\d+\.\d+\.\d+)-linux$`},
			},
			chosen:  "v1.2.3-linux",
			reasons: rejected{"1.2.3-linux": ReasonCollision, "v1.2.2-linux": ReasonOutranked, "v1.2.4-darwin": ReasonExtract},
			details: map[string]string{"1.2.3-linux": "extract collision: 1.2.3 also extracted from v1.2.3-linux, which won because push times are unknown and its name sorts last"},
		},
		{
			name:    "same version written twice",
			req:     Request{Candidates: cands("v1.2.3", "1.2.3")},
			chosen:  "v1.2.3",
			reasons: rejected{"1.2.3": ReasonCollision},
			details: map[string]string{"1.2.3": "same version 1.2.3 as v1.2.3, which won because push times are unknown and its name sorts last"},
		},
		{
			name:    "numerical skips what is not a number",
			req:     Request{Candidates: cands("41", "42", "latest", "7a", "042"), Rule: Rule{Strategy: Numerical}, Current: "40"},
			chosen:  "42",
			reasons: rejected{"41": ReasonOutranked, "latest": ReasonNotNumber, "7a": ReasonNotNumber, "042": ReasonCollision},
			details: map[string]string{"latest": "numerical strategy: not a number", "41": "smaller than the chosen 42"},
		},
		{
			name:    "never a downgrade",
			req:     Request{Candidates: cands("1.2.2", "1.2.3", "v1.2.3"), Current: "1.2.3"},
			reasons: rejected{"1.2.2": ReasonNotNewer, "1.2.3": ReasonNotNewer, "v1.2.3": ReasonNotNewer},
			details: map[string]string{"1.2.2": "not newer than current 1.2.3", "1.2.3": "is the current tag"},
		},
		{
			name:    "a rollback takes the newest older tag",
			req:     Request{Candidates: cands("1.2.1", "1.2.2", "1.2.3", "1.2.4"), Current: "1.2.3", Rollback: true},
			chosen:  "1.2.2",
			reasons: rejected{"1.2.1": ReasonOutranked, "1.2.3": ReasonNotOlder, "1.2.4": ReasonNotOlder},
		},
		{
			name:    "prerelease env: ^1.0.0 admits 1.6.0-rc.1",
			req:     Request{Candidates: cands("1.5.0", "1.6.0-rc.1"), Rule: image(Filter{Constraint: "^1.0.0"}), Prerelease: true, Env: "dev"},
			chosen:  "1.6.0-rc.1",
			reasons: rejected{"1.5.0": ReasonOutranked},
		},
		{
			name:    "release env: ^1.0.0 refuses 1.6.0-rc.1",
			req:     Request{Candidates: cands("1.5.0", "1.6.0-rc.1"), Rule: image(Filter{Constraint: "^1.0.0"}), Env: "prod"},
			chosen:  "1.5.0",
			reasons: rejected{"1.6.0-rc.1": ReasonPrerelease},
			details: map[string]string{"1.6.0-rc.1": "prerelease not allowed in prod"},
		},
		{
			name:    "prerelease env: prereleases of a bound stay outside",
			req:     Request{Candidates: cands("1.0.0-rc.1", "2.0.0-rc.1", "1.9.0"), Rule: image(Filter{Constraint: ">=1.0.0 <2.0.0"}), Prerelease: true},
			chosen:  "1.9.0",
			reasons: rejected{"1.0.0-rc.1": ReasonConstraint, "2.0.0-rc.1": ReasonConstraint},
			details: map[string]string{"2.0.0-rc.1": "outside constraint >=1.0.0 <2.0.0 (image rule)"},
		},
		{
			name:    "a constraint that names a prerelease works as Masterminds says",
			req:     Request{Candidates: cands("2.0.0-rc.1", "2.0.0-rc.4"), Rule: image(Filter{Constraint: ">=2.0.0-rc.0 <2.0.0-rc.3"}), Prerelease: true},
			chosen:  "2.0.0-rc.1",
			reasons: rejected{"2.0.0-rc.4": ReasonConstraint},
		},
		{
			name:    "or-alternatives are checked one by one",
			req:     Request{Candidates: cands("1.4.0-rc.1", "1.4.2-rc.1", "3.0.0-rc.1", "3.0.1-rc.1"), Rule: image(Filter{Constraint: "~1.4.0 || >=3.0.0"}), Prerelease: true},
			chosen:  "3.0.1-rc.1",
			reasons: rejected{"1.4.0-rc.1": ReasonConstraint, "1.4.2-rc.1": ReasonOutranked, "3.0.0-rc.1": ReasonConstraint},
		},
		{
			name: "allowTags that admits rc does not open prod to prereleases",
			req: Request{
				Candidates: cands("v1.2.4-rc.1", "v1.2.3"),
				Rule:       image(Filter{AllowTags: `^v?\d+\.\d+\.\d+(-rc\.\d+)?$`}),
				Env:        "prod",
			},
			chosen:  "v1.2.3",
			reasons: rejected{"v1.2.4-rc.1": ReasonPrerelease},
		},
		{
			name:    "ignoreTags globs",
			req:     Request{Candidates: cands("1.2.4-debug", "latest", "1.2.3"), Rule: image(Filter{IgnoreTags: []string{"*-debug", "latest"}})},
			chosen:  "1.2.3",
			reasons: rejected{"1.2.4-debug": ReasonIgnoreTags, "latest": ReasonIgnoreTags},
			details: map[string]string{"latest": "matches ignoreTags latest (image rule)"},
		},
		{
			name: "every filter narrows, the first failing one is named",
			req: Request{
				Candidates: cands("1.2.3", "2.1.0", "1.9.0", "1.8.0"),
				Rule: Rule{Filters: []Filter{
					{Source: "image rule", Constraint: ">=1.2.0 <2.0.0"},
					{Source: "prod's channel", IgnoreTags: []string{"1.9.*"}},
					{Source: "order-service's prod override", Constraint: "<1.5.0"},
				}},
			},
			chosen:  "1.2.3",
			reasons: rejected{"2.1.0": ReasonConstraint, "1.9.0": ReasonIgnoreTags, "1.8.0": ReasonConstraint},
			details: map[string]string{
				"2.1.0": "outside constraint >=1.2.0 <2.0.0 (image rule)",
				"1.9.0": "matches ignoreTags 1.9.* (prod's channel)",
				"1.8.0": "outside constraint <1.5.0 (order-service's prod override)",
			},
		},
		{
			name:    "newest-build: latest push, ties to the name that sorts last",
			req:     Request{Candidates: []Candidate{pushed("main-a", 1), pushed("main-c", 5), pushed("main-b", 5), {Tag: "main-x"}}, Rule: Rule{Strategy: NewestBuild}},
			chosen:  "main-c",
			reasons: rejected{"main-a": ReasonOutranked, "main-b": ReasonOutranked, "main-x": ReasonNoPushTime},
			details: map[string]string{
				"main-a": "pushed before the chosen main-c",
				"main-b": "pushed at the same time as the chosen main-c, whose name sorts last",
			},
		},
		{
			name:    "newest-build never goes back before the current push",
			req:     Request{Candidates: []Candidate{pushed("main-a", 1), pushed("main-b", 3)}, Current: "main-b", Rule: Rule{Strategy: NewestBuild}},
			reasons: rejected{"main-a": ReasonNotNewer, "main-b": ReasonNotNewer},
		},
		{
			name:    "newest-build with a constraint needs versions",
			req:     Request{Candidates: []Candidate{pushed("latest", 9), pushed("1.2.3", 1)}, Rule: Rule{Strategy: NewestBuild, Filters: []Filter{{Source: "image rule", Constraint: "^1"}}}},
			chosen:  "1.2.3",
			reasons: rejected{"latest": ReasonNotVersion},
			details: map[string]string{"latest": "not a version: no major.minor.patch; constraint ^1 (image rule) needs one"},
		},
		{
			name:    "alphabetical",
			req:     Request{Candidates: cands("2026-01-02", "2026-01-10", "2025-12-31"), Current: "2026-01-01", Rule: Rule{Strategy: Alphabetical}},
			chosen:  "2026-01-10",
			reasons: rejected{"2026-01-02": ReasonOutranked, "2025-12-31": ReasonNotNewer},
			details: map[string]string{"2026-01-02": "sorts before the chosen 2026-01-10"},
		},
		{
			name: "digest tracks the current tag",
			req: Request{
				Candidates: []Candidate{{Tag: "latest", Digest: "sha256:b"}, {Tag: "v1.0.0", Digest: "sha256:c"}},
				Current:    "latest", CurrentDigest: "sha256:a", Rule: Rule{Strategy: Digest},
			},
			chosen:  "latest",
			reasons: rejected{"v1.0.0": ReasonNotTracked},
			details: map[string]string{"v1.0.0": "digest strategy tracks latest only"},
		},
		{
			name:    "digest unchanged",
			req:     Request{Candidates: []Candidate{{Tag: "latest", Digest: "sha256:a"}}, Current: "latest", CurrentDigest: "sha256:a", Rule: Rule{Strategy: Digest}},
			reasons: rejected{"latest": ReasonSameDigest},
		},
		{
			name:    "digest unknown",
			req:     Request{Candidates: cands("latest"), Current: "latest", CurrentDigest: "sha256:a", Rule: Rule{Strategy: Digest}},
			reasons: rejected{"latest": ReasonNoDigest},
		},
		{
			name:    "digest without a current tag",
			req:     Request{Candidates: []Candidate{{Tag: "latest", Digest: "sha256:a"}}, Rule: Rule{Strategy: Digest}},
			reasons: rejected{"latest": ReasonNotTracked},
		},
		{
			name: "of several entries for one tag the latest push is kept",
			req: Request{
				Candidates: []Candidate{
					{Tag: "latest", Digest: "sha256:old", PushedAt: epoch},
					{Tag: "latest", Digest: "sha256:new", PushedAt: epoch.Add(time.Hour)},
					{Tag: "latest", Digest: "sha256:older", PushedAt: epoch.Add(-time.Hour)},
				},
				Current: "latest", CurrentDigest: "sha256:old", Rule: Rule{Strategy: Digest},
			},
			chosen:  "latest",
			reasons: rejected{"latest": ReasonDuplicate},
			details: map[string]string{"latest": "listed more than once; kept the entry pushed at 2026-11-01T13:00:00Z"},
		},
		{
			name:    "carried version",
			req:     Request{Candidates: cands("v1.2.3", "v1.2.4", "v1.2.5"), Version: "1.2.4", VersionSource: "staging"},
			chosen:  "v1.2.4",
			reasons: rejected{"v1.2.3": ReasonVersion, "v1.2.5": ReasonVersion},
			details: map[string]string{
				"v1.2.3": "version 1.2.3 is older than what staging runs (1.2.4)",
				"v1.2.5": "version 1.2.5 does not run in staging yet (staging runs 1.2.4)",
			},
		},
		{
			name:    "carried version without a source",
			req:     Request{Candidates: cands("v1.2.5"), Version: "v1.2.4-dev"},
			reasons: rejected{"v1.2.5": ReasonVersion},
			details: map[string]string{"v1.2.5": "version 1.2.5 is not the carried version 1.2.4"},
		},
		{
			name:   "no candidates",
			req:    Request{Current: "1.0.0"},
			chosen: "",
		},
	})
}

func assertDecision(t *testing.T, d Decision, chosen string, reasons rejected, details map[string]string) {
	t.Helper()
	if d.Found != (chosen != "") || d.Chosen.Tag != chosen {
		t.Errorf("chose %q (found %v), want %q\n%s", d.Chosen.Tag, d.Found, chosen, explain(d))
	}
	got := map[string]Reason{}
	for _, r := range d.Rejected {
		got[r.Candidate.Tag] = r.Reason
		if want, ok := details[r.Candidate.Tag]; ok && r.Detail != want {
			t.Errorf("%s: detail %q, want %q", r.Candidate.Tag, r.Detail, want)
		}
	}
	if len(got) != len(reasons) {
		t.Errorf("rejected %v, want %v\n%s", got, reasons, explain(d))
	}
	for tag, want := range reasons {
		if got[tag] != want {
			t.Errorf("%s: reason %q, want %q\n%s", tag, got[tag], want, explain(d))
		}
	}
}

// explain renders a decision the way the explain command does, for
// failure messages.
func explain(d Decision) string {
	var b strings.Builder
	if d.Found {
		b.WriteString("chosen " + d.Chosen.Tag + "\n")
	} else {
		b.WriteString("chosen none\n")
	}
	for _, r := range d.Rejected {
		b.WriteString("  " + r.Candidate.Tag + ": " + string(r.Reason) + ": " + r.Detail + "\n")
	}
	return b.String()
}

func TestChooseKeepsLatestEntryOfATag(t *testing.T) {
	req := Request{
		Candidates: []Candidate{
			{Tag: "latest", Digest: "sha256:b", PushedAt: epoch},
			{Tag: "latest", Digest: "sha256:c", PushedAt: epoch.Add(time.Hour)},
			{Tag: "latest", Digest: "sha256:a", PushedAt: epoch.Add(-time.Hour)},
		},
		Current: "latest", CurrentDigest: "sha256:a", Rule: Rule{Strategy: Digest},
	}
	d, err := Choose(req)
	if err != nil {
		t.Fatal(err)
	}
	if !d.Found || d.Chosen.Digest != "sha256:c" {
		t.Fatalf("chose %+v, want the entry pushed last (sha256:c)\n%s", d.Chosen, explain(d))
	}
}
