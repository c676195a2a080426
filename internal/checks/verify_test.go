package checks

import (
	"slices"
	"strings"
	"testing"

	"github.com/stagehand-gitops/stagehand/internal/promote"
)

const verifiedDigest = "sha256:2222222222222222222222222222222222222222222222222222222222222222"

// TestSignatureRule: prod requires images signed with keys/cosign.pub; a
// pull request bringing v1.2.0 (which ran in staging) into prod passes
// only when the shell verified its digest.
func TestSignatureRule(t *testing.T) {
	pol := strings.Replace(artifactPolicy, "    soak: 2h\n", "    soak: 2h\n    verify: {key: keys/cosign.pub}\n", 1)
	base := repo(pol, map[string]string{"dev": "v1.3.0", "staging": "v1.2.0", "production": "v1.1.0"})
	head := clone(base)
	setTag(head, "production", "v1.2.0")
	tests := []struct {
		name    string
		digests map[string]string
		trust   promote.Trusts
		state   string
		reason  string
	}{
		{"verified", map[string]string{"v1.2.0": verifiedDigest}, promote.Trusts{verifiedDigest: {Verified: true, Detail: "signed by the key in keys/cosign.pub"}},
			"stagehand/prod=success", "`v1.2.0` is in prod's channel; signature verified: signed by the key in keys/cosign.pub"},
		{"unsigned", map[string]string{"v1.2.0": verifiedDigest}, promote.Trusts{verifiedDigest: {Detail: "no cosign signature for " + verifiedDigest}},
			"stagehand/prod=failure", "`v1.2.0`: not signed with keys/cosign.pub: no cosign signature for " + verifiedDigest},
		{"not checked", map[string]string{"v1.2.0": verifiedDigest}, nil,
			"stagehand/prod=failure", "`v1.2.0`: prod requires images signed with keys/cosign.pub, and the signature of `" + verifiedDigest + "` was not checked"},
		{"digest unknown", nil, nil,
			"stagehand/prod=failure", "`v1.2.0`: prod requires images signed with keys/cosign.pub, and the digest of `v1.2.0` is unknown, so its signature cannot be checked"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := Input{Base: base, Head: head, Now: now, History: artifactHistory(), PR: PR{Number: 7, Author: "stagehand[bot]"}}
			sigs, err := Signatures(in)
			if err != nil {
				t.Fatal(err)
			}
			if len(sigs) != 1 || sigs[0].Env != "prod" || sigs[0].Tag != "v1.2.0" || sigs[0].Verify.Key != "keys/cosign.pub" {
				t.Fatalf("Signatures = %+v, want prod's v1.2.0 with keys/cosign.pub", sigs)
			}
			in.Trust, in.Digests = tt.trust, tt.digests
			rep, err := Evaluate(in)
			if err != nil {
				t.Fatal(err)
			}
			if got := states(rep); !slices.Equal(got, []string{tt.state}) {
				t.Errorf("checks = %v, want %s", got, tt.state)
			}
			var reason string
			for _, r := range rep.Verdicts[0].Rows[0].Results {
				if r.Rule == RuleTags {
					reason = r.Reason
				}
			}
			if reason != tt.reason {
				t.Errorf("tags rule: %q\nwant %q", reason, tt.reason)
			}
			if tt.name == "unsigned" {
				goldenText(t, "evaluate/signature-unsigned.md", dump(rep))
			}
		})
	}
}
