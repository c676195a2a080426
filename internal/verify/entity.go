package verify

import (
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/sigstore/sigstore-go/pkg/root"
	sgverify "github.com/sigstore/sigstore-go/pkg/verify"
)

// zeroTime leaves a key's validity period open.
var zeroTime time.Time

// entity presents one cosign layer to sigstore's verifier: what was signed
// and what it was signed with. Cosign's tag-scheme layers carry no
// transparency-log entry or signed timestamp that this package reads.
type entity struct {
	sgverify.BaseSignedEntity
	content sgverify.VerificationContent
	sig     sgverify.SignatureContent
}

func (e *entity) VerificationContent() (sgverify.VerificationContent, error) {
	return e.content, nil
}

func (e *entity) SignatureContent() (sgverify.SignatureContent, error) { return e.sig, nil }

// Version is the bundle version whose rules sigstore applies: v0.3 keeps
// the key-algorithm compatibility cosign's older signatures need.
func (e *entity) Version() (string, error) { return "v0.3", nil }

// certificate is a leaf certificate with the chain cosign stored beside it
// (sigstore-go's bundle.Certificate keeps its intermediates unexported).
type certificate struct {
	leaf  *x509.Certificate
	chain []*x509.Certificate
}

func (c *certificate) CompareKey(key any, _ root.TrustedMaterial) bool {
	k, ok := key.(*x509.Certificate)
	return ok && c.leaf.Equal(k)
}

func (c *certificate) ValidAtTime(t time.Time, _ root.TrustedMaterial) bool {
	return !c.leaf.NotAfter.Before(t) && !c.leaf.NotBefore.After(t)
}

func (c *certificate) Certificate() *x509.Certificate { return c.leaf }

// Intermediates drops the chain's last certificate when it is
// self-signed: the root comes from the trusted root, never from the layer.
func (c *certificate) Intermediates() []*x509.Certificate {
	var out []*x509.Certificate
	for _, cert := range c.chain {
		if cert.CheckSignatureFrom(cert) == nil {
			continue
		}
		out = append(out, cert)
	}
	return out
}

func (c *certificate) PublicKey() sgverify.PublicKeyProvider { return nil }

func hexBytes(s string) ([]byte, error) {
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != 32 {
		return nil, fmt.Errorf("%q is not a sha256 digest", s)
	}
	return b, nil
}
