package tags

import (
	"slices"
	"strings"
)

// rank chooses the highest of the eligible entries and rejects the rest
// into their slots: an entry whose key equals a higher one's loses a
// collision, every other one is outranked. Ties go to the later push, then
// to the tag that sorts last, so the result does not depend on input order.
// It returns the chosen entry's slot, or -1.
func (ch *chooser) rank(eligible []entry, slots []Rejection) int {
	if len(eligible) == 0 {
		return -1
	}
	// Sort indexes, not the entries themselves: far less to move.
	order := make([]int32, len(eligible))
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(i, j int32) int {
		a, b := &eligible[i], &eligible[j]
		if c := ch.compareKey(b, a); c != 0 {
			return c
		}
		return compareTie(b, a)
	})
	chosen := &eligible[order[0]]
	slots[chosen.pos].Candidate = chosen.c
	leader := chosen
	outranked := ch.outrankedDetail(chosen, false)
	sameTime := ch.outrankedDetail(chosen, true)
	for _, i := range order[1:] {
		e := &eligible[i]
		if ch.compareKey(e, leader) == 0 && ch.rule.strategy != NewestBuild {
			slots[e.pos] = Rejection{Candidate: e.c, Reason: ReasonCollision, Detail: ch.collisionDetail(e, leader)}
			continue
		}
		leader = e
		detail := outranked
		if ch.rule.strategy == NewestBuild && e.c.PushedAt.Equal(chosen.c.PushedAt) {
			detail = sameTime
		}
		slots[e.pos] = Rejection{Candidate: e.c, Reason: ReasonOutranked, Detail: detail}
	}
	return chosen.pos
}

// compareKey compares two entries by the strategy alone.
func (ch *chooser) compareKey(a, b *entry) int {
	switch ch.rule.strategy {
	case SemVer:
		return compareVersions(&a.v, &b.v)
	case Numerical:
		return compareNumbers(a.value, b.value)
	case Alphabetical:
		return strings.Compare(a.value, b.value)
	case NewestBuild:
		return a.c.PushedAt.Compare(b.c.PushedAt)
	}
	return 0
}

// compareTie breaks a tie of keys: the later push, then the tag that
// sorts last byte-wise, is the greater.
func compareTie(a, b *entry) int {
	if c := a.c.PushedAt.Compare(b.c.PushedAt); c != 0 {
		return c
	}
	return strings.Compare(a.c.Tag, b.c.Tag)
}

// compareToCurrent compares an entry with the current tag by the strategy.
// Only called when the current tag is known to the strategy.
func (ch *chooser) compareToCurrent(e *entry) int {
	switch ch.rule.strategy {
	case SemVer:
		return compareVersions(&e.v, ch.cur.v)
	case Numerical:
		return compareNumbers(e.value, ch.cur.value)
	case Alphabetical:
		return strings.Compare(e.value, ch.cur.value)
	case NewestBuild:
		return e.c.PushedAt.Compare(ch.cur.pushed)
	}
	return 0
}

func (ch *chooser) collisionDetail(loser, winner *entry) string {
	var why string
	switch {
	case winner.c.PushedAt.After(loser.c.PushedAt):
		why = "it was pushed later"
	case winner.c.PushedAt.IsZero():
		why = "push times are unknown and its name sorts last"
	default:
		why = "both were pushed at the same time and its name sorts last"
	}
	if ch.rule.extract != nil {
		return "extract collision: " + loser.value + " also extracted from " + winner.c.Tag + ", which won because " + why
	}
	what := "number " + trimZeros(loser.value)
	if ch.rule.strategy == SemVer {
		what = "version " + loser.v.norm
	}
	return "same " + what + " as " + winner.c.Tag + ", which won because " + why
}

// outrankedDetail is the detail for every tag the chosen one outranks;
// sameTime is for newest-build ties on push time.
func (ch *chooser) outrankedDetail(chosen *entry, sameTime bool) string {
	switch ch.rule.strategy {
	case Numerical:
		return "smaller than the chosen " + chosen.c.Tag
	case Alphabetical:
		return "sorts before the chosen " + chosen.c.Tag
	case NewestBuild:
		if sameTime {
			return "pushed at the same time as the chosen " + chosen.c.Tag + ", whose name sorts last"
		}
		return "pushed before the chosen " + chosen.c.Tag
	}
	return "older than the chosen " + chosen.c.Tag
}
