package bot

import (
	"cmp"
	"context"
	"fmt"
	"io/fs"
	"slices"

	"github.com/stagehand-gitops/stagehand/internal/chatops"
	"github.com/stagehand-gitops/stagehand/internal/checks"
	"github.com/stagehand-gitops/stagehand/internal/policy"
	"github.com/stagehand-gitops/stagehand/internal/promote"
	"github.com/stagehand-gitops/stagehand/internal/tags"
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
		b.setRefused(st, pair{skip.App, skip.Image, skip.Env}, c, v, t)
	}
}

// maxRefused bounds the refused tags kept for one app, image and
// environment: /status shows the most recent.
const maxRefused = 5

// refusedTag is a tag whose signature did not verify for an environment.
type refusedTag struct {
	tag, digest, detail string
}

// setRefused records, for /status, that c was refused for p because its
// signature does not verify against v (or forgets it once it verifies:
// a signature may be added after the push). The record is what the bot
// saw since it started, like the unlisted registries: a restart empties
// it, and explain finds the same reasons from the registry's answers.
func (b *Bot) setRefused(st *repoState, p pair, c tags.Candidate, v policy.Verify, t promote.Trust) {
	b.mu.Lock()
	defer b.mu.Unlock()
	repo := st.repo.String()
	old := b.refused[repo][p]
	kept := make([]refusedTag, 0, len(old)+1)
	if !t.Verified {
		kept = append(kept, refusedTag{tag: c.Tag, digest: c.Digest, detail: tags.UnverifiedDetail(v.String(), t.Detail)})
	}
	for _, r := range old {
		if r.tag != c.Tag && r.digest != c.Digest && len(kept) < maxRefused {
			kept = append(kept, r)
		}
	}
	if len(kept) == 0 {
		deletePair(b.refused, repo, p)
		return
	}
	if b.refused == nil {
		b.refused = map[string]map[pair][]refusedTag{}
	}
	if b.refused[repo] == nil {
		b.refused[repo] = map[pair][]refusedTag{}
	}
	b.refused[repo][p] = kept
}

// refusedTags are /status's refused tags of repo (of app, unless empty),
// by app, environment and image, most recent first within each.
func (b *Bot) refusedTags(repo, app string) []chatops.RefusedTag {
	b.mu.Lock()
	defer b.mu.Unlock()
	var ps []pair
	for p := range b.refused[repo] {
		if app == "" || p.app == app {
			ps = append(ps, p)
		}
	}
	slices.SortFunc(ps, func(x, y pair) int {
		return cmp.Or(cmp.Compare(x.app, y.app), cmp.Compare(x.env, y.env), cmp.Compare(x.image, y.image))
	})
	var out []chatops.RefusedTag
	for _, p := range ps {
		for _, r := range b.refused[repo][p] {
			out = append(out, chatops.RefusedTag{App: p.app, Env: p.env, Tag: r.tag, Detail: r.detail})
		}
	}
	return out
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
