package policy

import (
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"sort"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Verify is a verify: block: the cosign signature, and optionally the
// attestations, an image must carry to be promoted. Either Key is set
// (keyed signing), or an identity and an issuer (keyless signing).
type Verify struct {
	// Key is the path of a PEM public key in the config repository.
	Key string
	// Identity or IdentityRegexp is the keyless signer's certificate
	// identity (an email address or a URI such as a CI workflow's).
	Identity, IdentityRegexp string
	// Issuer or IssuerRegexp is the OIDC issuer that vouched for it.
	Issuer, IssuerRegexp string
	// Attestations are in-toto predicate type URIs (shorthands resolved).
	Attestations []string
	// Line and Col are where the block is, for messages.
	Line, Col int
	// keyAt is where the key's value is.
	keyLine, keyCol int
}

// Keyless reports whether v trusts a certificate identity, not a key.
func (v Verify) Keyless() bool { return v.Key == "" }

// String describes what v trusts, for messages and PR bodies.
func (v Verify) String() string {
	var s string
	if !v.Keyless() {
		s = "signed with " + v.Key
	} else {
		s = "signed keyless by " + orRegexp(v.Identity, v.IdentityRegexp) + " (issuer " + orRegexp(v.Issuer, v.IssuerRegexp) + ")"
	}
	if len(v.Attestations) > 0 {
		s += ", attested " + strings.Join(v.Attestations, ", ")
	}
	return s
}

func orRegexp(s, re string) string {
	if s != "" {
		return s
	}
	return "/" + re + "/"
}

// PredicateTypes maps the shorthands of cosign attest --type to the
// predicate type URIs they stand for.
var PredicateTypes = map[string]string{
	"slsaprovenance":   "https://slsa.dev/provenance/v0.2",
	"slsaprovenance02": "https://slsa.dev/provenance/v0.2",
	"slsaprovenance1":  "https://slsa.dev/provenance/v1",
	"spdx":             "https://spdx.dev/Document",
	"spdxjson":         "https://spdx.dev/Document",
	"cyclonedx":        "https://cyclonedx.org/bom",
	"vuln":             "https://cosign.sigstore.dev/attestation/vuln/v1",
	"openvex":          "https://openvex.dev/ns",
	"custom":           "https://cosign.sigstore.dev/attestation/v1",
}

// verifyBlock decodes a verify: value.
func (d *decoder) verifyBlock(p pair) *Verify {
	n := d.deref(p.val)
	if n == nil {
		return nil
	}
	m := d.mapping(n, "verify", "verify")
	if m == nil {
		return nil
	}
	v := &Verify{Line: n.Line, Col: n.Column}
	ok := true
	str := func(key string) string {
		f, has := m[key]
		if !has {
			return ""
		}
		s, good := d.str(f)
		ok = ok && good
		if good && strings.HasSuffix(key, "Regexp") {
			ok = d.regexp(f, s) && ok
		}
		return s
	}
	v.Key, v.Identity, v.IdentityRegexp = str("key"), str("identity"), str("identityRegexp")
	v.Issuer, v.IssuerRegexp = str("issuer"), str("issuerRegexp")
	if f, has := m["key"]; has && v.Key != "" {
		if msg := checkRelPath(v.Key); msg != "" {
			d.errorf(d.deref(f.val), "key: %q %s", v.Key, msg)
			ok = false
		}
		if kn := d.deref(f.val); kn != nil {
			v.keyLine, v.keyCol = kn.Line, kn.Column
		}
	}
	if f, has := m["attestations"]; has {
		list, good := d.list(f, true)
		ok = ok && good && d.predicates(f, list, v)
	}
	if !ok {
		return nil
	}
	if !d.signer(n, v) {
		return nil
	}
	return v
}

// signer checks that v names exactly one kind of signer.
func (d *decoder) signer(n *yaml.Node, v *Verify) bool {
	keyless := v.Identity != "" || v.IdentityRegexp != "" || v.Issuer != "" || v.IssuerRegexp != ""
	switch {
	case v.Key != "" && keyless:
		d.errorf(n, "verify: set key (keyed signing) or identity and issuer (keyless signing), not both")
	case v.Key == "" && !keyless:
		d.errorf(n, "verify: no signer; set key: to a public key file in this repository, or identity: and issuer: for keyless signing")
	case v.Key != "":
		return true
	case v.Identity != "" && v.IdentityRegexp != "":
		d.errorf(n, "verify: set identity or identityRegexp, not both")
	case v.Issuer != "" && v.IssuerRegexp != "":
		d.errorf(n, "verify: set issuer or issuerRegexp, not both")
	case v.Identity == "" && v.IdentityRegexp == "":
		d.errorf(n, "verify: keyless signing needs identity: (or identityRegexp:), the signer's certificate identity")
	case v.Issuer == "" && v.IssuerRegexp == "":
		d.errorf(n, "verify: keyless signing needs issuer: (or issuerRegexp:), the OIDC issuer of the signer's identity")
	default:
		return true
	}
	return false
}

// predicates resolves attestation shorthands into v.
func (d *decoder) predicates(p pair, list []string, v *Verify) bool {
	names := make([]string, 0, len(PredicateTypes))
	for k := range PredicateTypes {
		names = append(names, k)
	}
	sort.Strings(names)
	ok := true
	for i, s := range list {
		at := d.deref(p.val)
		if at != nil && at.Kind == yaml.SequenceNode && i < len(at.Content) {
			at = d.deref(at.Content[i])
		}
		uri, short := PredicateTypes[s]
		if !short {
			uri = s
		}
		switch {
		case slices.Contains(v.Attestations, uri):
		case short || strings.Contains(s, "://"):
			v.Attestations = append(v.Attestations, uri)
		default:
			if at != nil {
				d.errorf(at, "attestations: unknown predicate type %q; give a URI or one of %s%s", s, strings.Join(names, ", "), didYouMean(s, names))
			}
			ok = false
		}
	}
	return ok
}

// Verification returns the verify: block that applies to app's image in
// env: the image's own when it has one, else the environment's. False
// means the image is promoted without a signature check.
func (p *Policy) Verification(app, image, env string) (Verify, bool) {
	if a, ok := p.App(app); ok {
		if img, ok := a.Image(image); ok && img.Verify != nil {
			return *img.Verify, true
		}
	}
	if i := p.EnvIndex(env); i >= 0 && p.Environments[i].Verify != nil {
		return *p.Environments[i].Verify, true
	}
	return Verify{}, false
}

// CheckKeys reports every verify: key file that the config repository in
// fsys does not hold, as an ErrorList.
func (p *Policy) CheckKeys(fsys fs.FS) error {
	var errs ErrorList
	check := func(v *Verify) {
		if v == nil || v.Key == "" {
			return
		}
		if _, err := fs.Stat(fsys, v.Key); err != nil {
			msg := fmt.Sprintf("verify: key file %q is not in the repository", v.Key)
			if !errors.Is(err, fs.ErrNotExist) {
				msg = fmt.Sprintf("verify: key file %q: %v", v.Key, err)
			}
			errs = append(errs, &Error{File: p.File, Line: v.keyLine, Col: v.keyCol, Msg: msg})
		}
	}
	for _, e := range p.Environments {
		check(e.Verify)
	}
	for _, a := range p.Apps {
		for _, img := range a.Images {
			check(img.Verify)
		}
	}
	return errs.Err()
}
