package verifytest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"math/big"
	"net/url"
	"strings"
	"time"

	"github.com/sigstore/sigstore-go/pkg/root"
)

// The Fulcio certificate extensions that name the OIDC issuer.
var (
	oidIssuerV1 = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 57264, 1, 1}
	oidIssuerV2 = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 57264, 1, 8}
)

// CA is a test certificate authority that issues code-signing
// certificates the way Fulcio does: short-lived, naming the signer's
// identity in the subject alternative name and the OIDC issuer in
// Fulcio's extensions.
type CA struct {
	key          *ecdsa.PrivateKey
	Root         *x509.Certificate
	intermediate *x509.Certificate
	interKey     *ecdsa.PrivateKey
}

// NewCA makes a root and an intermediate certificate, valid around now.
func NewCA(now time.Time) (*CA, error) {
	key, rootCert, err := caCert("stagehand test root", 1, now, nil, nil)
	if err != nil {
		return nil, err
	}
	ik, inter, err := caCert("stagehand test intermediate", 2, now, rootCert, key)
	if err != nil {
		return nil, err
	}
	return &CA{key: key, Root: rootCert, intermediate: inter, interKey: ik}, nil
}

// caCert makes a CA certificate issued by parent, or self-signed when
// parent is nil.
func caCert(cn string, serial int64, now time.Time, parent *x509.Certificate, parentKey *ecdsa.PrivateKey) (*ecdsa.PrivateKey, *x509.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: cn, Organization: []string{"sigstore.test"}},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	if parent == nil {
		parent, parentKey = tmpl, key
	} else {
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, key.Public(), parentKey)
	if err != nil {
		return nil, nil, err
	}
	cert, err := x509.ParseCertificate(der)
	return key, cert, err
}

// TrustedRoot is sigstore trusted material holding only this authority,
// as an operator's trusted root for a private Sigstore deployment would.
func (ca *CA) TrustedRoot() root.TrustedMaterial {
	return &trusted{ca: &root.FulcioCertificateAuthority{Root: ca.Root, Intermediates: []*x509.Certificate{ca.intermediate}}}
}

type trusted struct {
	root.BaseTrustedMaterial
	ca root.CertificateAuthority
}

func (t *trusted) FulcioCertificateAuthorities() []root.CertificateAuthority {
	return []root.CertificateAuthority{t.ca}
}

// Keyless issues a ten-minute certificate for identity (an email address
// or a URI, such as a CI workflow's) from the OIDC issuer, and returns a
// signer that signs with its key and attaches the certificate.
func (ca *CA) Keyless(identity, issuer string, now time.Time) (*Signer, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	v2, err := asn1.MarshalWithParams(issuer, "utf8")
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(now.UnixNano()),
		NotBefore:    now.Add(-time.Minute), NotAfter: now.Add(10 * time.Minute),
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning},
		ExtraExtensions: []pkix.Extension{
			{Id: oidIssuerV1, Value: []byte(issuer)},
			{Id: oidIssuerV2, Value: v2},
		},
	}
	if strings.Contains(identity, "://") {
		u, err := url.Parse(identity)
		if err != nil {
			return nil, err
		}
		tmpl.URIs = []*url.URL{u}
	} else {
		tmpl.EmailAddresses = []string{identity}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.intermediate, key.Public(), ca.interKey)
	if err != nil {
		return nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	return &Signer{key: key, cert: cert, chain: []*x509.Certificate{ca.intermediate, ca.Root}}, nil
}

// Authority is this CA as sigstore trusted material's certificate
// authority, for a trusted root that also holds transparency logs.
func (ca *CA) Authority() *root.FulcioCertificateAuthority {
	return &root.FulcioCertificateAuthority{Root: ca.Root, Intermediates: []*x509.Certificate{ca.intermediate}}
}
