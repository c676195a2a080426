package verify

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/secure-systems-lab/go-securesystemslib/dsse"
)

// simpleSigningType is the critical.type of a cosign image signature payload.
const simpleSigningType = "cosign container image signature"

// InTotoPayloadType is the DSSE payload type of an in-toto statement.
const InTotoPayloadType = "application/vnd.in-toto+json"

// ParsePayload reads a cosign simple-signing payload (the layer a .sig
// manifest carries) and returns the image digest it signs. The signature
// covers these bytes; the digest inside them is what binds it to an image.
func ParsePayload(data []byte) (string, error) {
	var p struct {
		Critical struct {
			Image struct {
				Digest string `json:"docker-manifest-digest"`
			} `json:"image"`
			Type string `json:"type"`
		} `json:"critical"`
	}
	if err := json.Unmarshal(data, &p); err != nil {
		return "", fmt.Errorf("signature payload is not JSON: %w", err)
	}
	if !strings.EqualFold(p.Critical.Type, simpleSigningType) {
		return "", fmt.Errorf("signature payload has type %q, want %q", p.Critical.Type, simpleSigningType)
	}
	d := p.Critical.Image.Digest
	if err := checkDigest(d); err != nil {
		return "", fmt.Errorf("signature payload: docker-manifest-digest: %w", err)
	}
	return d, nil
}

// checkDigest accepts "sha256:" followed by 64 lower-case hex digits.
func checkDigest(d string) error {
	hex, ok := strings.CutPrefix(d, "sha256:")
	if !ok || len(hex) != 64 || strings.Trim(hex, "0123456789abcdef") != "" {
		return fmt.Errorf("%q is not a sha256 digest", d)
	}
	return nil
}

// ParseEnvelope reads a DSSE envelope (the layer a .att manifest carries)
// and the predicate type of the in-toto statement inside it. It does not
// verify anything: sigstore's verifier checks the signature and the
// statement's subjects.
func ParseEnvelope(data []byte) (*dsse.Envelope, string, error) {
	var env dsse.Envelope
	if err := json.Unmarshal(data, &env); err != nil {
		return nil, "", fmt.Errorf("attestation is not a DSSE envelope: %w", err)
	}
	if env.PayloadType != InTotoPayloadType {
		return nil, "", fmt.Errorf("attestation payload type is %q, want %q", env.PayloadType, InTotoPayloadType)
	}
	if len(env.Signatures) == 0 {
		return nil, "", errors.New("attestation envelope has no signature")
	}
	raw, err := env.DecodeB64Payload()
	if err != nil {
		return nil, "", fmt.Errorf("attestation payload is not base64: %w", err)
	}
	var st struct {
		PredicateType string `json:"predicateType"`
	}
	if err := json.Unmarshal(raw, &st); err != nil {
		return nil, "", fmt.Errorf("attestation statement is not JSON: %w", err)
	}
	if st.PredicateType == "" {
		return nil, "", errors.New("attestation statement has no predicateType")
	}
	return &env, st.PredicateType, nil
}

// decodeSignature reads the base64 signature annotation of a .sig layer.
func decodeSignature(s string) ([]byte, error) {
	if s == "" {
		return nil, errors.New("the layer has no signature annotation")
	}
	sig, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("signature annotation is not base64: %w", err)
	}
	return sig, nil
}

// checkSubject checks that an in-toto statement's subjects include digest.
func checkSubject(statement []byte, digest string) error {
	var st struct {
		Subject []struct {
			Digest map[string]string `json:"digest"`
		} `json:"subject"`
	}
	if err := json.Unmarshal(statement, &st); err != nil {
		return fmt.Errorf("attestation statement is not JSON: %w", err)
	}
	hex := strings.TrimPrefix(digest, "sha256:")
	for _, s := range st.Subject {
		if s.Digest["sha256"] == hex {
			return nil
		}
	}
	return fmt.Errorf("the statement is not about %s", digest)
}
