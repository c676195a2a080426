package verify_test

import (
	"context"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/secure-systems-lab/go-securesystemslib/dsse"
	protobundle "github.com/sigstore/protobuf-specs/gen/pb-go/bundle/v1"
	protocommon "github.com/sigstore/protobuf-specs/gen/pb-go/common/v1"
	protodsse "github.com/sigstore/protobuf-specs/gen/pb-go/dsse"
	protorekor "github.com/sigstore/protobuf-specs/gen/pb-go/rekor/v1"
	"github.com/sigstore/sigstore-go/pkg/bundle"
	"github.com/sigstore/sigstore-go/pkg/root"
	"github.com/sigstore/sigstore-go/pkg/testing/ca"
	"github.com/sigstore/sigstore-go/pkg/tlog"
	"github.com/sigstore/sigstore/pkg/cryptoutils"

	"github.com/stagehand-gitops/stagehand/internal/registry/registrytest"
	"github.com/stagehand-gitops/stagehand/internal/verify"
	"github.com/stagehand-gitops/stagehand/internal/verify/verifytest"
)

var helperOnce = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "stagehand-sigstore-")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, verify.HelperName)
	out, err := exec.Command("go", "build", "-o", bin, "github.com/stagehand-gitops/stagehand/cmd/stagehand-sigstore").CombinedOutput()
	if err != nil {
		return "", &buildError{out: string(out), err: err}
	}
	return bin, nil
})

type buildError struct {
	out string
	err error
}

func (e *buildError) Error() string { return e.err.Error() + ": " + e.out }

// helperBin builds cmd/stagehand-sigstore once per test binary.
func helperBin(t testing.TB) string {
	t.Helper()
	bin, err := helperOnce()
	if err != nil {
		t.Fatalf("build %s: %v", verify.HelperName, err)
	}
	return bin
}

const cosignSign = "https://sigstore.dev/cosign/sign/v1"

// statement is an in-toto statement of predicateType about digest.
func statement(t testing.TB, repo, digest, predicateType string) []byte {
	t.Helper()
	stmt, err := json.Marshal(map[string]any{
		"_type":         "https://in-toto.io/Statement/v1",
		"subject":       []any{map[string]any{"name": repo, "digest": map[string]string{"sha256": strings.TrimPrefix(digest, "sha256:")}}},
		"predicateType": predicateType,
		"predicate":     map[string]any{},
	})
	if err != nil {
		t.Fatal(err)
	}
	return stmt
}

// bundleFor signs an in-toto statement of predicateType about digest
// (DSSE, as cosign v3 signs an image) with s, logs it in vs's Rekor at
// logged (none when logged is zero), and returns the v0.3 bundle's JSON.
func bundleFor(t testing.TB, vs *ca.VirtualSigstore, s *verifytest.Signer, repo, digest, predicateType string, logged time.Time) []byte {
	t.Helper()
	stmt := statement(t, repo, digest, predicateType)
	sig, err := s.SignBytes(dsse.PAE(verify.InTotoPayloadType, stmt))
	if err != nil {
		t.Fatal(err)
	}
	vm := &protobundle.VerificationMaterial{
		Content: &protobundle.VerificationMaterial_Certificate{Certificate: &protocommon.X509Certificate{RawBytes: s.Certificate().Raw}},
	}
	if !logged.IsZero() {
		env := &dsse.Envelope{PayloadType: verify.InTotoPayloadType, Payload: base64.StdEncoding.EncodeToString(stmt), Signatures: []dsse.Signature{{Sig: base64.StdEncoding.EncodeToString(sig)}}}
		e, err := vs.GenerateTlogEntry(s.Certificate(), env, sig, logged.Unix(), true)
		if err != nil {
			t.Fatal(err)
		}
		tle := withKind(t, e.TransparencyLogEntry())
		_, set := promise(t, vs, tle)
		tle.InclusionPromise = &protorekor.InclusionPromise{SignedEntryTimestamp: set}
		vm.TlogEntries = []*protorekor.TransparencyLogEntry{tle}
	}
	pb := &protobundle.Bundle{
		MediaType:            verifytest.BundleMediaType,
		VerificationMaterial: vm,
		Content: &protobundle.Bundle_DsseEnvelope{DsseEnvelope: &protodsse.Envelope{
			Payload: stmt, PayloadType: verify.InTotoPayloadType, Signatures: []*protodsse.Signature{{Sig: sig}},
		}},
	}
	b := &bundle.Bundle{Bundle: pb}
	data, err := b.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// trustedRoot is a trusted root with the test CA and vs's Rekor, as JSON
// and parsed, the way serve reads --trusted-root.
func trustedRoot(t testing.TB, vs *ca.VirtualSigstore, cas ...root.CertificateAuthority) *root.TrustedRoot {
	t.Helper()
	// VirtualSigstore names its log by the hex of its key ID, and keeps
	// that hex string as the ID; a trusted root holds the raw key ID.
	logs := map[string]*root.TransparencyLog{}
	for id, l := range vs.RekorLogs() {
		raw, err := hex.DecodeString(id)
		if err != nil {
			t.Fatal(err)
		}
		c := *l
		c.ID = raw
		logs[id] = &c
	}
	tr, err := root.NewTrustedRoot(root.TrustedRootMediaType01, cas, vs.CTLogs(), vs.TimestampingAuthorities(), logs)
	if err != nil {
		t.Fatal(err)
	}
	data, err := tr.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	back, err := root.NewTrustedRootFromJSON(data)
	if err != nil {
		t.Fatal(err)
	}
	return back
}

// withKind fills in the kind and version of a Rekor entry from its body,
// which sigstore-go's tlog.NewEntry leaves out of the protobuf form.
func withKind(t testing.TB, e *protorekor.TransparencyLogEntry) *protorekor.TransparencyLogEntry {
	t.Helper()
	var kv struct {
		Kind       string `json:"kind"`
		APIVersion string `json:"apiVersion"`
	}
	if err := json.Unmarshal(e.GetCanonicalizedBody(), &kv); err != nil {
		t.Fatal(err)
	}
	e.KindVersion = &protorekor.KindVersion{Kind: kv.Kind, Version: kv.APIVersion}
	return e
}

// promise is Rekor's signed entry timestamp over entry e, and what it
// signs.
func promise(t testing.TB, vs *ca.VirtualSigstore, e *protorekor.TransparencyLogEntry) (tlog.RekorPayload, []byte) {
	t.Helper()
	payload := tlog.RekorPayload{
		Body:           base64.StdEncoding.EncodeToString(e.GetCanonicalizedBody()),
		IntegratedTime: e.GetIntegratedTime(),
		LogIndex:       e.GetLogIndex(),
		LogID:          hex.EncodeToString(e.GetLogId().GetKeyId()),
	}
	set, err := vs.RekorSignPayload(payload)
	if err != nil {
		t.Fatal(err)
	}
	return payload, set
}

// rekorAnnotation is cosign's dev.sigstore.cosign/bundle annotation for
// the Rekor entry of a legacy keyless signature.
func rekorAnnotation(t testing.TB, vs *ca.VirtualSigstore, e *protorekor.TransparencyLogEntry) string {
	t.Helper()
	payload, set := promise(t, vs, e)
	b, err := json.Marshal(map[string]any{"SignedEntryTimestamp": set, "Payload": payload})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestCheckSigstoreBundle(t *testing.T) {
	host := registrytest.Start(t, registrytest.Options{})
	bin := helperBin(t)
	now := time.Now()
	vs := must[*ca.VirtualSigstore](t)(ca.NewVirtualSigstore())
	fulcio := must[*verifytest.CA](t)(verifytest.NewCA(now))
	ci := must[*verifytest.Signer](t)(fulcio.Keyless(ciID, ghOIDC, now))
	// old's certificate expired twenty minutes ago; Rekor logged its
	// signature while it was valid.
	old := must[*verifytest.Signer](t)(fulcio.Keyless(ciID, ghOIDC, now.Add(-30*time.Minute)))
	tr := trustedRoot(t, vs, fulcio.Authority(), vs.FulcioCertificateAuthorities()[0])
	keyless := verify.Requirement{Identity: ciID, Issuer: ghOIDC}

	type step func(t *testing.T, ref name.Digest) error
	attach := func(s *verifytest.Signer, pt string, logged time.Time) step {
		return func(t *testing.T, ref name.Digest) error {
			return verifytest.AttachBundle(ref, bundleFor(t, vs, s, ref.Context().String(), ref.DigestStr(), pt, logged))
		}
	}
	tampered := func(t *testing.T, ref name.Digest) error {
		other := pushImage(t, host, "elsewhere")
		return verifytest.AttachBundle(ref, bundleFor(t, vs, ci, ref.Context().String(), other.DigestStr(), cosignSign, now))
	}
	// annotations are cosign's for a signature made by vs's Fulcio and
	// logged in its Rekor (te).
	annotations := func(t *testing.T, te *ca.TestEntity, rekor bool) map[string]string {
		vc, _ := te.VerificationContent()
		leaf, err := cryptoutils.MarshalCertificateToPEM(vc.Certificate())
		if err != nil {
			t.Fatal(err)
		}
		fc := vs.FulcioCertificateAuthorities()[0].(*root.FulcioCertificateAuthority)
		chain, err := cryptoutils.MarshalCertificatesToPEM(append(append([]*x509.Certificate{}, fc.Intermediates...), fc.Root))
		if err != nil {
			t.Fatal(err)
		}
		ann := map[string]string{verify.CertificateAnnotation: string(leaf), verify.ChainAnnotation: string(chain)}
		if rekor {
			entries, _ := te.TlogEntries()
			ann[verify.RekorBundleAnnotation] = rekorAnnotation(t, vs, withKind(t, entries[0].TransparencyLogEntry()))
		}
		return ann
	}
	// legacy signs the simple-signing payload with a certificate of vs's
	// Fulcio, logs it in vs's Rekor, and stores it as cosign v2 does.
	legacy := func(rekor bool) step {
		return func(t *testing.T, ref name.Digest) error {
			payload := verifytest.Payload(ref.Context().String(), ref.DigestStr())
			te, err := vs.SignAtTime(ciID, ghOIDC, payload, time.Now().Add(time.Minute))
			if err != nil {
				return err
			}
			sc, _ := te.SignatureContent()
			return verifytest.StoreSignature(ref, payload, sc.Signature(), annotations(t, te, rekor), verifytest.Tag)
		}
	}
	// legacyAttest attests predicateType about the image as cosign v2's
	// keyless cosign attest does: a DSSE .att layer with Rekor's entry.
	legacyAttest := func(predicateType string) step {
		return func(t *testing.T, ref name.Digest) error {
			stmt := statement(t, ref.Context().String(), ref.DigestStr(), predicateType)
			te, err := vs.AttestAtTime(ciID, ghOIDC, stmt, time.Now().Add(time.Minute), false)
			if err != nil {
				return err
			}
			sc, _ := te.SignatureContent()
			env, err := json.Marshal(sc.(*bundle.Envelope).Envelope)
			if err != nil {
				return err
			}
			return verifytest.StoreAttestation(ref, env, annotations(t, te, true), verifytest.Referrer)
		}
	}
	tests := []struct {
		name   string
		steps  []step
		req    verify.Requirement
		helper string // "" is the built helper; "-" none on the lookup path; else that program
		ok     bool
		reason string
	}{
		{"bundle verified", []step{attach(ci, cosignSign, now)}, keyless, "", true, "signed by " + ciID},
		{"bundle identity regexp", []step{attach(ci, cosignSign, now)}, verify.Requirement{IdentityRegexp: `^https://github\.com/acme/`, IssuerRegexp: `^https://token\.actions\.`}, "", true, "signed by /^https://github"},
		{"bundle wrong identity", []step{attach(ci, cosignSign, now)}, verify.Requirement{Identity: "https://github.com/mallory/x", Issuer: ghOIDC}, "", false, "Sigstore bundle does not verify with https://github.com/mallory/x (issuer " + ghOIDC + "): failed to verify certificate identity"},
		{"bundle wrong issuer", []step{attach(ci, cosignSign, now)}, verify.Requirement{Identity: ciID, Issuer: "https://accounts.google.com"}, "", false, "does not verify with " + ciID + " (issuer https://accounts.google.com): failed to verify certificate identity"},
		{"bundle tampered digest", []step{tampered}, keyless, "", false, "failed to verify signature: provided artifact digest"},
		{"bundle expired certificate, logged while valid", []step{attach(old, cosignSign, now.Add(-25*time.Minute))}, keyless, "", true, "signed by " + ciID},
		{"bundle logged after its certificate expired", []step{attach(old, cosignSign, now)}, keyless, "", false, "failed to verify log inclusion: integrated time"},
		{"bundle without tlog entry", []step{attach(ci, cosignSign, time.Time{})}, keyless, "", false, "failed to verify log inclusion: not enough verified log entries"},
		{"bundle attestation", []step{attach(ci, cosignSign, now), attach(ci, slsa, now)}, withPredicates(keyless, slsa), "", true, "signed by " + ciID},
		{"bundle attestation missing", []step{attach(ci, cosignSign, now), attach(ci, sbom, now)}, withPredicates(keyless, slsa), "", false, "no " + slsa + " attestation for sha256:"},
		{"bundle helper missing", []step{attach(ci, cosignSign, now)}, keyless, "-", false, "not verified: stagehand-sigstore not found next to stagehand or on PATH"},
		{"bundle helper fails", []step{attach(ci, cosignSign, now)}, keyless, "/bin/false", false, "not verified: stagehand-sigstore (/bin/false) failed: exit status 1"},
		{"legacy keyless with Rekor bundle", []step{legacy(true)}, keyless, "", true, "signed by " + ciID},
		{"legacy keyless attestation with Rekor bundle", []step{legacy(true), legacyAttest(slsa)}, withPredicates(keyless, slsa), "", true, "signed by " + ciID},
		{"legacy keyless attestation of another type", []step{legacy(true), legacyAttest(sbom)}, withPredicates(keyless, slsa), "", false, "no " + slsa + " attestation for sha256:"},
		{"legacy keyless without Rekor bundle", []step{legacy(false)}, keyless, "", false, ".sig: signature does not verify with " + ciID + " (issuer " + ghOIDC + "): failed to verify log inclusion"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ref := pushImage(t, host, "bundled"+strings.Repeat("x", i))
			for _, s := range tt.steps {
				if err := s(t, ref); err != nil {
					t.Fatal(err)
				}
			}
			c := &verify.Checker{Root: tr, Helper: bin}
			switch tt.helper {
			case "":
			case "-":
				c.Helper = ""
				t.Setenv("PATH", t.TempDir())
			default:
				c.Helper = tt.helper
			}
			res, err := c.Check(context.Background(), ref, tt.req)
			if err != nil {
				t.Fatal(err)
			}
			t.Log(res.Reason)
			if res.Verified != tt.ok || !strings.Contains(res.Reason, tt.reason) {
				t.Errorf("Check = %+v, want verified %v with %q", res, tt.ok, tt.reason)
			}
		})
	}
}

// BenchmarkCheckSigstoreBundle is one keyless verification of a bundle
// referrer through stagehand-sigstore: the registry reads and the helper's
// process (its allocations are not counted here, only stagehand's).
func BenchmarkCheckSigstoreBundle(b *testing.B) {
	host := registrytest.Start(b, registrytest.Options{})
	bin := helperBin(b)
	now := time.Now()
	vs, err := ca.NewVirtualSigstore()
	if err != nil {
		b.Fatal(err)
	}
	fulcio, err := verifytest.NewCA(now)
	if err != nil {
		b.Fatal(err)
	}
	ci, err := fulcio.Keyless(ciID, ghOIDC, now)
	if err != nil {
		b.Fatal(err)
	}
	ref := pushImage(b, host, "bench")
	if err := verifytest.AttachBundle(ref, bundleFor(b, vs, ci, ref.Context().String(), ref.DigestStr(), cosignSign, now)); err != nil {
		b.Fatal(err)
	}
	c := &verify.Checker{Root: trustedRoot(b, vs, fulcio.Authority()), Helper: bin}
	req := verify.Requirement{Identity: ciID, Issuer: ghOIDC}
	b.ReportAllocs()
	for b.Loop() {
		res, err := c.Check(context.Background(), ref, req)
		if err != nil || !res.Verified {
			b.Fatalf("Check = %+v, %v", res, err)
		}
	}
}
