package verify

import (
	"encoding/base64"
	"strings"
	"testing"
)

func FuzzParsePayload(f *testing.F) {
	f.Add([]byte(`{"critical":{"identity":{"docker-reference":"r/app"},"image":{"docker-manifest-digest":"sha256:` + strings.Repeat("ab", 32) + `"},"type":"cosign container image signature"},"optional":null}`))
	f.Add([]byte(`{"critical":{"image":{"docker-manifest-digest":"sha256:AB"},"type":"x"}}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := ParsePayload(data)
		if err != nil {
			if d != "" {
				t.Fatalf("ParsePayload returned %q with error %v", d, err)
			}
			return
		}
		if checkDigest(d) != nil {
			t.Fatalf("ParsePayload accepted %q", d)
		}
	})
}

func FuzzParseEnvelope(f *testing.F) {
	stmt := base64.StdEncoding.EncodeToString([]byte(`{"_type":"https://in-toto.io/Statement/v1","predicateType":"https://slsa.dev/provenance/v1","subject":[]}`))
	f.Add([]byte(`{"payloadType":"application/vnd.in-toto+json","payload":"` + stmt + `","signatures":[{"keyid":"","sig":"MEUC"}]}`))
	f.Add([]byte(`{"payloadType":"application/vnd.in-toto+json","payload":"!!","signatures":[{}]}`))
	f.Add([]byte(`{"payloadType":"text/plain"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		env, pt, err := ParseEnvelope(data)
		if err != nil {
			return
		}
		if env == nil || pt == "" || len(env.Signatures) == 0 || env.PayloadType != InTotoPayloadType {
			t.Fatalf("ParseEnvelope accepted %q as %+v, %q", data, env, pt)
		}
	})
}

func TestParsePayloadErrors(t *testing.T) {
	tests := []struct{ in, want string }{
		{`nope`, "not JSON"},
		{`{"critical":{"type":"other"}}`, `has type "other"`},
		{`{"critical":{"type":"cosign container image signature","image":{"docker-manifest-digest":"sha256:12"}}}`, `"sha256:12" is not a sha256 digest`},
	}
	for _, tt := range tests {
		if _, err := ParsePayload([]byte(tt.in)); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("ParsePayload(%s) = %v, want %q", tt.in, err, tt.want)
		}
	}
}

func FuzzDecodeHelperRequest(f *testing.F) {
	d := "sha256:" + strings.Repeat("ab", 32)
	f.Add([]byte(`{"digest":"` + d + `","trustedRoot":{},"identity":"a@b.c","issuer":"https://i","bundles":[{"where":"x","bundle":{}}]}`))
	f.Add([]byte(`{"digest":"` + d + `","trustedRootFile":"r.json","identityRegexp":".","issuerRegexp":".","signatures":[{"where":"t","payload":"e30=","signature":"AA==","certificate":""}]}`))
	f.Add([]byte(`{"digest":"sha256:ab"}`))
	f.Add([]byte(`{"digest":"` + d + `","extra":1}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := DecodeHelperRequest(data)
		if err != nil {
			return
		}
		if checkDigest(r.Digest) != nil || (len(r.TrustedRoot) == 0) == (r.TrustedRootFile == "") ||
			r.Identity == "" && r.IdentityRegexp == "" || r.Issuer == "" && r.IssuerRegexp == "" ||
			len(r.Bundles) == 0 && len(r.Signatures) == 0 {
			t.Fatalf("DecodeHelperRequest accepted %q as %+v", data, r)
		}
	})
}

func TestDecodeHelperRequestErrors(t *testing.T) {
	d := "sha256:" + strings.Repeat("ab", 32)
	tests := []struct{ in, want string }{
		{`nope`, "request is not JSON of the expected shape"},
		{`{"digest":"` + d + `","surprise":1}`, `unknown field "surprise"`},
		{`{"digest":"sha256:12"}`, `request digest: "sha256:12" is not a sha256 digest`},
		{`{"digest":"` + d + `"}`, "exactly one of trustedRoot and trustedRootFile"},
		{`{"digest":"` + d + `","trustedRootFile":"r"}`, "no identity or identityRegexp"},
		{`{"digest":"` + d + `","trustedRootFile":"r","identity":"a"}`, "no issuer or issuerRegexp"},
		{`{"digest":"` + d + `","trustedRootFile":"r","identity":"a","issuer":"b"}`, "no bundle and no signature"},
		{`{"digest":"` + d + `","trustedRootFile":"r","identity":"a","issuer":"b","bundles":[{}]} {}`, "data after its JSON object"},
	}
	for _, tt := range tests {
		if _, err := DecodeHelperRequest([]byte(tt.in)); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("DecodeHelperRequest(%s) = %v, want %q", tt.in, err, tt.want)
		}
	}
}
