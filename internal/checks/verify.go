package checks

import (
	"fmt"

	"github.com/stagehand-gitops/stagehand/internal/policy"
	"github.com/stagehand-gitops/stagehand/internal/promote"
)

// Signature is an image version that enters an environment requiring a
// signature (verify:): the shell verifies it and passes the fact in
// Input.Trust, by digest. Digest is "" when the overlay pins the tag only;
// the shell resolves the tag and passes its digest in Input.Digests.
type Signature struct {
	App, Image, Env string
	Tag, Digest     string
	Verify          policy.Verify
}

// Signatures returns the versions the shell must verify before Evaluate.
func Signatures(in Input) ([]Signature, error) {
	st, err := prepare(&in)
	if err != nil || st.unusable != "" {
		return nil, err
	}
	var out []Signature
	for i, tc := range st.touches {
		for _, ic := range st.changes[i] {
			v, ok := tc.pol.Verification(tc.app, ic.image, tc.env)
			if !ok || ic.to.IsZero() {
				continue
			}
			out = append(out, Signature{App: tc.app, Image: ic.image, Env: tc.env, Tag: ic.to.Tag, Digest: ic.to.Digest, Verify: v})
		}
	}
	return out, nil
}

// signatureRule narrows a passing tag rule: where the environment
// requires a signature, the version's digest must have verified.
func signatureRule(r Result, c change, in *Input) Result {
	if r.State != Pass {
		return r
	}
	v, ok := c.pol.Verification(c.app, c.image, c.env)
	if !ok {
		return r
	}
	digest := c.to.Digest
	if digest == "" {
		digest = in.Digests[c.to.Tag]
	}
	if digest == "" {
		return fail(r, fmt.Sprintf("`%s`: %s requires images %s, and the digest of `%s` is unknown, so its signature cannot be checked", c.to.Tag, c.env, v, c.to.Tag))
	}
	t, ok := in.Trust[digest]
	switch {
	case !ok:
		return fail(r, fmt.Sprintf("`%s`: %s requires images %s, and the signature of `%s` was not checked", c.to.Tag, c.env, v, digest))
	case !t.Verified:
		return fail(r, fmt.Sprintf("`%s`: not %s: %s", c.to.Tag, v, t.Detail))
	}
	return pass(r, fmt.Sprintf("%s; signature verified: %s", r.Reason, t.Detail))
}

// trustFacts are Input's fields for signatures, kept here with the rule.
type trustFacts struct {
	// Trust holds the shell's verification facts by digest, for the
	// versions Signatures lists.
	Trust promote.Trusts
	// Digests are what tags the overlays pin without a digest point at.
	Digests map[string]string
}
