package verify

import (
	"context"
	"fmt"
	"io/fs"

	"github.com/stagehand-gitops/stagehand/internal/checks"
	"github.com/stagehand-gitops/stagehand/internal/policy"
	"github.com/stagehand-gitops/stagehand/internal/promote"
	"github.com/stagehand-gitops/stagehand/internal/registry"
)

// Truster verifies image@digest against a verify: block (Checker does).
type Truster interface {
	Trust(ctx context.Context, image, digest string, v policy.Verify, tree fs.FS) (promote.Trust, error)
}

// Header resolves a tag to its digest (registry.Resolver does).
type Header interface {
	Head(ctx context.Context, image, tag string) (registry.Descriptor, error)
}

// Facts verifies the versions a pull request brings into environments
// that require signatures (checks.Signatures) and records the facts in
// in.Trust, resolving tags the overlays pin without a digest through h
// (nil leaves them unknown). Key files are read from the base tree, never
// the head's: a pull request could bring its own key.
func Facts(ctx context.Context, t Truster, h Header, in *checks.Input) error {
	sigs, err := checks.Signatures(*in)
	if err != nil {
		return err
	}
	for _, s := range sigs {
		image := policy.NormalizeImage(s.Image)
		digest := s.Digest
		if digest == "" {
			if h == nil {
				continue
			}
			desc, err := h.Head(ctx, image, s.Tag)
			if err != nil {
				return fmt.Errorf("resolve %s:%s to verify its signature: %w", image, s.Tag, err)
			}
			digest = desc.Digest
			if in.Digests == nil {
				in.Digests = map[string]string{}
			}
			in.Digests[s.Tag] = digest
		}
		if _, done := in.Trust[digest]; done {
			continue
		}
		f, err := t.Trust(ctx, image, digest, s.Verify, in.Base)
		if err != nil {
			return err
		}
		if in.Trust == nil {
			in.Trust = promote.Trusts{}
		}
		in.Trust[digest] = f
	}
	return nil
}
