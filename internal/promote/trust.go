package promote

import (
	"fmt"

	"github.com/stagehand-gitops/stagehand/internal/tags"
)

// Trust is what the shell found when it verified one digest's signature
// against the policy's verify: block.
type Trust struct {
	Verified bool
	// Detail says who signed it, or why it does not verify.
	Detail string
}

// Trusts holds verification facts by digest ("sha256:…").
type Trusts map[string]Trust

// apply copies cands with the facts known for their digests.
func (t Trusts) apply(cands []tags.Candidate) []tags.Candidate {
	if len(t) == 0 {
		return cands
	}
	out := make([]tags.Candidate, len(cands))
	for i, c := range cands {
		if f, ok := t[c.Digest]; ok && c.Digest != "" {
			c.Trust, c.TrustDetail = tags.Untrusted, f.Detail
			if f.Verified {
				c.Trust = tags.Trusted
			}
		}
		out[i] = c
	}
	return out
}

// unverifiedSkip skips a choice whose signature the shell did not
// verify: fail closed rather than promote an unchecked image.
func unverifiedSkip(app, env, image string, c Choice) *Skip {
	return &Skip{App: app, Env: env, Image: image, Reason: unverified(c), Unchecked: c.Decision.Chosen, NeedsCheck: true}
}

func unverified(c Choice) string {
	ch := c.Decision.Chosen
	if ch.Digest == "" {
		return fmt.Sprintf("%s: %s requires images %s, and the digest of %s is unknown, so its signature cannot be checked", ch.Tag, c.Request.Env, c.Request.Verify, ch.Tag)
	}
	return fmt.Sprintf("%s: %s requires images %s, and the signature of %s was not checked", ch.Tag, c.Request.Env, c.Request.Verify, ch.Digest)
}

// verifiedLine is the PR body's line about the signature, "" when the
// environment requires none.
func verifiedLine(c Choice) string {
	if c.Request.Verify == "" {
		return ""
	}
	return fmt.Sprintf("Signature: verified (%s): %s", c.Request.Verify, c.Decision.Chosen.TrustDetail)
}
