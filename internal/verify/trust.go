package verify

import (
	"context"
	"fmt"
	"io/fs"

	"github.com/google/go-containerregistry/pkg/name"

	"github.com/stagehand-gitops/stagehand/internal/policy"
	"github.com/stagehand-gitops/stagehand/internal/promote"
)

// Trust verifies image@digest against a policy's verify: block, reading
// its key file from the config repository's tree, and returns the fact the
// planner takes. A key file that cannot be read or a name that does not
// parse is a fact (not verified, and why); a registry failure is an error.
func (c *Checker) Trust(ctx context.Context, image, digest string, v policy.Verify, tree fs.FS) (promote.Trust, error) {
	ref, err := name.NewDigest(image+"@"+digest, c.Names...)
	if err != nil {
		return promote.Trust{Detail: fmt.Sprintf("%s@%s is not an image reference: %v", image, digest, err)}, nil
	}
	req := Requirement{Identity: v.Identity, IdentityRegexp: v.IdentityRegexp, Issuer: v.Issuer, IssuerRegexp: v.IssuerRegexp, PredicateTypes: v.Attestations}
	if !v.Keyless() {
		pem, err := fs.ReadFile(tree, v.Key)
		if err != nil {
			return promote.Trust{Detail: fmt.Sprintf("read the key file %s: %v", v.Key, err)}, nil
		}
		req.KeyPEM, req.KeyFile = pem, v.Key
	}
	res, err := c.Check(ctx, ref, req)
	if err != nil {
		return promote.Trust{}, fmt.Errorf("verify %s: %w", ref, err)
	}
	return promote.Trust{Verified: res.Verified, Detail: res.Reason}, nil
}
