// Package tags chooses the next tag for an image from a list of candidates,
// and says why every other candidate was not chosen.
//
// It is part of the pure core: no network, no clock, no globals.
package tags

import "time"

// Strategy names how eligible candidates are ordered.
type Strategy string

// The strategies a rule may name.
const (
	SemVer       Strategy = "semver"
	NewestBuild  Strategy = "newest-build"
	Alphabetical Strategy = "alphabetical"
	Numerical    Strategy = "numerical"
	Digest       Strategy = "digest"
)

// Strategies lists every valid strategy, in documentation order.
var Strategies = []Strategy{SemVer, NewestBuild, Alphabetical, Numerical, Digest}

// Filter narrows the set of eligible tags. Every non-empty field must admit
// a tag for the filter to admit it. A Rule carries several filters (the
// image's rule, the environment's channel, an app's per-environment
// override); a tag is eligible only when all of them admit it.
type Filter struct {
	// Source names where the filter came from, for rejection reasons:
	// "image rule", "staging's channel", "order-service's prod override".
	Source string
	// Constraint is a Masterminds/semver constraint such as ">=1.2.0 <2.0.0".
	Constraint string
	// AllowTags is a regular expression a tag must match.
	AllowTags string
	// IgnoreTags holds globs (path.Match syntax) a tag must not match.
	// Filters narrow: no filter admits a tag another rule refuses. The
	// one exception: with no current version to follow, a suffixed tag
	// (1.2.3-alpine) is eligible only when some filter has an AllowTags.
	IgnoreTags []string
}

// Rule is everything the chooser needs to know about one image in one
// environment.
type Rule struct {
	// Strategy orders the eligible tags; "" means SemVer.
	Strategy Strategy
	// Extract is an optional regular expression with a named group
	// "version" (or, failing that, the first group). The group is compared;
	// the full tag is written.
	Extract string
	Filters []Filter
}

// Candidate is one tag the registry has, with what is known about it.
type Candidate struct {
	Tag      string
	Digest   string    // optional, "sha256:…"
	PushedAt time.Time // optional; used by newest-build
	// Trust is what the shell found when it verified the digest's
	// signature; it matters only when the Request has Verify set.
	Trust Trust
	// TrustDetail says why the signature did not verify (or who signed).
	TrustDetail string
}

// Trust is the outcome of verifying a candidate's signature, a fact the
// shell gathers from the registry.
type Trust int

// The trust facts.
const (
	// TrustUnknown: not verified (yet). Such a candidate may be chosen,
	// and the Decision then says it must be verified first.
	TrustUnknown Trust = iota
	// Trusted: the signature verified.
	Trusted
	// Untrusted: it is missing or did not verify; TrustDetail says why.
	Untrusted
)
