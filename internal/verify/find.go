package verify

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/stagehand-gitops/stagehand/internal/registry"
)

// The layer media types cosign writes.
const (
	// SimpleSigningMediaType is a .sig layer: a simple-signing payload,
	// with the signature in an annotation.
	SimpleSigningMediaType = "application/vnd.dev.cosign.simplesigning.v1+json"
	// DSSEMediaType is a .att layer: a DSSE envelope of an in-toto statement.
	DSSEMediaType = "application/vnd.dsse.envelope.v1+json"
)

// The layer annotations cosign writes.
const (
	SignatureAnnotation   = "dev.cosignproject.cosign/signature"
	CertificateAnnotation = "dev.sigstore.cosign/certificate"
	ChainAnnotation       = "dev.sigstore.cosign/chain"
	// RekorBundleAnnotation holds Rekor's signed entry timestamp and
	// the entry it logged for a keyless signature.
	RekorBundleAnnotation = "dev.sigstore.cosign/bundle"
)

// BundleArtifactPrefix starts the artifact type of a Sigstore bundle
// referrer (cosign v3, or v2.4+ with --new-bundle-format, writes
// application/vnd.dev.sigstore.bundle.v0.3+json).
const BundleArtifactPrefix = "application/vnd.dev.sigstore.bundle"

// maxBlob bounds a signature or attestation layer read from a registry.
const maxBlob = 4 << 20

// layer is one signature or attestation found for an image, with where it
// was found for messages.
type layer struct {
	mediaType   string
	annotations map[string]string
	blob        []byte
	where       string
}

// found is what find collected for one image.
type found struct {
	layers []layer
	// bundles are the artifact types of the Sigstore bundle referrers
	// seen, which this package does not verify (see docs/verify.md): a
	// reason names them rather than saying nothing is signed.
	bundles []string
	// bundleData are the Sigstore bundles read, for the helper.
	bundleData []layer
}

// find collects the cosign layers of one media type for the image at ref:
// from the OCI referrers API (go-containerregistry falls back to the
// referrers tag schema by itself) and from cosign's tag scheme
// (sha256-<hex>.sig and .att), and the Sigstore bundle referrers.
func find(ctx context.Context, ref name.Digest, mediaType string, opts []remote.Option) (found, error) {
	opts = append(opts[:len(opts):len(opts)], remote.WithContext(ctx))
	var out found
	idx, err := remote.Referrers(ref, opts...)
	if err != nil && !registry.IsNotFound(err) {
		return found{}, fmt.Errorf("list the referrers of %s: %w", ref, err)
	}
	if err == nil {
		im, err := idx.IndexManifest()
		if err != nil {
			return found{}, fmt.Errorf("read the referrers of %s: %w", ref, err)
		}
		for _, d := range im.Manifests {
			if strings.HasPrefix(d.ArtifactType, BundleArtifactPrefix) {
				if !slices.Contains(out.bundles, d.ArtifactType) {
					out.bundles = append(out.bundles, d.ArtifactType)
				}
				ls, err := layersOf(ref.Context().Digest(d.Digest.String()), d.ArtifactType, "bundle "+d.Digest.String(), opts)
				if err != nil {
					return found{}, err
				}
				out.bundleData = append(out.bundleData, ls...)
				continue
			}
			ls, err := layersOf(ref.Context().Digest(d.Digest.String()), mediaType, "referrer "+d.Digest.String(), opts)
			if err != nil {
				return found{}, err
			}
			out.layers = append(out.layers, ls...)
		}
	}
	suffix := ".sig"
	if mediaType == DSSEMediaType {
		suffix = ".att"
	}
	tag := ref.Context().Tag(strings.Replace(ref.DigestStr(), ":", "-", 1) + suffix)
	ls, err := layersOf(tag, mediaType, "tag "+tag.TagStr(), opts)
	if err != nil && !registry.IsNotFound(err) {
		return found{}, err
	}
	out.layers = append(out.layers, ls...)
	return out, nil
}

// unreadBundles is the end of a reason when Sigstore bundles were seen
// and nothing Stagehand reads verified: "" when there were none.
func (f found) unreadBundles() string {
	if len(f.bundles) == 0 {
		return ""
	}
	return fmt.Sprintf("; a Sigstore bundle (%s) is attached, which Stagehand verifies for keyless signers only (see docs/verify.md)", strings.Join(f.bundles, ", "))
}

// layersOf reads the manifest at ref and the blobs of its layers of the
// wanted media type.
func layersOf(ref name.Reference, mediaType, where string, opts []remote.Option) ([]layer, error) {
	img, err := remote.Image(ref, opts...)
	if err != nil {
		if registry.IsNotFound(err) {
			return nil, err
		}
		return nil, fmt.Errorf("read %s: %w", where, err)
	}
	m, err := img.Manifest()
	if err != nil {
		return nil, fmt.Errorf("read the manifest of %s: %w", where, err)
	}
	var out []layer
	for _, d := range m.Layers {
		if string(d.MediaType) != mediaType {
			continue
		}
		blob, err := readBlob(img, d)
		if err != nil {
			return nil, fmt.Errorf("read layer %s of %s: %w", d.Digest, where, err)
		}
		out = append(out, layer{mediaType: mediaType, annotations: d.Annotations, blob: blob, where: where})
	}
	return out, nil
}

func readBlob(img v1.Image, d v1.Descriptor) ([]byte, error) {
	if d.Size > maxBlob {
		return nil, fmt.Errorf("layer is %d bytes, more than %d", d.Size, maxBlob)
	}
	l, err := img.LayerByDigest(d.Digest)
	if err != nil {
		return nil, err
	}
	rc, err := l.Compressed()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	// Compressed() checks the digest when the stream ends.
	return io.ReadAll(io.LimitReader(rc, maxBlob+1))
}
