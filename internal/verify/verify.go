// Package verify checks that an image digest carries a cosign signature, and
// optionally attestations, that a policy's verify: block trusts. It reads
// signatures from the registry (OCI referrers, cosign's tag scheme and
// Sigstore bundle referrers) and leaves the cryptography to sigstore's
// libraries. Keyed signatures and DSSE envelopes are checked here by
// sigstore/sigstore's pkg/signature. Keyless signatures that need
// sigstore-go's verify package (Sigstore bundles, and any keyless signature
// when the trusted root has transparency logs) are handed to the
// stagehand-sigstore program (HelperRequest, HelperAnswer): that package's
// transparency-log dependencies (rekor's OpenAPI client, grpc) would more
// than double the server's start-up allocations. The remaining keyless
// case (a private CA without logs) is checked here with sigstore-go's
// root.FulcioCertificateAuthority and fulcio/certificate.
//
// It is part of the shell: it calls the registry. The core receives its
// answers as facts (verified or not, and why).
package verify

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/sigstore/sigstore-go/pkg/fulcio/certificate"
	"github.com/sigstore/sigstore-go/pkg/root"
	"github.com/sigstore/sigstore/pkg/cryptoutils"
	"github.com/sigstore/sigstore/pkg/signature"
	"github.com/sigstore/sigstore/pkg/signature/dsse"
)

// Requirement is what one verify: block asks of an image, with the key
// file already read from the config repository.
type Requirement struct {
	// KeyPEM is the signer's public key (keyed signing); nil for keyless.
	KeyPEM []byte
	// KeyFile names the key file, for messages.
	KeyFile string
	// Identity or IdentityRegexp, and Issuer or IssuerRegexp, are the
	// keyless signer a Fulcio certificate must name.
	Identity, IdentityRegexp string
	Issuer, IssuerRegexp     string
	// PredicateTypes are attestations (in-toto predicate type URIs) that
	// must be present and signed by the same signer.
	PredicateTypes []string
}

// keyless reports whether r trusts a certificate identity, not a key.
func (r Requirement) keyless() bool { return r.KeyPEM == nil }

// Result is the outcome for one digest.
type Result struct {
	Verified bool
	// Reason says why not, or what verified ("signed with cosign.pub").
	Reason string
}

// Checker verifies digests against requirements.
type Checker struct {
	// Remote holds the registry options (auth, transport).
	Remote []remote.Option
	// Names holds the options image names are parsed with (name.Insecure
	// for plain-HTTP registries).
	Names []name.Option
	// Root is the Sigstore trusted root for keyless signatures (Fulcio
	// certificate authorities). Nil refuses keyless requirements.
	Root root.TrustedMaterial
	// RootJSON is Root as trusted_root.json, handed to the helper; nil
	// marshals Root when it is a *root.TrustedRoot.
	RootJSON []byte
	// Helper is the stagehand-sigstore program that verifies Sigstore
	// bundles and keyless signatures with a transparency-log entry; ""
	// looks next to the running executable, then on PATH.
	Helper string
	// Now tells the time certificates are checked at (default time.Now).
	Now func() time.Time
}

// Check verifies the image at ref (repository@sha256:…) against req. A
// registry failure is an error; a signature that is missing or does not
// verify is a Result with Verified false and the reason.
func (c *Checker) Check(ctx context.Context, ref name.Digest, req Requirement) (Result, error) {
	v, err := c.signers(req)
	if err != nil {
		return Result{Reason: err.Error()}, nil
	}
	sigs, err := find(ctx, ref, SimpleSigningMediaType, c.Remote)
	if err != nil {
		return Result{}, err
	}
	if req.keyless() && (len(sigs.bundleData) > 0 || c.hasTlogs() && len(sigs.layers) > 0) {
		return c.viaHelper(ctx, ref, req, sigs)
	}
	if len(sigs.layers) == 0 {
		return Result{Reason: "no cosign signature for " + ref.DigestStr() + sigs.unreadBundles()}, nil
	}
	why := c.anySignature(v, ref.DigestStr(), sigs.layers, req)
	if why != "" {
		return Result{Reason: why + sigs.unreadBundles()}, nil
	}
	if len(req.PredicateTypes) > 0 {
		atts, err := find(ctx, ref, DSSEMediaType, c.Remote)
		if err != nil {
			return Result{}, err
		}
		for _, pt := range req.PredicateTypes {
			if why := c.anyAttestation(v, ref.DigestStr(), atts.layers, pt, req); why != "" {
				return Result{Reason: why + atts.unreadBundles()}, nil
			}
		}
	}
	return Result{Verified: true, Reason: "signed by " + signer(req)}, nil
}

// hasTlogs reports whether the trusted root holds transparency logs, so
// that keyless signatures are verified at their logged signing time.
func (c *Checker) hasTlogs() bool { return c.Root != nil && len(c.Root.RekorLogs()) > 0 }

// viaHelper verifies a keyless requirement with stagehand-sigstore: the
// Sigstore bundles found, and the keyless .sig layers (with their Rekor
// bundles when the trusted root has transparency logs, which then require
// a logged signing time, as cosign does).
func (c *Checker) viaHelper(ctx context.Context, ref name.Digest, req Requirement, sigs found) (Result, error) {
	hr := HelperRequest{Digest: ref.DigestStr()}
	for _, b := range sigs.bundleData {
		hr.Bundles = append(hr.Bundles, HelperBundle{Where: b.where, Bundle: b.blob})
	}
	for _, l := range sigs.layers {
		sig, err := decodeSignature(l.annotations[SignatureAnnotation])
		if err != nil || l.annotations[CertificateAnnotation] == "" {
			continue
		}
		hs := HelperSignature{Where: l.where, Payload: l.blob, Signature: sig, Certificate: l.annotations[CertificateAnnotation], Chain: l.annotations[ChainAnnotation]}
		if c.hasTlogs() {
			hs.RekorBundle = l.annotations[RekorBundleAnnotation]
		}
		hr.Signatures = append(hr.Signatures, hs)
	}
	if len(hr.Bundles) == 0 && len(hr.Signatures) == 0 {
		return Result{Reason: "no keyless cosign signature for " + ref.DigestStr()}, nil
	}
	if len(req.PredicateTypes) > 0 {
		atts, err := find(ctx, ref, DSSEMediaType, c.Remote)
		if err != nil {
			return Result{}, err
		}
		for _, l := range atts.layers {
			if l.annotations[CertificateAnnotation] == "" || !json.Valid(l.blob) {
				continue
			}
			ha := HelperAttestation{Where: l.where, Envelope: l.blob, Certificate: l.annotations[CertificateAnnotation], Chain: l.annotations[ChainAnnotation]}
			if c.hasTlogs() {
				ha.RekorBundle = l.annotations[RekorBundleAnnotation]
			}
			hr.Attestations = append(hr.Attestations, ha)
		}
	}
	a := c.askHelper(ctx, hr, req)
	return Result{Verified: a.Verified, Reason: a.Reason}, nil
}

// signer describes who req trusts, for messages.
func signer(req Requirement) string {
	if !req.keyless() {
		return "the key in " + req.KeyFile
	}
	return KeylessSigner(req.Identity, req.IdentityRegexp, req.Issuer, req.IssuerRegexp)
}

// KeylessSigner names a keyless signer in messages: the identity and the
// issuer, each as a string or a /regexp/. stagehand-sigstore words its
// reasons with it too.
func KeylessSigner(identity, identityRegexp, issuer, issuerRegexp string) string {
	if identity == "" {
		identity = "/" + identityRegexp + "/"
	}
	if issuer == "" {
		issuer = "/" + issuerRegexp + "/"
	}
	return identity + " (issuer " + issuer + ")"
}

// signers turns req into what checks a layer: the policy's key, or for
// keyless signing the trusted root the layer's certificate must chain to.
type signers struct {
	req  Requirement
	key  signature.Verifier // keyed
	root root.TrustedMaterial
	now  time.Time
}

func (c *Checker) signers(req Requirement) (*signers, error) {
	s := &signers{req: req, root: c.Root, now: time.Now()}
	if c.Now != nil {
		s.now = c.Now()
	}
	if !req.keyless() {
		pub, err := cryptoutils.UnmarshalPEMToPublicKey(req.KeyPEM)
		if err != nil {
			return nil, fmt.Errorf("%s is not a public key: %w", req.KeyFile, err)
		}
		if s.key, err = signature.LoadDefaultVerifier(pub); err != nil {
			return nil, fmt.Errorf("%s: %w", req.KeyFile, err)
		}
		return s, nil
	}
	if c.Root == nil {
		return nil, errors.New("keyless verification needs a Sigstore trusted root, and none is configured (--trusted-root)")
	}
	return s, nil
}

// verifier returns the verifier for layer l: the key, or the key of the
// layer's certificate once sigstore has checked its chain to the trusted
// root (at the time of verification; with a trusted root that has
// transparency logs, stagehand-sigstore checks keyless signatures at their
// logged time instead) and its identity matches.
func (s *signers) verifier(l layer) (signature.Verifier, error) {
	if s.key != nil {
		return s.key, nil
	}
	pemCert := l.annotations[CertificateAnnotation]
	if pemCert == "" {
		return nil, errors.New("the layer has no certificate, so it was not signed keyless")
	}
	certs, err := cryptoutils.UnmarshalCertificatesFromPEM([]byte(pemCert))
	if err != nil || len(certs) == 0 {
		return nil, fmt.Errorf("the layer's certificate does not parse: %v", err)
	}
	cert := certs[0]
	if err := s.chain(cert); err != nil {
		return nil, err
	}
	sum, err := certificate.SummarizeCertificate(cert)
	if err != nil {
		return nil, fmt.Errorf("the layer's certificate: %w", err)
	}
	if err := matchIdentity(sum, s.req); err != nil {
		return nil, err
	}
	return signature.LoadDefaultVerifier(cert.PublicKey)
}

// chain checks cert against the trusted root's certificate authorities.
func (s *signers) chain(cert *x509.Certificate) error {
	var first error
	for _, ca := range s.root.FulcioCertificateAuthorities() {
		_, err := ca.Verify(cert, s.now)
		if err == nil {
			return nil
		}
		if first == nil {
			first = err
		}
	}
	if first == nil {
		return errors.New("the trusted root holds no certificate authority")
	}
	return fmt.Errorf("the certificate does not chain to the trusted root: %w", first)
}

// matchIdentity compares the certificate's identity (subject alternative
// name) and OIDC issuer, as sigstore's summary reads them from Fulcio's
// extensions, with the policy's; a regexp matches anywhere, as cosign's
// --certificate-identity-regexp does.
func matchIdentity(sum certificate.Summary, req Requirement) error {
	match := func(what, got, want, re string) error {
		if want != "" && got != want {
			return fmt.Errorf("certificate %s is %q, want %q", what, got, want)
		}
		if re != "" {
			r, err := regexp.Compile(re)
			if err != nil {
				return fmt.Errorf("%s regexp: %w", what, err)
			}
			if !r.MatchString(got) {
				return fmt.Errorf("certificate %s %q does not match %q", what, got, re)
			}
		}
		return nil
	}
	if err := match("identity", sum.SubjectAlternativeName, req.Identity, req.IdentityRegexp); err != nil {
		return err
	}
	return match("issuer", sum.Extensions.Issuer, req.Issuer, req.IssuerRegexp)
}

// anySignature returns "" when one of the .sig layers verifies for digest,
// and otherwise the reason the first one did not.
func (c *Checker) anySignature(s *signers, digest string, sigs []layer, req Requirement) string {
	var first string
	for _, l := range sigs {
		why := c.oneSignature(s, digest, l, req)
		if why == "" {
			return ""
		}
		if first == "" {
			first = why
		}
	}
	if len(sigs) > 1 {
		return fmt.Sprintf("none of %d signatures verifies: %s", len(sigs), first)
	}
	return first
}

func (c *Checker) oneSignature(s *signers, digest string, l layer, req Requirement) string {
	sig, err := decodeSignature(l.annotations[SignatureAnnotation])
	if err != nil {
		return l.where + ": " + err.Error()
	}
	v, err := s.verifier(l)
	if err != nil {
		return l.where + ": signature does not verify with " + signer(req) + ": " + err.Error()
	}
	if err := v.VerifySignature(bytes.NewReader(sig), bytes.NewReader(l.blob)); err != nil {
		return l.where + ": signature does not verify with " + signer(req) + ": " + err.Error()
	}
	// The signature covers the payload; the payload must name this digest.
	signed, err := ParsePayload(l.blob)
	if err != nil {
		return l.where + ": " + err.Error()
	}
	if signed != digest {
		return fmt.Sprintf("%s: the signed payload is for %s, not %s", l.where, signed, digest)
	}
	return ""
}

// anyAttestation returns "" when one .att layer of predicate type pt
// verifies for digest.
func (c *Checker) anyAttestation(s *signers, digest string, atts []layer, pt string, req Requirement) string {
	var seen []string
	var first string
	for _, l := range atts {
		_, got, err := ParseEnvelope(l.blob)
		if err != nil {
			first = cmpFirst(first, l.where+": "+err.Error())
			continue
		}
		if got != pt {
			seen = append(seen, got)
			continue
		}
		if why := oneAttestation(s, digest, l, pt, req); why != "" {
			first = cmpFirst(first, why)
			continue
		}
		return ""
	}
	switch {
	case first != "":
		return first
	case len(seen) > 0:
		return fmt.Sprintf("no %s attestation for %s (found %s)", pt, digest, strings.Join(seen, ", "))
	default:
		return fmt.Sprintf("no %s attestation for %s", pt, digest)
	}
}

func oneAttestation(s *signers, digest string, l layer, pt string, req Requirement) string {
	v, err := s.verifier(l)
	if err == nil {
		var payload []byte
		err = dsse.WrapVerifier(v, dsse.WithExpectedPayloadType(InTotoPayloadType), dsse.WithDecodedPayload(&payload)).VerifySignature(bytes.NewReader(l.blob), nil)
		if err == nil {
			err = checkSubject(payload, digest)
		}
	}
	if err != nil {
		return l.where + ": attestation " + pt + " does not verify with " + signer(req) + ": " + err.Error()
	}
	return ""
}

func cmpFirst(first, why string) string {
	if first != "" {
		return first
	}
	return why
}

// LoadTrustedRoot reads a Sigstore trusted_root.json: the public-good
// instance's (as cosign trusted-root and Sigstore's TUF repository publish
// it) or a private deployment's.
func LoadTrustedRoot(file string) (root.TrustedMaterial, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	tr, err := root.NewTrustedRootFromJSON(data)
	if err != nil {
		return nil, fmt.Errorf("%s is not a Sigstore trusted root: %w", file, err)
	}
	return tr, nil
}
