package verify_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/random"

	"github.com/stagehand-gitops/stagehand/internal/registry/registrytest"
	"github.com/stagehand-gitops/stagehand/internal/verify"
	"github.com/stagehand-gitops/stagehand/internal/verify/verifytest"
)

const (
	slsa   = "https://slsa.dev/provenance/v1"
	sbom   = "https://spdx.dev/Document"
	ciID   = "https://github.com/acme/order-service/.github/workflows/release.yml@refs/heads/main"
	ghOIDC = "https://token.actions.githubusercontent.com"
)

// pushImage pushes a random image and returns its digest reference.
func pushImage(t testing.TB, host, repo string) name.Digest {
	t.Helper()
	img, err := random.Image(256, 1)
	if err != nil {
		t.Fatal(err)
	}
	h := registrytest.Push(t, host+"/"+repo+":v1", img)
	ref, err := name.NewDigest(host + "/" + repo + "@" + h.String())
	if err != nil {
		t.Fatal(err)
	}
	return ref
}

func must[T any](t *testing.T) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func TestCheck(t *testing.T) {
	host := registrytest.Start(t, registrytest.Options{})
	now := time.Now()
	key := must[*verifytest.Signer](t)(verifytest.NewKey())
	other := must[*verifytest.Signer](t)(verifytest.NewKey())
	ca := must[*verifytest.CA](t)(verifytest.NewCA(now))
	otherCA := must[*verifytest.CA](t)(verifytest.NewCA(now))
	ci := must[*verifytest.Signer](t)(ca.Keyless(ciID, ghOIDC, now))
	rogue := must[*verifytest.Signer](t)(otherCA.Keyless(ciID, ghOIDC, now))
	keyed := verify.Requirement{KeyPEM: key.PublicPEM(), KeyFile: "keys/cosign.pub"}
	keyless := verify.Requirement{Identity: ciID, Issuer: ghOIDC}

	type step func(t *testing.T, ref name.Digest) error
	sign := func(s *verifytest.Signer, f verifytest.Form) step {
		return func(_ *testing.T, ref name.Digest) error { return s.Sign(ref, f) }
	}
	attest := func(s *verifytest.Signer, pt string, f verifytest.Form) step {
		return func(_ *testing.T, ref name.Digest) error { return s.Attest(ref, pt, f) }
	}
	// tampered signs a payload that names another image's digest and
	// stores it as this image's signature.
	tampered := func(f verifytest.Form) step {
		return func(t *testing.T, ref name.Digest) error {
			other := pushImage(t, host, "elsewhere")
			return key.SignPayload(ref, verifytest.Payload(ref.Context().String(), other.DigestStr()), f)
		}
	}
	// bundle attaches a Sigstore bundle referrer as cosign v3 does. Its
	// content is not read (only its artifact type is noted), so a
	// skeleton stands for one.
	bundle := func(t *testing.T, ref name.Digest) error {
		return verifytest.AttachBundle(ref, []byte(`{"mediaType":"`+verifytest.BundleMediaType+`"}`))
	}
	const unread = "; a Sigstore bundle (" + verifytest.BundleMediaType + ") is attached, which Stagehand verifies for keyless signers only"
	tests := []struct {
		name   string
		steps  []step
		req    verify.Requirement
		ok     bool
		reason string // a fragment of the reason
	}{
		{"keyed tag", []step{sign(key, verifytest.Tag)}, keyed, true, "signed by the key in keys/cosign.pub"},
		{"keyed referrer", []step{sign(key, verifytest.Referrer)}, keyed, true, "signed by the key in keys/cosign.pub"},
		{"missing signature", nil, keyed, false, "no cosign signature for sha256:"},
		{"wrong key tag", []step{sign(other, verifytest.Tag)}, keyed, false, "signature does not verify with the key in keys/cosign.pub"},
		{"wrong key referrer", []step{sign(other, verifytest.Referrer)}, keyed, false, "signature does not verify with the key in keys/cosign.pub"},
		{"one of two keys", []step{sign(other, verifytest.Tag), sign(key, verifytest.Tag)}, keyed, true, "signed by"},
		{"tampered tag", []step{tampered(verifytest.Tag)}, keyed, false, "the signed payload is for sha256:"},
		{"tampered referrer", []step{tampered(verifytest.Referrer)}, keyed, false, "the signed payload is for sha256:"},
		{"keyless", []step{sign(ci, verifytest.Tag)}, keyless, true, "signed by " + ciID},
		{"keyless referrer", []step{sign(ci, verifytest.Referrer)}, keyless, true, "signed by " + ciID},
		{"keyless identity regexp", []step{sign(ci, verifytest.Tag)}, verify.Requirement{IdentityRegexp: `^https://github\.com/acme/`, Issuer: ghOIDC}, true, "signed by"},
		{"keyless wrong identity", []step{sign(ci, verifytest.Tag)}, verify.Requirement{Identity: "https://github.com/mallory/x", Issuer: ghOIDC}, false, "does not verify with https://github.com/mallory/x"},
		{"keyless wrong issuer", []step{sign(ci, verifytest.Tag)}, verify.Requirement{Identity: ciID, Issuer: "https://accounts.google.com"}, false, `certificate issuer is "` + ghOIDC + `", want "https://accounts.google.com"`},
		{"keyless issuer regexp", []step{sign(ci, verifytest.Referrer)}, verify.Requirement{Identity: ciID, IssuerRegexp: `^https://token\.actions\.`}, true, "signed by " + ciID + " (issuer /^https://token"},
		{"keyless identity regexp mismatch", []step{sign(ci, verifytest.Tag)}, verify.Requirement{IdentityRegexp: `^https://github\.com/mallory/`, Issuer: ghOIDC}, false, `certificate identity "` + ciID + `" does not match`},
		{"keyless issuer regexp mismatch", []step{sign(ci, verifytest.Tag)}, verify.Requirement{Identity: ciID, IssuerRegexp: `^https://accounts\.google\.com$`}, false, `certificate issuer "` + ghOIDC + `" does not match`},
		{"keyless untrusted CA", []step{sign(rogue, verifytest.Tag)}, keyless, false, "does not verify"},
		{"keyless against a key", []step{sign(ci, verifytest.Tag)}, keyed, false, "does not verify"},
		{"keyed against keyless", []step{sign(key, verifytest.Tag)}, keyless, false, "no certificate"},
		{"attestation", []step{sign(key, verifytest.Tag), attest(key, slsa, verifytest.Tag)}, withPredicates(keyed, slsa), true, "signed by"},
		{"attestation referrer", []step{sign(key, verifytest.Referrer), attest(key, slsa, verifytest.Referrer)}, withPredicates(keyed, slsa), true, "signed by"},
		{"keyless attestation", []step{sign(ci, verifytest.Tag), attest(ci, slsa, verifytest.Referrer)}, withPredicates(keyless, slsa), true, "signed by"},
		{"attestation missing", []step{sign(key, verifytest.Tag)}, withPredicates(keyed, slsa), false, "no " + slsa + " attestation"},
		{"attestation wrong type", []step{sign(key, verifytest.Tag), attest(key, sbom, verifytest.Tag)}, withPredicates(keyed, slsa), false, "(found " + sbom + ")"},
		{"bundle only", []step{bundle}, keyed, false, "no cosign signature for sha256:"},
		{"bundle only named", []step{bundle}, keyed, false, unread},
		{"bundle beside a signature", []step{bundle, sign(key, verifytest.Referrer)}, keyed, true, "signed by the key in keys/cosign.pub"},
		{"bundle beside a wrong signature", []step{sign(other, verifytest.Tag), bundle}, keyed, false, "invalid signature when validating ASN.1 encoded signature" + unread},
		{"bundle but no attestation", []step{sign(key, verifytest.Tag), bundle}, withPredicates(keyed, slsa), false, "no " + slsa + " attestation for sha256:"},
		{"attestation wrong key", []step{sign(key, verifytest.Tag), attest(other, slsa, verifytest.Tag)}, withPredicates(keyed, slsa), false, "attestation " + slsa + " does not verify"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ref := pushImage(t, host, "app"+strings.Repeat("x", i))
			for _, s := range tt.steps {
				if err := s(t, ref); err != nil {
					t.Fatal(err)
				}
			}
			c := &verify.Checker{Root: ca.TrustedRoot()}
			res, err := c.Check(context.Background(), ref, tt.req)
			if err != nil {
				t.Fatal(err)
			}
			if res.Verified != tt.ok || !strings.Contains(res.Reason, tt.reason) {
				t.Errorf("Check = %+v, want verified %v with %q", res, tt.ok, tt.reason)
			}
		})
	}
}

func withPredicates(r verify.Requirement, pts ...string) verify.Requirement {
	r.PredicateTypes = pts
	return r
}

func TestCheckRefusesWithoutRoot(t *testing.T) {
	host := registrytest.Start(t, registrytest.Options{})
	ref := pushImage(t, host, "app")
	res, err := (&verify.Checker{}).Check(context.Background(), ref, verify.Requirement{Identity: ciID, Issuer: ghOIDC})
	if err != nil {
		t.Fatal(err)
	}
	if res.Verified || !strings.Contains(res.Reason, "needs a Sigstore trusted root") {
		t.Errorf("Check = %+v", res)
	}
}

func TestCheckBadKeyFile(t *testing.T) {
	host := registrytest.Start(t, registrytest.Options{})
	ref := pushImage(t, host, "app")
	res, err := (&verify.Checker{}).Check(context.Background(), ref, verify.Requirement{KeyPEM: []byte("not a key"), KeyFile: "keys/cosign.pub"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Verified || !strings.Contains(res.Reason, "keys/cosign.pub is not a public key") {
		t.Errorf("Check = %+v", res)
	}
}
