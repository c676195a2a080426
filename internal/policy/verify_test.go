package policy

import (
	"encoding/json"
	"errors"
	"os"
	"reflect"
	"sort"
	"strings"
	"testing"
	"testing/fstest"
)

// verifyHead is a policy whose prod environment takes a verify: block
// from line 6 on, indented under it.
const verifyHead = "version: 1\nenvironments:\n  - name: dev\n  - name: prod\n    verify:\n"

func TestParseVerifyErrors(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"no signer", verifyHead + "      attestations: [slsaprovenance1]\n",
			"p.yaml:6:7: verify: no signer; set key: to a public key file in this repository, or identity: and issuer: for keyless signing"},
		{"key and identity", verifyHead + "      key: cosign.pub\n      identity: me@example.com\n      issuer: https://accounts.google.com\n",
			"p.yaml:6:7: verify: set key (keyed signing) or identity and issuer (keyless signing), not both"},
		{"identity without issuer", verifyHead + "      identity: me@example.com\n",
			"p.yaml:6:7: verify: keyless signing needs issuer: (or issuerRegexp:), the OIDC issuer of the signer's identity"},
		{"issuer without identity", verifyHead + "      issuer: https://accounts.google.com\n",
			"p.yaml:6:7: verify: keyless signing needs identity: (or identityRegexp:), the signer's certificate identity"},
		{"identity and its regexp", verifyHead + "      identity: a@b.c\n      identityRegexp: '@b\\.c$'\n      issuer: https://x\n",
			"p.yaml:6:7: verify: set identity or identityRegexp, not both"},
		{"bad identity regexp", verifyHead + "      identityRegexp: '^https://github.com/(acme'\n      issuer: https://x\n",
			"p.yaml:6:23: identityRegexp: invalid regular expression \"^https://github.com/(acme\": missing closing ): `^https://github.com/(acme`"},
		{"bad issuer regexp", verifyHead + "      identity: a@b.c\n      issuerRegexp: '*'\n",
			"p.yaml:7:21: issuerRegexp: invalid regular expression \"*\": missing argument to repetition operator: `*`"},
		{"unknown predicate shorthand", verifyHead + "      key: cosign.pub\n      attestations: [slsaprovenance, slsa]\n",
			`p.yaml:7:38: attestations: unknown predicate type "slsa"; give a URI or one of custom, cyclonedx, openvex, slsaprovenance, slsaprovenance02, slsaprovenance1, spdx, spdxjson, vuln`},
		{"predicate typo", verifyHead + "      key: cosign.pub\n      attestations: cyclondx\n",
			`p.yaml:7:21: attestations: unknown predicate type "cyclondx"; give a URI or one of custom, cyclonedx, openvex, slsaprovenance, slsaprovenance02, slsaprovenance1, spdx, spdxjson, vuln; did you mean "cyclonedx"?`},
		{"key escaping the repository", verifyHead + "      key: ../cosign.pub\n",
			`p.yaml:6:12: key: "../cosign.pub" may not hold empty, . or .. segments`},
		{"absolute key", verifyHead + "      key: /etc/cosign.pub\n",
			`p.yaml:6:12: key: "/etc/cosign.pub" must be relative to the repository root`},
		{"unknown field", verifyHead + "      key: cosign.pub\n      keyless: true\n",
			`p.yaml:7:7: unknown field "keyless" in verify`},
		{"not a mapping", verifyHead + "      - cosign.pub\n",
			"p.yaml:6:7: verify: want a mapping, got a list"},
		{"image verify", "version: 1\nenvironments: [{name: dev}]\napps:\n  web:\n    images:\n      - name: web\n        verify: {key: k.pub, identity: x}\n",
			"p.yaml:7:17: verify: set key (keyed signing) or identity and issuer (keyless signing), not both"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("p.yaml", []byte(tt.in))
			if err == nil || err.Error() != tt.want {
				t.Errorf("Parse error\n got: %v\nwant: %s", err, tt.want)
			}
		})
	}
}

func TestVerification(t *testing.T) {
	in := `version: 1
environments:
  - name: dev
  - name: prod
    verify:
      identityRegexp: ^https://github\.com/acme/
      issuer: https://token.actions.githubusercontent.com
      attestations: [slsaprovenance1, "https://example.com/scan/v1", slsaprovenance1]
apps:
  web:
    images:
      - name: web
      - name: sidecar
        verify: {key: keys/sidecar.pub}
`
	p, err := Parse("p.yaml", []byte(in))
	if err != nil {
		t.Fatal(err)
	}
	prod := Verify{IdentityRegexp: `^https://github\.com/acme/`, Issuer: "https://token.actions.githubusercontent.com",
		Attestations: []string{"https://slsa.dev/provenance/v1", "https://example.com/scan/v1"}, Line: 6, Col: 7}
	tests := []struct {
		image, env string
		want       string // "" for none
	}{
		{"web", "dev", ""},
		{"web", "prod", prod.String()},
		{"sidecar", "dev", "signed with keys/sidecar.pub"},
		{"sidecar", "prod", "signed with keys/sidecar.pub"},
		{"nope", "prod", prod.String()},
	}
	for _, tt := range tests {
		v, ok := p.Verification("web", tt.image, tt.env)
		if got := v.String(); ok != (tt.want != "") || ok && got != tt.want {
			t.Errorf("Verification(web, %s, %s) = %q, %v, want %q", tt.image, tt.env, got, ok, tt.want)
		}
	}
	if got, _ := p.Verification("web", "web", "prod"); !reflect.DeepEqual(got, prod) {
		t.Errorf("prod's verify = %+v, want %+v", got, prod)
	}
	if want := "signed keyless by /^https://github\\.com/acme// (issuer https://token.actions.githubusercontent.com), attested https://slsa.dev/provenance/v1, https://example.com/scan/v1"; prod.String() != want {
		t.Errorf("String = %q, want %q", prod.String(), want)
	}
}

func TestCheckKeys(t *testing.T) {
	in := "version: 1\nenvironments:\n  - name: dev\n    verify: {key: keys/dev.pub}\n  - name: prod\n    verify:\n      key: keys/prod.pub\n"
	p, err := Parse("p.yaml", []byte(in))
	if err != nil {
		t.Fatal(err)
	}
	if err := p.CheckKeys(fstest.MapFS{"keys/dev.pub": {}, "keys/prod.pub": {}}); err != nil {
		t.Errorf("CheckKeys with both keys = %v", err)
	}
	err = p.CheckKeys(fstest.MapFS{"keys/dev.pub": {}})
	var list ErrorList
	if !errors.As(err, &list) || err.Error() != `p.yaml:7:12: verify: key file "keys/prod.pub" is not in the repository` {
		t.Errorf("CheckKeys without prod's key = %v", err)
	}
}

// TestSchemaPredicateShorthands keeps the schema's shorthand enum and
// PredicateTypes in step.
func TestSchemaPredicateShorthands(t *testing.T) {
	data, err := os.ReadFile(schemaFile)
	if err != nil {
		t.Fatal(err)
	}
	var s struct {
		Defs struct {
			PredicateType struct {
				AnyOf []struct {
					Enum []string `json:"enum"`
				} `json:"anyOf"`
			} `json:"predicateType"`
		} `json:"$defs"`
	}
	if err := json.Unmarshal(data, &s); err != nil || len(s.Defs.PredicateType.AnyOf) == 0 {
		t.Fatalf("schema has no $defs/predicateType enum: %v", err)
	}
	got := s.Defs.PredicateType.AnyOf[0].Enum
	sort.Strings(got)
	var want []string
	for k := range PredicateTypes {
		want = append(want, k)
	}
	sort.Strings(want)
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("schema shorthands %v, PredicateTypes %v", got, want)
	}
}

// FuzzParseVerify fuzzes the verify: block inside a valid policy: Parse
// returns a block that names exactly one kind of signer, or positioned
// errors.
func FuzzParseVerify(f *testing.F) {
	f.Add("key: keys/cosign.pub\nattestations: [slsaprovenance1]")
	f.Add("identity: https://github.com/acme/x/.github/workflows/r.yml@refs/heads/main\nissuer: https://token.actions.githubusercontent.com")
	f.Add("identityRegexp: '^a(b'\nissuerRegexp: x")
	f.Add("key: ../k\nattestations: nope")
	f.Fuzz(func(t *testing.T, block string) {
		in := "version: 1\nenvironments:\n  - name: prod\n    verify:\n      " + strings.ReplaceAll(block, "\n", "\n      ") + "\n"
		p, err := Parse("f.yaml", []byte(in))
		if err != nil {
			var list ErrorList
			if !errors.As(err, &list) {
				t.Fatalf("error is not an ErrorList: %v", err)
			}
			for _, e := range list {
				if e.Line < 1 || e.Msg == "" {
					t.Fatalf("error without a position: %+v", e)
				}
			}
			return
		}
		v := p.Environments[0].Verify
		if v == nil {
			return // verify: null, or the block was not a mapping value
		}
		if (v.Key != "") == (v.Identity != "" || v.IdentityRegexp != "") {
			t.Fatalf("accepted a block with no or two signers: %+v", v)
		}
		for _, a := range v.Attestations {
			if !strings.Contains(a, "://") {
				t.Fatalf("attestation %q is not a URI", a)
			}
		}
	})
}
