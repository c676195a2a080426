package bot

import (
	"context"

	"go.uber.org/zap"

	"github.com/stagehand-gitops/stagehand/internal/policy"
	"github.com/stagehand-gitops/stagehand/internal/promote"
)

// sameImageDigests asks the registry what the two tags of p's same-image
// line point at (the previous environment's and the new one), for each
// whose digest neither an overlay pin nor the candidates gave: one manifest
// HEAD each, free of Docker Hub's pull limit. A tag the registry does not
// resolve stays unknown, and the line says so. nil when nothing was learnt.
func (b *Bot) sameImageDigests(ctx context.Context, p promote.Proposal) map[string]string {
	if b.cfg.Digests == nil || p.Previous == nil {
		return nil
	}
	var out map[string]string
	image := policy.NormalizeImage(p.Image)
	for _, v := range []promote.Version{p.Previous.Version, {Tag: p.To.Tag, Digest: p.Digest}} {
		if v.Digest != "" || v.Tag == "" || out[v.Tag] != "" {
			continue
		}
		desc, err := b.cfg.Digests.Head(ctx, image, v.Tag)
		if err != nil {
			b.log.Debug("no digest for the same-image line", zap.String("image", image), zap.String("tag", v.Tag), zap.Error(err))
			continue
		}
		if out == nil {
			out = map[string]string{}
		}
		out[v.Tag] = desc.Digest
	}
	return out
}
