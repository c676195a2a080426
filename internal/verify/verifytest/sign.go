// Package verifytest signs images the way cosign does, for tests and the
// sandbox: keyed with an ECDSA P-256 key (as cosign generate-key makes),
// or keyless with a certificate from a test certificate authority that
// stands in for Fulcio. Signatures are written to a real registry in
// either of cosign's two forms: an OCI referrer of the image, or the
// sha256-<hex>.sig / .att tag.
package verifytest

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/partial"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/secure-systems-lab/go-securesystemslib/dsse"
	"github.com/sigstore/sigstore/pkg/cryptoutils"
	"github.com/sigstore/sigstore/pkg/signature"

	"github.com/stagehand-gitops/stagehand/internal/verify"
)

// Form is where a signature is stored.
type Form int

// The two forms cosign writes.
const (
	// Tag stores it under the tag sha256-<hex>.sig (or .att).
	Tag Form = iota
	// Referrer stores it as a manifest whose subject is the image.
	Referrer
)

func (f Form) String() string {
	if f == Referrer {
		return "referrer"
	}
	return "tag"
}

// Signer signs payloads: a key, and for keyless signing the certificate
// that names its identity.
type Signer struct {
	key  *ecdsa.PrivateKey
	cert *x509.Certificate
	// chain is the issuing certificates, leaf's issuer first.
	chain []*x509.Certificate
}

// NewKey makes an ECDSA P-256 key pair, as cosign generate-key does.
func NewKey() (*Signer, error) {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	return &Signer{key: k}, nil
}

// PublicPEM is the public key in the PEM form of cosign.pub.
func (s *Signer) PublicPEM() []byte {
	b, err := cryptoutils.MarshalPublicKeyToPEM(s.key.Public())
	if err != nil {
		panic(err) // an ECDSA P-256 key always marshals
	}
	return b
}

func (s *Signer) sign(msg []byte) ([]byte, error) {
	sv, err := signature.LoadSigner(s.key, crypto.SHA256)
	if err != nil {
		return nil, err
	}
	return sv.SignMessage(bytes.NewReader(msg))
}

// annotations are the ones cosign puts on a signature layer.
func (s *Signer) annotations() (map[string]string, error) {
	a := map[string]string{}
	if s.cert != nil {
		leaf, err := cryptoutils.MarshalCertificateToPEM(s.cert)
		if err != nil {
			return nil, err
		}
		chain, err := cryptoutils.MarshalCertificatesToPEM(s.chain)
		if err != nil {
			return nil, err
		}
		a[verify.CertificateAnnotation] = string(leaf)
		a[verify.ChainAnnotation] = string(chain)
	}
	return a, nil
}

// Payload is the simple-signing payload cosign signs for digest.
func Payload(repo, digest string) []byte {
	b, _ := json.Marshal(map[string]any{
		"critical": map[string]any{
			"identity": map[string]string{"docker-reference": repo},
			"image":    map[string]string{"docker-manifest-digest": digest},
			"type":     "cosign container image signature",
		},
		"optional": nil,
	})
	return b
}

// Sign signs the image at ref in the given form.
func (s *Signer) Sign(ref name.Digest, form Form, opts ...remote.Option) error {
	return s.SignPayload(ref, Payload(ref.Context().String(), ref.DigestStr()), form, opts...)
}

// SignPayload signs payload (which may name another digest, for tests of
// a tampered signature) and stores it as a signature of ref.
func (s *Signer) SignPayload(ref name.Digest, payload []byte, form Form, opts ...remote.Option) error {
	sig, err := s.sign(payload)
	if err != nil {
		return err
	}
	ann, err := s.annotations()
	if err != nil {
		return err
	}
	ann[verify.SignatureAnnotation] = base64.StdEncoding.EncodeToString(sig)
	return store(ref, payload, verify.SimpleSigningMediaType, ann, form, ".sig", opts)
}

// Attest signs an in-toto statement of predicateType about ref and stores
// its DSSE envelope as an attestation of ref.
func (s *Signer) Attest(ref name.Digest, predicateType string, form Form, opts ...remote.Option) error {
	hex := strings.TrimPrefix(ref.DigestStr(), "sha256:")
	stmt, err := json.Marshal(map[string]any{
		"_type":         "https://in-toto.io/Statement/v1",
		"subject":       []any{map[string]any{"name": ref.Context().String(), "digest": map[string]string{"sha256": hex}}},
		"predicateType": predicateType,
		"predicate":     map[string]any{"buildType": "https://example.com/test"},
	})
	if err != nil {
		return err
	}
	sig, err := s.sign(dsse.PAE(verify.InTotoPayloadType, stmt))
	if err != nil {
		return err
	}
	env, err := json.Marshal(dsse.Envelope{
		PayloadType: verify.InTotoPayloadType,
		Payload:     base64.StdEncoding.EncodeToString(stmt),
		Signatures:  []dsse.Signature{{Sig: base64.StdEncoding.EncodeToString(sig)}},
	})
	if err != nil {
		return err
	}
	ann, err := s.annotations()
	if err != nil {
		return err
	}
	ann["predicateType"] = predicateType
	return store(ref, env, verify.DSSEMediaType, ann, form, ".att", opts)
}

// store writes a one-layer manifest holding blob, as cosign does. The
// tag form appends to a signature manifest already there, like cosign.
func store(ref name.Digest, blob []byte, mt string, ann map[string]string, form Form, suffix string, opts []remote.Option) error {
	base := mutate.MediaType(empty.Image, types.OCIManifestSchema1)
	tag := ref.Context().Tag(strings.Replace(ref.DigestStr(), ":", "-", 1) + suffix)
	if form == Tag {
		if old, err := remote.Image(tag, opts...); err == nil {
			base = old
		}
	}
	img, err := mutate.Append(base, mutate.Addendum{Layer: static.NewLayer(blob, types.MediaType(mt)), Annotations: ann})
	if err != nil {
		return err
	}
	if form == Tag {
		if err := remote.Write(tag, img, opts...); err != nil {
			return fmt.Errorf("write %s: %w", tag, err)
		}
		return nil
	}
	subject, err := describe(ref, opts)
	if err != nil {
		return err
	}
	img = mutate.ConfigMediaType(img, types.MediaType("application/vnd.dev.cosign.artifact"+suffix+".v1+json"))
	img = mutate.Subject(img, subject).(v1.Image)
	d, err := img.Digest()
	if err != nil {
		return err
	}
	if err := remote.Write(ref.Context().Digest(d.String()), img, opts...); err != nil {
		return fmt.Errorf("write the referrer of %s: %w", ref, err)
	}
	return nil
}

func describe(ref name.Digest, opts []remote.Option) (v1.Descriptor, error) {
	desc, err := remote.Head(ref, opts...)
	if err != nil {
		return v1.Descriptor{}, fmt.Errorf("describe %s: %w", ref, err)
	}
	return *desc, nil
}

// BundleMediaType is the artifact type (and layer media type) of the
// Sigstore bundle referrer cosign v3 writes by default.
const BundleMediaType = "application/vnd.dev.sigstore.bundle.v0.3+json"

// emptyMediaType is the OCI empty descriptor's media type: the config of
// an artifact manifest that has none.
const emptyMediaType = "application/vnd.oci.empty.v1+json"

// AttachBundle stores bundle as cosign v3 does: an OCI image manifest
// with artifactType BundleMediaType, the empty config, one layer holding
// the bundle's JSON, and the image as its subject.
func AttachBundle(ref name.Digest, bundle []byte, opts ...remote.Option) error {
	subject, err := describe(ref, opts)
	if err != nil {
		return err
	}
	repo := ref.Context()
	config := static.NewLayer([]byte("{}"), emptyMediaType)
	layer := static.NewLayer(bundle, BundleMediaType)
	var descs [2]v1.Descriptor
	for i, l := range []v1.Layer{config, layer} {
		if err := remote.WriteLayer(repo, l, opts...); err != nil {
			return fmt.Errorf("write a blob of the bundle of %s: %w", ref, err)
		}
		d, err := partial.Descriptor(l)
		if err != nil {
			return err
		}
		descs[i] = *d
	}
	m, err := json.Marshal(v1.Manifest{
		SchemaVersion: 2, MediaType: types.OCIManifestSchema1, ArtifactType: BundleMediaType,
		Config: descs[0], Layers: descs[1:], Subject: &subject,
	})
	if err != nil {
		return err
	}
	raw := rawManifest{raw: m, mediaType: types.OCIManifestSchema1}
	d, _, err := v1.SHA256(bytes.NewReader(m))
	if err != nil {
		return err
	}
	if err := remote.Put(repo.Digest(d.String()), raw, opts...); err != nil {
		return fmt.Errorf("write the bundle referrer of %s: %w", ref, err)
	}
	return nil
}

// rawManifest is a manifest written as its bytes (remote.Taggable).
type rawManifest struct {
	raw       []byte
	mediaType types.MediaType
}

func (r rawManifest) RawManifest() ([]byte, error)        { return r.raw, nil }
func (r rawManifest) MediaType() (types.MediaType, error) { return r.mediaType, nil }

// Certificate is the keyless signer's certificate (nil for a key).
func (s *Signer) Certificate() *x509.Certificate { return s.cert }

// SignBytes signs msg with the signer's key (ECDSA P-256, SHA-256).
func (s *Signer) SignBytes(msg []byte) ([]byte, error) { return s.sign(msg) }

// StoreSignature stores a .sig layer made elsewhere (a keyless signature
// with its certificate and Rekor bundle annotation) as a signature of ref.
func StoreSignature(ref name.Digest, payload, sig []byte, annotations map[string]string, form Form, opts ...remote.Option) error {
	ann := map[string]string{verify.SignatureAnnotation: base64.StdEncoding.EncodeToString(sig)}
	for k, v := range annotations {
		ann[k] = v
	}
	return store(ref, payload, verify.SimpleSigningMediaType, ann, form, ".sig", opts)
}

// StoreAttestation stores a .att layer made elsewhere (a DSSE envelope
// signed keyless, with its certificate and Rekor bundle annotation) as an
// attestation of ref.
func StoreAttestation(ref name.Digest, envelope []byte, annotations map[string]string, form Form, opts ...remote.Option) error {
	return store(ref, envelope, verify.DSSEMediaType, annotations, form, ".att", opts)
}
