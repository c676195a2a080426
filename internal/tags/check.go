package tags

// check applies every per-candidate rule to c, in the order of Reasons,
// and returns either the eligible entry or the first failing reason.
func (ch *chooser) check(c Candidate) (entry, Reason, string) {
	rej := func(r Reason, detail string) (entry, Reason, string) {
		return entry{}, r, detail
	}
	if r, detail, ok := ch.checkFilters(c.Tag); !ok {
		return rej(r, detail)
	}
	if ch.rule.strategy == Digest && c.Tag != ch.req.Current {
		if ch.req.Current == "" {
			return rej(ReasonNotTracked, "digest strategy tracks the current tag, and there is none")
		}
		return rej(ReasonNotTracked, "digest strategy tracks "+ch.req.Current+" only")
	}
	value, ok := ch.rule.extract.value(c.Tag)
	if !ok {
		return rej(ReasonExtract, "extract "+ch.req.Rule.Extract+" does not match")
	}
	e := entry{c: c, value: value}
	v, why := parseValue(value)
	switch {
	case why == "":
	case ch.rule.strategy == SemVer:
		return rej(ReasonNotVersion, "not a version: "+why)
	case ch.rule.needVersion || ch.want != nil:
		return rej(ReasonNotVersion, "not a version: "+why+"; "+ch.versionNeededBy())
	}
	switch ch.rule.strategy {
	case Numerical:
		if !isNumber(value) {
			return rej(ReasonNotNumber, "numerical strategy: not a number")
		}
	case NewestBuild:
		if c.PushedAt.IsZero() {
			return rej(ReasonNoPushTime, "newest-build strategy: push time unknown")
		}
	}
	if why == "" {
		e.v = v
		if r, detail, ok := ch.checkVersion(&e.v); !ok {
			return rej(r, detail)
		}
	}
	if r, detail, ok := ch.checkCurrent(&e); !ok {
		return rej(r, detail)
	}
	if ch.req.Verify != "" && c.Trust == Untrusted {
		return rej(ReasonUnverified, UnverifiedDetail(ch.req.Verify, c.TrustDetail))
	}
	return e, "", ""
}

// checkFilters applies every filter's ignoreTags, then every filter's
// allowTags.
func (ch *chooser) checkFilters(tag string) (Reason, string, bool) {
	for i := range ch.rule.filters {
		f := &ch.rule.filters[i]
		for _, g := range f.ignore {
			if g.match(tag) {
				return ReasonIgnoreTags, g.detail, false
			}
		}
	}
	for i := range ch.rule.filters {
		f := &ch.rule.filters[i]
		if f.allow != nil && !f.allow.MatchString(tag) {
			return ReasonAllowTags, f.allowDetail, false
		}
	}
	return "", "", true
}

func (ch *chooser) versionNeededBy() string {
	for _, f := range ch.rule.filters {
		if f.constraint != nil {
			return "constraint " + f.Constraint + " (" + f.Source + ") needs one"
		}
	}
	return "the carried version needs one"
}

// checkVersion applies the rules that need a version: suffix channel,
// prerelease, constraints and the carried version.
func (ch *chooser) checkVersion(v *version) (Reason, string, bool) {
	cur := ch.cur.v
	switch {
	case cur != nil && v.suffix != cur.suffix:
		return ReasonSuffix, "suffix channel " + channelName(v.suffix) + " is not current " + ch.cur.tag + "'s (" + channelName(cur.suffix) + ")", false
	case cur == nil && v.suffix != "" && !ch.rule.anyAllow:
		return ReasonSuffix, "suffix channel -" + v.suffix + ": no current version to follow and no allowTags admitting it", false
	}
	if v.pre != "" && !ch.req.Prerelease {
		return ReasonPrerelease, ch.details.prerelease, false
	}
	for i := range ch.rule.filters {
		f := &ch.rule.filters[i]
		if !f.admits(v) {
			return ReasonConstraint, f.constraintDetail, false
		}
	}
	if ch.want != nil && compareRelease(v, ch.want) != 0 {
		return ReasonVersion, ch.carryDetail(v), false
	}
	return "", "", true
}

func channelName(suffix string) string {
	if suffix == "" {
		return "none"
	}
	return "-" + suffix
}

func (ch *chooser) carryDetail(v *version) string {
	release := v.release()
	wanted := ch.want.norm
	src := ch.req.VersionSource
	if src == "" {
		return "version " + release + " is not the carried version " + wanted
	}
	if compareRelease(v, ch.want) > 0 {
		return "version " + release + " does not run in " + src + " yet (" + src + " runs " + wanted + ")"
	}
	return "version " + release + " is older than what " + src + " runs (" + wanted + ")"
}

// checkCurrent compares the entry with the current tag: newer in a normal
// promotion, older in a rollback, a new digest for the digest strategy.
func (ch *chooser) checkCurrent(e *entry) (Reason, string, bool) {
	if ch.rule.strategy == Digest {
		switch {
		case e.c.Digest == "":
			return ReasonNoDigest, "digest of " + e.c.Tag + " unknown", false
		case e.c.Digest == ch.req.CurrentDigest:
			return ReasonSameDigest, "still at the deployed digest " + e.c.Digest, false
		}
		return "", "", true
	}
	if !ch.cur.known {
		return "", "", true
	}
	c := ch.compareToCurrent(e)
	switch {
	case ch.req.Rollback && c >= 0:
		return ReasonNotOlder, ch.details.notOlder, false
	case !ch.req.Rollback && e.c.Tag == ch.cur.tag:
		return ReasonNotNewer, "is the current tag", false
	case !ch.req.Rollback && c <= 0:
		return ReasonNotNewer, ch.details.notNewer, false
	}
	return "", "", true
}

// UnverifiedDetail is the rejection detail of a tag whose signature does
// not verify: what the environment requires (req.Verify, "signed with
// keys/cosign.pub") and why the signature fails it. explain, /status and
// the PR body use this one wording.
func UnverifiedDetail(verify, why string) string {
	return "not " + verify + ": " + why
}
