package tags

// Reason is a stable code for why a candidate was not chosen. Codes never
// change meaning; tools and tests may branch on them. docs/tags.md has the
// table.
type Reason string

// The reasons, in the order Choose checks them. A rejected candidate gets
// the first one that applies.
const (
	// ReasonDuplicate: the same tag was listed more than once.
	ReasonDuplicate Reason = "duplicate"
	// ReasonIgnoreTags: the tag matches a filter's ignoreTags glob.
	ReasonIgnoreTags Reason = "ignore-tags"
	// ReasonAllowTags: the tag does not match a filter's allowTags regexp.
	ReasonAllowTags Reason = "allow-tags"
	// ReasonNotTracked: the digest strategy tracks only the current tag.
	ReasonNotTracked Reason = "not-tracked"
	// ReasonExtract: the rule's extract regexp does not match the tag.
	ReasonExtract Reason = "extract"
	// ReasonNotVersion: the tag (or its extracted part) is not a version,
	// and the strategy, a constraint or the carried version needs one.
	ReasonNotVersion Reason = "not-a-version"
	// ReasonNotNumber: the numerical strategy met a tag that is not a number.
	ReasonNotNumber Reason = "not-a-number"
	// ReasonNoPushTime: newest-build met a tag without a push time.
	ReasonNoPushTime Reason = "no-push-time"
	// ReasonSuffix: the tag's compatibility suffix (-alpine) is another
	// channel than the current tag's.
	ReasonSuffix Reason = "suffix"
	// ReasonPrerelease: a prerelease in an environment that takes none.
	ReasonPrerelease Reason = "prerelease"
	// ReasonConstraint: the version is outside a filter's constraint.
	ReasonConstraint Reason = "constraint"
	// ReasonVersion: with carry: version, the tag's major.minor.patch is
	// not the one the previous environment runs.
	ReasonVersion Reason = "version"
	// ReasonNotNewer: the tag is not newer than the current one.
	ReasonNotNewer Reason = "not-newer"
	// ReasonNotOlder: in a rollback, the tag is not older than the current one.
	ReasonNotOlder Reason = "not-older"
	// ReasonNoDigest: the digest strategy's tracked tag has no known digest.
	ReasonNoDigest Reason = "no-digest"
	// ReasonSameDigest: the tracked tag still points at the deployed digest.
	ReasonSameDigest Reason = "same-digest"
	// ReasonUnverified: the environment requires a signature, and the
	// candidate's is missing or does not verify.
	ReasonUnverified Reason = "unverified"
	// ReasonCollision: another eligible tag has the same version (or the
	// same extracted value) and won the tie.
	ReasonCollision Reason = "collision"
	// ReasonOutranked: the tag was eligible, but another one ranks higher.
	ReasonOutranked Reason = "outranked"
)

// Reasons lists every reason in the order Choose checks them.
var Reasons = []Reason{
	ReasonDuplicate, ReasonIgnoreTags, ReasonAllowTags, ReasonNotTracked,
	ReasonExtract, ReasonNotVersion, ReasonNotNumber, ReasonNoPushTime,
	ReasonSuffix, ReasonPrerelease, ReasonConstraint, ReasonVersion,
	ReasonNotNewer, ReasonNotOlder, ReasonNoDigest, ReasonSameDigest,
	ReasonUnverified, ReasonCollision, ReasonOutranked,
}
