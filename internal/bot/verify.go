package bot

import (
	"context"
	"fmt"
	"io/fs"

	"github.com/stagehand-gitops/stagehand/internal/checks"
	"github.com/stagehand-gitops/stagehand/internal/policy"
	"github.com/stagehand-gitops/stagehand/internal/promote"
	"github.com/stagehand-gitops/stagehand/internal/verify"
)

// Verifier checks the signature of image@digest against a verify: block,
// reading its key file from tree (internal/verify's Checker does).
type Verifier interface {
	Trust(ctx context.Context, image, digest string, v policy.Verify, tree fs.FS) (promote.Trust, error)
}

// maxChecks bounds the signatures one plan verifies: each check may
// reject the choice, and the next candidate is checked in turn.
const maxChecks = 5

// checkSignatures runs plan until it no longer asks for a signature
// check, verifying the digest each skip names and adding the fact to
// trust (resolving a tag's digest into digests first when the overlay pins
// the tag only). Without a Verifier the skip stands: an environment that
// requires signatures gets nothing unchecked.
func (b *Bot) checkSignatures(ctx context.Context, st *repoState, tree fs.FS, trust *promote.Trusts, digests *map[string]string,
	plan func() (promote.Proposal, *promote.Skip, error)) (promote.Proposal, *promote.Skip, error) {
	for i := 0; ; i++ {
		p, skip, err := plan()
		if err != nil || skip == nil || !skip.NeedsCheck || b.cfg.Verifier == nil || i == maxChecks {
			return p, skip, err
		}
		image, c := policy.NormalizeImage(skip.Image), skip.Unchecked
		if c.Digest == "" {
			if b.cfg.Digests == nil || digests == nil {
				return p, skip, nil
			}
			desc, err := b.cfg.Digests.Head(ctx, image, c.Tag)
			if err != nil {
				return p, skip, fmt.Errorf("resolve %s:%s to verify its signature: %w", image, c.Tag, err)
			}
			if *digests == nil {
				*digests = map[string]string{}
			}
			(*digests)[c.Tag] = desc.Digest
			continue
		}
		v, _ := st.pol.Verification(skip.App, skip.Image, skip.Env)
		t, err := b.cfg.Verifier.Trust(ctx, image, c.Digest, v, tree)
		if err != nil {
			return p, skip, err
		}
		if *trust == nil {
			*trust = promote.Trusts{}
		}
		(*trust)[c.Digest] = t
	}
}

// mergeDigests adds b's tags to a (b wins), allocating when a is nil.
func mergeDigests(a, b map[string]string) map[string]string {
	if a == nil {
		a = make(map[string]string, len(b))
	}
	for k, v := range b {
		a[k] = v
	}
	return a
}

// signatureFacts verifies the versions a pull request brings into
// environments that require signatures (see verify.Facts). Without a
// Verifier they stay unchecked and the check fails closed.
func (b *Bot) signatureFacts(ctx context.Context, in *checks.Input) error {
	if b.cfg.Verifier == nil {
		return nil
	}
	var h verify.Header
	if b.cfg.Digests != nil {
		h = b.cfg.Digests
	}
	return verify.Facts(ctx, b.cfg.Verifier, h, in)
}
