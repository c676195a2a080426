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
