package verify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/sigstore/sigstore-go/pkg/root"
)

// HelperName is the program that verifies Sigstore bundles and keyless
// signatures with transparency-log proof. It is a separate binary because
// sigstore-go's verify package (rekor's client, grpc) would more than
// double stagehand's start-up allocations.
const HelperName = "stagehand-sigstore"

// HelperEnv names the environment variable that gives the helper's path.
const HelperEnv = "STAGEHAND_SIGSTORE_HELPER"

// HelperRequest is what stagehand writes to the helper's stdin, as JSON.
type HelperRequest struct {
	// Digest is the image's digest (sha256:<hex>) the material must sign.
	Digest string `json:"digest"`
	// TrustedRoot is a Sigstore trusted_root.json, or TrustedRootFile
	// its path.
	TrustedRoot     json.RawMessage `json:"trustedRoot,omitempty"`
	TrustedRootFile string          `json:"trustedRootFile,omitempty"`
	// Identity or IdentityRegexp, and Issuer or IssuerRegexp, are the
	// keyless signer the certificate must name.
	Identity       string `json:"identity,omitempty"`
	IdentityRegexp string `json:"identityRegexp,omitempty"`
	Issuer         string `json:"issuer,omitempty"`
	IssuerRegexp   string `json:"issuerRegexp,omitempty"`
	// PredicateTypes must each be attested by a verified bundle.
	PredicateTypes []string `json:"predicateTypes,omitempty"`
	// TransparencyLog requires a transparency-log entry, whose integrated
	// time is the time the certificate is checked at; without it the
	// certificate is checked now.
	TransparencyLog bool `json:"transparencyLog,omitempty"`
	// Bundles are Sigstore bundles found for the digest.
	Bundles []HelperBundle `json:"bundles,omitempty"`
	// Signatures are cosign .sig layers signed keyless.
	Signatures []HelperSignature `json:"signatures,omitempty"`
	// Attestations are cosign .att layers signed keyless.
	Attestations []HelperAttestation `json:"attestations,omitempty"`
}

// HelperAttestation is one cosign .att layer: its DSSE envelope (JSON),
// the certificate and chain (PEM), and the Rekor bundle annotation.
type HelperAttestation struct {
	Where       string          `json:"where"`
	Envelope    json.RawMessage `json:"envelope"`
	Certificate string          `json:"certificate"`
	Chain       string          `json:"chain,omitempty"`
	RekorBundle string          `json:"rekorBundle,omitempty"`
}

// HelperBundle is one Sigstore bundle and where it was found.
type HelperBundle struct {
	Where  string          `json:"where"`
	Bundle json.RawMessage `json:"bundle"`
}

// HelperSignature is one cosign .sig layer: its simple-signing payload,
// the decoded signature, the certificate and chain (PEM), and the Rekor
// bundle annotation (dev.sigstore.cosign/bundle) when there is one.
type HelperSignature struct {
	Where       string `json:"where"`
	Payload     []byte `json:"payload"`
	Signature   []byte `json:"signature"`
	Certificate string `json:"certificate"`
	Chain       string `json:"chain,omitempty"`
	RekorBundle string `json:"rekorBundle,omitempty"`
}

// HelperAnswer is what the helper writes to stdout, as JSON.
type HelperAnswer struct {
	Verified bool   `json:"verified"`
	Reason   string `json:"reason"`
}

// helperTimeout bounds one run of the helper: it reads no network, so a
// run that takes longer is stuck.
const helperTimeout = time.Minute

// maxHelperRequest bounds a request the helper reads.
const maxHelperRequest = 64 << 20

// DecodeHelperRequest reads a request and checks what the helper relies
// on: a sha256 digest, a trusted root, a keyless signer, and material.
func DecodeHelperRequest(data []byte) (HelperRequest, error) {
	var r HelperRequest
	if len(data) > maxHelperRequest {
		return HelperRequest{}, fmt.Errorf("request is %d bytes, more than %d", len(data), maxHelperRequest)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		return HelperRequest{}, fmt.Errorf("request is not JSON of the expected shape: %w", err)
	}
	if dec.More() {
		return HelperRequest{}, errors.New("request has data after its JSON object")
	}
	if err := checkDigest(r.Digest); err != nil {
		return HelperRequest{}, fmt.Errorf("request digest: %w", err)
	}
	if (len(r.TrustedRoot) == 0) == (r.TrustedRootFile == "") {
		return HelperRequest{}, errors.New("request needs exactly one of trustedRoot and trustedRootFile")
	}
	if r.Identity == "" && r.IdentityRegexp == "" {
		return HelperRequest{}, errors.New("request names no identity or identityRegexp")
	}
	if r.Issuer == "" && r.IssuerRegexp == "" {
		return HelperRequest{}, errors.New("request names no issuer or issuerRegexp")
	}
	if len(r.Bundles) == 0 && len(r.Signatures) == 0 {
		return HelperRequest{}, errors.New("request has no bundle and no signature to verify")
	}
	return r, nil
}

// helperPath returns the helper to run: c.Helper when set, else
// stagehand-sigstore next to the running executable, else on PATH.
func (c *Checker) helperPath() (string, error) {
	if c.Helper != "" {
		return c.Helper, nil
	}
	if exe, err := os.Executable(); err == nil {
		p := filepath.Join(filepath.Dir(exe), HelperName)
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p, nil
		}
	}
	if p, err := exec.LookPath(HelperName); err == nil {
		return p, nil
	}
	return "", fmt.Errorf("not verified: %s not found next to stagehand or on PATH; install it beside stagehand or name it with --sigstore-helper (%s) (see docs/verify.md)", HelperName, HelperEnv)
}

// askHelper fills in the trusted root and signer of req and runs the
// helper. A helper that is missing or fails is an answer (not verified,
// and why), never verified.
func (c *Checker) askHelper(ctx context.Context, req HelperRequest, r Requirement) HelperAnswer {
	if c.Root == nil {
		return HelperAnswer{Reason: "keyless verification needs a Sigstore trusted root, and none is configured (--trusted-root)"}
	}
	rootJSON := c.RootJSON
	if rootJSON == nil {
		tr, ok := c.Root.(*root.TrustedRoot)
		if !ok {
			return HelperAnswer{Reason: "the trusted root cannot be handed to " + HelperName}
		}
		var err error
		if rootJSON, err = tr.MarshalJSON(); err != nil {
			return HelperAnswer{Reason: "the trusted root cannot be handed to " + HelperName + ": " + err.Error()}
		}
	}
	req.TrustedRoot = rootJSON
	req.TransparencyLog = len(c.Root.RekorLogs()) > 0
	req.Identity, req.IdentityRegexp, req.Issuer, req.IssuerRegexp = r.Identity, r.IdentityRegexp, r.Issuer, r.IssuerRegexp
	req.PredicateTypes = r.PredicateTypes
	path, err := c.helperPath()
	if err != nil {
		return HelperAnswer{Reason: err.Error()}
	}
	in, err := json.Marshal(req)
	if err != nil {
		return HelperAnswer{Reason: "encode the request to " + HelperName + ": " + err.Error()}
	}
	ctx, cancel := context.WithTimeout(ctx, helperTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, path)
	cmd.Stdin = bytes.NewReader(in)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(errOut.String())
		if msg == "" {
			msg = err.Error()
		}
		return HelperAnswer{Reason: fmt.Sprintf("not verified: %s (%s) failed: %s", HelperName, path, msg)}
	}
	var a HelperAnswer
	if err := json.Unmarshal(out.Bytes(), &a); err != nil {
		return HelperAnswer{Reason: fmt.Sprintf("not verified: %s (%s) answered something that is not JSON: %v", HelperName, path, err)}
	}
	return a
}
