package tags

import "testing"

// The three-tag story: one release travels as v1.2.4-dev in dev,
// v1.2.4-rcN in staging and v1.2.4 in prod, each environment with its own
// channel and carry: version.
func TestChannels(t *testing.T) {
	storyTags := cands("v1.2.4-dev", "v1.2.4-rc1", "v1.2.4-rc2", "v1.2.5-rc1", "v1.2.4")
	channel := func(env, allow string) Rule {
		return Rule{Strategy: SemVer, Filters: []Filter{
			{Source: "image rule"},
			{Source: env + "'s channel", AllowTags: allow},
		}}
	}
	runChooseCases(t, []chooseCase{
		{
			name: "staging takes the newest rc of the version dev runs",
			req: Request{
				Candidates: storyTags, Current: "v1.2.3-rc1",
				Rule:       channel("staging", `^v\d+\.\d+\.\d+-rc\d+$`),
				Prerelease: true, Version: "1.2.4", Env: "staging", VersionSource: "dev",
			},
			chosen: "v1.2.4-rc2",
			reasons: rejected{
				"v1.2.4-dev": ReasonAllowTags, "v1.2.4": ReasonAllowTags,
				"v1.2.5-rc1": ReasonVersion, "v1.2.4-rc1": ReasonOutranked,
			},
			details: map[string]string{
				"v1.2.4-dev": `not in staging's channel (allowTags ^v\d+\.\d+\.\d+-rc\d+$)`,
				"v1.2.4":     `not in staging's channel (allowTags ^v\d+\.\d+\.\d+-rc\d+$)`,
				"v1.2.5-rc1": "version 1.2.5 does not run in dev yet (dev runs 1.2.4)",
				"v1.2.4-rc1": "older than the chosen v1.2.4-rc2",
			},
		},
		{
			name: "dev takes its -dev tag",
			req: Request{
				Candidates: storyTags, Current: "v1.2.3-dev",
				Rule: channel("dev", `-dev$`), Prerelease: true, Env: "dev",
			},
			chosen: "v1.2.4-dev",
			reasons: rejected{
				"v1.2.4-rc1": ReasonAllowTags, "v1.2.4-rc2": ReasonAllowTags,
				"v1.2.5-rc1": ReasonAllowTags, "v1.2.4": ReasonAllowTags,
			},
		},
		{
			name: "prod takes the release of the version staging runs",
			req: Request{
				Candidates: storyTags, Current: "v1.2.3",
				Rule:    channel("prod", `^v\d+\.\d+\.\d+$`),
				Version: "1.2.4", Env: "prod", VersionSource: "staging",
			},
			chosen: "v1.2.4",
			reasons: rejected{
				"v1.2.4-dev": ReasonAllowTags, "v1.2.4-rc1": ReasonAllowTags,
				"v1.2.4-rc2": ReasonAllowTags, "v1.2.5-rc1": ReasonAllowTags,
			},
		},
		{
			name: "staging waits while dev runs an older version",
			req: Request{
				Candidates: cands("v1.2.5-rc1"), Current: "v1.2.4-rc2",
				Rule:       channel("staging", `^v\d+\.\d+\.\d+-rc\d+$`),
				Prerelease: true, Version: "1.2.4", Env: "staging", VersionSource: "dev",
			},
			reasons: rejected{"v1.2.5-rc1": ReasonVersion},
		},
		{
			name: "rc2 supersedes rc1 already running",
			req: Request{
				Candidates: storyTags, Current: "v1.2.4-rc1",
				Rule:       channel("staging", `^v\d+\.\d+\.\d+-rc\d+$`),
				Prerelease: true, Version: "1.2.4", Env: "staging", VersionSource: "dev",
			},
			chosen: "v1.2.4-rc2",
			reasons: rejected{
				"v1.2.4-dev": ReasonAllowTags, "v1.2.4": ReasonAllowTags,
				"v1.2.5-rc1": ReasonVersion, "v1.2.4-rc1": ReasonNotNewer,
			},
		},
	})
}
