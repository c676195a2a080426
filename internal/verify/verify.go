// Package verify checks that an image digest carries a cosign signature, and
// optionally attestations, that a policy's verify: block trusts. It reads
// signatures from the registry (OCI referrers and cosign's tag scheme) and
// leaves the cryptography to sigstore-go: signature checks, certificate
// chains and identity matching are sigstore's, not this package's.
//
// It is part of the shell: it calls the registry. The core receives its
// answers as facts (verified or not, and why).
package verify

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"fmt"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/sigstore/sigstore-go/pkg/bundle"
	"github.com/sigstore/sigstore-go/pkg/root"
	sgverify "github.com/sigstore/sigstore-go/pkg/verify"
	"github.com/sigstore/sigstore/pkg/cryptoutils"
	"github.com/sigstore/sigstore/pkg/signature"
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
}

// Check verifies the image at ref (repository@sha256:…) against req. A
// registry failure is an error; a signature that is missing or does not
// verify is a Result with Verified false and the reason.
func (c *Checker) Check(ctx context.Context, ref name.Digest, req Requirement) (Result, error) {
	v, err := c.verifier(req)
	if err != nil {
		return Result{Reason: err.Error()}, nil
	}
	sigs, err := find(ctx, ref, SimpleSigningMediaType, c.Remote)
	if err != nil {
		return Result{}, err
	}
	if len(sigs) == 0 {
		return Result{Reason: "no cosign signature for " + ref.DigestStr()}, nil
	}
	why := c.anySignature(v, ref.DigestStr(), sigs, req)
	if why != "" {
		return Result{Reason: why}, nil
	}
	if len(req.PredicateTypes) > 0 {
		atts, err := find(ctx, ref, DSSEMediaType, c.Remote)
		if err != nil {
			return Result{}, err
		}
		for _, pt := range req.PredicateTypes {
			if why := c.anyAttestation(v, ref.DigestStr(), atts, pt, req); why != "" {
				return Result{Reason: why}, nil
			}
		}
	}
	return Result{Verified: true, Reason: "signed by " + signer(req)}, nil
}

// signer describes who req trusts, for messages.
func signer(req Requirement) string {
	if !req.keyless() {
		return "the key in " + req.KeyFile
	}
	id := req.Identity
	if id == "" {
		id = "/" + req.IdentityRegexp + "/"
	}
	iss := req.Issuer
	if iss == "" {
		iss = "/" + req.IssuerRegexp + "/"
	}
	return id + " (issuer " + iss + ")"
}

// verifier builds sigstore's verifier for req: a key, or the trusted root.
func (c *Checker) verifier(req Requirement) (*sgverify.Verifier, error) {
	if !req.keyless() {
		pub, err := cryptoutils.UnmarshalPEMToPublicKey(req.KeyPEM)
		if err != nil {
			return nil, fmt.Errorf("%s is not a public key: %w", req.KeyFile, err)
		}
		sv, err := signature.LoadDefaultVerifier(pub)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", req.KeyFile, err)
		}
		tm := root.NewTrustedPublicKeyMaterialFromMapping(map[string]*root.ExpiringKey{"": root.NewExpiringKey(sv, zeroTime, zeroTime)})
		return sgverify.NewVerifier(tm, sgverify.WithNoObserverTimestamps())
	}
	if c.Root == nil {
		return nil, errors.New("keyless verification needs a Sigstore trusted root, and none is configured (--trusted-root)")
	}
	// Certificates are checked at the time of verification: the signature's
	// transparency-log entry is not read (see docs/verify.md).
	return sgverify.NewVerifier(c.Root, sgverify.WithCurrentTime())
}

// policyFor builds sigstore's policy: the artifact, and the signer.
func policyFor(artifact sgverify.ArtifactPolicyOption, req Requirement) (sgverify.PolicyBuilder, error) {
	if !req.keyless() {
		return sgverify.NewPolicy(artifact, sgverify.WithKey()), nil
	}
	id, err := sgverify.NewShortCertificateIdentity(req.Issuer, req.IssuerRegexp, req.Identity, req.IdentityRegexp)
	if err != nil {
		return sgverify.PolicyBuilder{}, fmt.Errorf("keyless identity: %w", err)
	}
	return sgverify.NewPolicy(artifact, sgverify.WithCertificateIdentity(id)), nil
}

// anySignature returns "" when one of the .sig layers verifies for digest,
// and otherwise the reason the first one did not.
func (c *Checker) anySignature(v *sgverify.Verifier, digest string, sigs []layer, req Requirement) string {
	var first string
	for _, l := range sigs {
		why := c.oneSignature(v, digest, l, req)
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

func (c *Checker) oneSignature(v *sgverify.Verifier, digest string, l layer, req Requirement) string {
	sig, err := decodeSignature(l.annotations[SignatureAnnotation])
	if err != nil {
		return l.where + ": " + err.Error()
	}
	content, err := verificationContent(l, req)
	if err != nil {
		return l.where + ": " + err.Error()
	}
	sum := sha256.Sum256(l.blob)
	entity := &entity{content: content, sig: bundle.NewMessageSignature(sum[:], "SHA2_256", sig)}
	pb, err := policyFor(sgverify.WithArtifact(bytes.NewReader(l.blob)), req)
	if err != nil {
		return err.Error()
	}
	if _, err := v.Verify(entity, pb); err != nil {
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
func (c *Checker) anyAttestation(v *sgverify.Verifier, digest string, atts []layer, pt string, req Requirement) string {
	var seen []string
	var first string
	hex, _ := strings.CutPrefix(digest, "sha256:")
	want, err := hexBytes(hex)
	if err != nil {
		return err.Error()
	}
	for _, l := range atts {
		env, got, err := ParseEnvelope(l.blob)
		if err != nil {
			first = cmpFirst(first, l.where+": "+err.Error())
			continue
		}
		if got != pt {
			seen = append(seen, got)
			continue
		}
		content, err := verificationContent(l, req)
		if err != nil {
			first = cmpFirst(first, l.where+": "+err.Error())
			continue
		}
		pb, err := policyFor(sgverify.WithArtifactDigest("sha256", want), req)
		if err != nil {
			return err.Error()
		}
		if _, err := v.Verify(&entity{content: content, sig: &bundle.Envelope{Envelope: env}}, pb); err != nil {
			first = cmpFirst(first, l.where+": attestation "+pt+" does not verify with "+signer(req)+": "+err.Error())
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

func cmpFirst(first, why string) string {
	if first != "" {
		return first
	}
	return why
}

// verificationContent is the key or the certificate a layer is checked
// against: the policy's key, or the certificate cosign stored beside the
// signature (checked by sigstore against the trusted root).
func verificationContent(l layer, req Requirement) (sgverify.VerificationContent, error) {
	if !req.keyless() {
		return &bundle.PublicKey{}, nil
	}
	pemCert := l.annotations[CertificateAnnotation]
	if pemCert == "" {
		return nil, errors.New("the layer has no certificate, so it was not signed keyless")
	}
	certs, err := cryptoutils.UnmarshalCertificatesFromPEM([]byte(pemCert))
	if err != nil || len(certs) == 0 {
		return nil, fmt.Errorf("the layer's certificate does not parse: %v", err)
	}
	return &certificate{leaf: certs[0], chain: chainOf(l)}, nil
}

func chainOf(l layer) []*x509.Certificate {
	chain, err := cryptoutils.UnmarshalCertificatesFromPEM([]byte(l.annotations[ChainAnnotation]))
	if err != nil {
		return nil
	}
	return chain
}
