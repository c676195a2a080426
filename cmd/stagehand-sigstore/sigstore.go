package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	protobundle "github.com/sigstore/protobuf-specs/gen/pb-go/bundle/v1"
	protocommon "github.com/sigstore/protobuf-specs/gen/pb-go/common/v1"
	protodsse "github.com/sigstore/protobuf-specs/gen/pb-go/dsse"
	protorekor "github.com/sigstore/protobuf-specs/gen/pb-go/rekor/v1"
	"github.com/sigstore/sigstore-go/pkg/bundle"
	"github.com/sigstore/sigstore-go/pkg/root"
	sgverify "github.com/sigstore/sigstore-go/pkg/verify"
	"github.com/sigstore/sigstore/pkg/cryptoutils"

	"github.com/stagehand-gitops/stagehand/internal/verify"
)

// CosignSignPredicateType is the predicate type of the in-toto statement
// cosign v3 signs (in a DSSE bundle) for "cosign sign".
const CosignSignPredicateType = "https://sigstore.dev/cosign/sign/v1"

func trustedRoot(req verify.HelperRequest) (*root.TrustedRoot, error) {
	data := []byte(req.TrustedRoot)
	if req.TrustedRootFile != "" {
		var err error
		if data, err = os.ReadFile(req.TrustedRootFile); err != nil {
			return nil, err
		}
	}
	tr, err := root.NewTrustedRootFromJSON(data)
	if err != nil {
		return nil, fmt.Errorf("the trusted root is not a Sigstore trusted root: %w", err)
	}
	return tr, nil
}

// signer describes the request's signer as internal/verify's reasons do.
func signer(req verify.HelperRequest) string {
	return verify.KeylessSigner(req.Identity, req.IdentityRegexp, req.Issuer, req.IssuerRegexp)
}

// check verifies the request's material: a signature (a bundle of cosign's
// sign predicate or a message signature, or a .sig layer) and every
// predicate type it asks for, all by the requested signer.
func check(req verify.HelperRequest, tr *root.TrustedRoot) verify.HelperAnswer {
	fail := func(format string, a ...any) verify.HelperAnswer {
		return verify.HelperAnswer{Reason: fmt.Sprintf(format, a...)}
	}
	id, err := sgverify.NewShortCertificateIdentity(req.Issuer, req.IssuerRegexp, req.Identity, req.IdentityRegexp)
	if err != nil {
		return fail("the signer %s: %v", signer(req), err)
	}
	opts := []sgverify.VerifierOption{sgverify.WithCurrentTime()}
	if req.TransparencyLog {
		if len(tr.RekorLogs()) == 0 {
			return fail("a transparency-log entry is required and the trusted root holds no transparency log")
		}
		// The log's integrated time is when the certificate must have
		// been valid: a keyless signature verifies at its signing time.
		opts = []sgverify.VerifierOption{sgverify.WithTransparencyLog(1), sgverify.WithIntegratedTimestamps(1)}
	}
	v, err := sgverify.NewVerifier(tr, opts...)
	if err != nil {
		return fail("the trusted root: %v", err)
	}
	digest, err := hex.DecodeString(strings.TrimPrefix(req.Digest, "sha256:"))
	if err != nil {
		return fail("digest %s: %v", req.Digest, err)
	}
	policy := sgverify.NewPolicy(sgverify.WithArtifactDigest("sha256", digest), sgverify.WithCertificateIdentity(id))

	signed := false
	attested := map[string]bool{}
	var first string
	note := func(why string) {
		if first == "" {
			first = why
		}
	}
	for _, b := range req.Bundles {
		var sb bundle.Bundle
		if err := sb.UnmarshalJSON(b.Bundle); err != nil {
			note(b.Where + ": not a Sigstore bundle: " + err.Error())
			continue
		}
		res, err := v.Verify(&sb, policy)
		if err != nil {
			note(b.Where + ": Sigstore bundle does not verify with " + signer(req) + ": " + err.Error())
			continue
		}
		if res.Statement == nil || res.Statement.GetPredicateType() == CosignSignPredicateType {
			signed = true
			continue
		}
		attested[res.Statement.GetPredicateType()] = true
	}
	for _, s := range req.Signatures {
		if why := legacy(v, id, req, s); why != "" {
			note(s.Where + ": " + why)
			continue
		}
		signed = true
	}
	for _, a := range req.Attestations {
		pt, why := legacyAttestation(v, policy, req, a)
		if why != "" {
			note(a.Where + ": " + why)
			continue
		}
		attested[pt] = true
	}
	if !signed {
		if first == "" {
			first = "no signature for " + req.Digest + " among the Sigstore bundles"
		}
		return verify.HelperAnswer{Reason: first}
	}
	for _, pt := range req.PredicateTypes {
		if !attested[pt] {
			if first != "" {
				return fail("no %s attestation for %s verifies: %s", pt, req.Digest, first)
			}
			return fail("no %s attestation for %s", pt, req.Digest)
		}
	}
	return verify.HelperAnswer{Verified: true, Reason: "signed by " + signer(req)}
}

// rekorBundle is cosign's dev.sigstore.cosign/bundle annotation: Rekor's
// signed entry timestamp over the entry it logged.
type rekorBundle struct {
	SignedEntryTimestamp []byte `json:"SignedEntryTimestamp"`
	Payload              struct {
		Body           string `json:"body"`
		IntegratedTime int64  `json:"integratedTime"`
		LogIndex       int64  `json:"logIndex"`
		LogID          string `json:"logID"`
	} `json:"Payload"`
}

// legacy verifies a keyless .sig layer by turning it into the v0.1
// Sigstore bundle it is equivalent to (message signature over the
// simple-signing payload, certificate chain, Rekor entry with its
// promise), then checks that the payload names the digest.
func legacy(v *sgverify.Verifier, id sgverify.CertificateIdentity, req verify.HelperRequest, s verify.HelperSignature) string {
	pb, why := legacyBundle(s.Certificate, s.Chain, s.RekorBundle)
	if why != "" {
		return why
	}
	sum := sha256.Sum256(s.Payload)
	pb.Content = &protobundle.Bundle_MessageSignature{MessageSignature: &protocommon.MessageSignature{
		MessageDigest: &protocommon.HashOutput{Algorithm: protocommon.HashAlgorithm_SHA2_256, Digest: sum[:]},
		Signature:     s.Signature,
	}}
	b, err := bundle.NewBundle(pb)
	if err != nil {
		return "the signature does not make a Sigstore bundle: " + err.Error()
	}
	policy := sgverify.NewPolicy(sgverify.WithArtifact(bytes.NewReader(s.Payload)), sgverify.WithCertificateIdentity(id))
	if _, err := v.Verify(b, policy); err != nil {
		return "signature does not verify with " + signer(req) + ": " + err.Error()
	}
	d, err := verify.ParsePayload(s.Payload)
	if err != nil {
		return err.Error()
	}
	if d != req.Digest {
		return fmt.Sprintf("the signed payload is for %s, not %s", d, req.Digest)
	}
	return ""
}

// legacyAttestation verifies a keyless .att layer as the v0.1 bundle of
// its DSSE envelope, and returns the predicate type it attests.
func legacyAttestation(v *sgverify.Verifier, policy sgverify.PolicyBuilder, req verify.HelperRequest, a verify.HelperAttestation) (string, string) {
	env, pt, err := verify.ParseEnvelope(a.Envelope)
	if err != nil {
		return "", err.Error()
	}
	pb, why := legacyBundle(a.Certificate, a.Chain, a.RekorBundle)
	if why != "" {
		return "", why
	}
	payload, err := env.DecodeB64Payload()
	if err != nil {
		return "", "attestation payload is not base64: " + err.Error()
	}
	de := &protodsse.Envelope{Payload: payload, PayloadType: env.PayloadType}
	for _, sig := range env.Signatures {
		raw, err := base64.StdEncoding.DecodeString(sig.Sig)
		if err != nil {
			return "", "attestation signature is not base64: " + err.Error()
		}
		de.Signatures = append(de.Signatures, &protodsse.Signature{Sig: raw, Keyid: sig.KeyID})
	}
	pb.Content = &protobundle.Bundle_DsseEnvelope{DsseEnvelope: de}
	b, err := bundle.NewBundle(pb)
	if err != nil {
		return "", "the attestation does not make a Sigstore bundle: " + err.Error()
	}
	if _, err := v.Verify(b, policy); err != nil {
		return "", "attestation " + pt + " does not verify with " + signer(req) + ": " + err.Error()
	}
	return pt, ""
}

// legacyBundle is the v0.1 bundle (without its content) of a cosign
// layer's certificate, chain and dev.sigstore.cosign/bundle annotation.
func legacyBundle(certPEM, chainPEM, rekor string) (*protobundle.Bundle, string) {
	certs, err := cryptoutils.UnmarshalCertificatesFromPEM([]byte(certPEM + "\n" + chainPEM))
	if err != nil || len(certs) == 0 {
		return nil, fmt.Sprintf("the layer's certificate does not parse: %v", err)
	}
	chain := &protocommon.X509CertificateChain{}
	for _, c := range certs {
		chain.Certificates = append(chain.Certificates, &protocommon.X509Certificate{RawBytes: c.Raw})
	}
	pb := &protobundle.Bundle{
		MediaType: "application/vnd.dev.sigstore.bundle+json;version=0.1",
		VerificationMaterial: &protobundle.VerificationMaterial{
			Content: &protobundle.VerificationMaterial_X509CertificateChain{X509CertificateChain: chain},
		},
	}
	if rekor == "" {
		return pb, ""
	}
	var rb rekorBundle
	if err := json.Unmarshal([]byte(rekor), &rb); err != nil {
		return nil, "the Rekor bundle annotation is not JSON: " + err.Error()
	}
	body, err := base64.StdEncoding.DecodeString(rb.Payload.Body)
	if err != nil {
		return nil, "the Rekor bundle's body is not base64: " + err.Error()
	}
	logID, err := hex.DecodeString(rb.Payload.LogID)
	if err != nil {
		return nil, "the Rekor bundle's logID is not hex: " + err.Error()
	}
	var kv struct {
		Kind       string `json:"kind"`
		APIVersion string `json:"apiVersion"`
	}
	if err := json.Unmarshal(body, &kv); err != nil || kv.Kind == "" || kv.APIVersion == "" {
		return nil, fmt.Sprintf("the Rekor bundle's body is not a Rekor entry (kind and apiVersion): %v", err)
	}
	pb.VerificationMaterial.TlogEntries = append(pb.VerificationMaterial.TlogEntries, &protorekor.TransparencyLogEntry{
		LogIndex:          rb.Payload.LogIndex,
		LogId:             &protocommon.LogId{KeyId: logID},
		KindVersion:       &protorekor.KindVersion{Kind: kv.Kind, Version: kv.APIVersion},
		IntegratedTime:    rb.Payload.IntegratedTime,
		InclusionPromise:  &protorekor.InclusionPromise{SignedEntryTimestamp: rb.SignedEntryTimestamp},
		CanonicalizedBody: body,
	})
	return pb, ""
}
