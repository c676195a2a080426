package tags

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
)

// benchTags makes n tags shaped like a busy repository's: releases, rc and
// dev tags, suffixed variants and commit SHAs.
func benchTags(n int) []Candidate {
	r := rand.New(rand.NewPCG(7, 7))
	out := make([]Candidate, n)
	for i := range out {
		v := fmt.Sprintf("v%d.%d.%d", r.IntN(5), r.IntN(30), r.IntN(60))
		var tag string
		switch i % 10 {
		case 0, 1:
			tag = v + fmt.Sprintf("-rc%d", r.IntN(12))
		case 2:
			tag = v + "-dev"
		case 3:
			tag = v + "-alpine"
		case 4:
			tag = fmt.Sprintf("%07x", r.Uint32()&0xfffffff)
		default:
			tag = v
		}
		out[i] = Candidate{Tag: tag, Digest: fmt.Sprintf("sha256:%064x", i), PushedAt: epoch.Add(time.Duration(i) * time.Second)}
	}
	return out
}

// BenchmarkChoose is the explain command's work over 10,000 tags.
func BenchmarkChoose(b *testing.B) {
	tags := benchTags(10000)
	reqs := map[string]Request{
		"semver": {
			Candidates: tags, Current: "v3.4.5", Env: "prod",
			Rule: Rule{Strategy: SemVer, Filters: []Filter{{
				Source: "image rule", Constraint: ">=1.0.0 <4.0.0",
				AllowTags: `^v?\d+\.\d+\.\d+(-rc\d+)?$`, IgnoreTags: []string{"*-debug", "latest"},
			}}},
		},
		"channel": {
			Candidates: tags, Current: "v2.3.3-rc1", Env: "staging", Prerelease: true,
			Version: "2.3.4", VersionSource: "dev",
			Rule: Rule{Strategy: SemVer, Filters: []Filter{
				{Source: "image rule"},
				{Source: "staging's channel", AllowTags: `^v\d+\.\d+\.\d+-rc\d+$`},
			}},
		},
		"newest-build": {
			Candidates: tags, Current: "v1.0.0", Rule: Rule{Strategy: NewestBuild},
		},
	}
	// Registries list tags in lexical order (the distribution API
	// paginates that way); the chooser's sort is then linear.
	sorted := slices.Clone(tags)
	slices.SortFunc(sorted, func(a, b Candidate) int { return strings.Compare(a.Tag, b.Tag) })
	listed := reqs["semver"]
	listed.Candidates = sorted
	reqs["semver-listed-order"] = listed
	for name, req := range reqs {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Choose(req); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkParseVersion(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseVersion("v1.22.333-rc10", ""); err != nil {
			b.Fatal(err)
		}
	}
}
