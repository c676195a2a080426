package semver

import (
	"testing"

	upstream "github.com/Masterminds/semver/v3"
)

// sameAsUpstream parses version and constraint with this package and with
// upstream's, and fails t where the two differ in any answer: errors,
// normalised forms, comparisons and the constraint's check.
func sameAsUpstream(t *testing.T, version, other, constraint string) {
	t.Helper()
	v, err := NewVersion(version)
	uv, uerr := upstream.NewVersion(version)
	if (err == nil) != (uerr == nil) || (err != nil && err.Error() != uerr.Error()) {
		t.Fatalf("NewVersion(%q): %v, upstream %v", version, err, uerr)
	}
	sv, serr := StrictNewVersion(version)
	usv, userr := upstream.StrictNewVersion(version)
	if (serr == nil) != (userr == nil) || (serr != nil && serr.Error() != userr.Error()) {
		t.Fatalf("StrictNewVersion(%q): %v, upstream %v", version, serr, userr)
	}
	if serr == nil && sv.String() != usv.String() {
		t.Fatalf("StrictNewVersion(%q) = %s, upstream %s", version, sv, usv)
	}
	c, cerr := NewConstraint(constraint)
	uc, ucerr := upstream.NewConstraint(constraint)
	if (cerr == nil) != (ucerr == nil) || (cerr != nil && cerr.Error() != ucerr.Error()) {
		t.Fatalf("NewConstraint(%q): %v, upstream %v", constraint, cerr, ucerr)
	}
	if cerr == nil && c.String() != uc.String() {
		t.Fatalf("NewConstraint(%q) = %s, upstream %s", constraint, c, uc)
	}
	if err != nil {
		return
	}
	if v.String() != uv.String() || v.Original() != uv.Original() || v.Prerelease() != uv.Prerelease() || v.Metadata() != uv.Metadata() {
		t.Fatalf("NewVersion(%q) = %s, upstream %s", version, v, uv)
	}
	if o, oerr := NewVersion(other); oerr == nil {
		uo, _ := upstream.NewVersion(other)
		if got, want := v.Compare(o), uv.Compare(uo); got != want {
			t.Fatalf("%q compared with %q: %d, upstream %d", version, other, got, want)
		}
	}
	if cerr == nil {
		ok, errs := c.Validate(v)
		uok, uerrs := uc.Validate(uv)
		if c.Check(v) != uc.Check(uv) || ok != uok || len(errs) != len(uerrs) {
			t.Fatalf("%q against %q: check %v, upstream %v", version, constraint, c.Check(v), uc.Check(uv))
		}
		for i := range errs {
			if errs[i].Error() != uerrs[i].Error() {
				t.Fatalf("%q against %q: %v, upstream %v", version, constraint, errs[i], uerrs[i])
			}
		}
	}
}

// upstreamCases are versions and constraints of the kinds policies hold,
// and the edges of both grammars.
var upstreamCases = []struct{ version, other, constraint string }{
	{"1.2.3", "1.2.4", ">=1.2.0 <2.0.0"},
	{"v1.4.0", "v1.4.0-rc.1", "^1.4"},
	{"2.3.1", "2.4.0", "~2.3.0 || ^3"},
	{"1.0.0-alpha.1+build.5", "1.0.0-alpha.2", ">=1.0.0-0"},
	{"1.2", "1.2.0", "1.2.x"},
	{"01.2.3", "1.2.3", "!= 1.2.3"},
	{"1.2.3.4", "1", "1.2.3 - 2.0.0"},
	{"", "x", ">= 1.0, < 2"},
	{"v", "1.x", "=> 1.2, =< 1.3"},
	{"1.2.3-0123", "1.2.3-123", "~> 1.2"},
	{"99999999999999999999.0.0", "0.0.0", "*"},
	{"1.2.3+meta-data", "1.2.3+other", "^0.0.1"},
	{"1.2.3", "1.2.3", "> 1 < 2 || 3.x"},
	{"1.2.3", "1.2.3", "bad constraint"},
}

// TestSameAsUpstream: the cases above answer as upstream's package does.
func TestSameAsUpstream(t *testing.T) {
	for _, c := range upstreamCases {
		sameAsUpstream(t, c.version, c.other, c.constraint)
	}
}

// FuzzSameAsUpstream: any version and constraint answer as upstream's.
func FuzzSameAsUpstream(f *testing.F) {
	for _, c := range upstreamCases {
		f.Add(c.version, c.other, c.constraint)
	}
	f.Fuzz(func(t *testing.T, version, other, constraint string) {
		sameAsUpstream(t, version, other, constraint)
	})
}
