package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestRunRefusesBadRequests(t *testing.T) {
	d := "sha256:" + strings.Repeat("ab", 32)
	tests := []struct{ in, want string }{
		{`{"digest":"sha256:12"}`, "request digest"},
		{`{"digest":"` + d + `","trustedRootFile":"/nonexistent/trusted_root.json","identity":"a","issuer":"b","bundles":[{"where":"x","bundle":{}}]}`, "no such file"},
		{`{"digest":"` + d + `","trustedRoot":{"mediaType":"x"},"identity":"a","issuer":"b","bundles":[{"where":"x","bundle":{}}]}`, "is not a Sigstore trusted root"},
	}
	for _, tt := range tests {
		var out bytes.Buffer
		err := run(strings.NewReader(tt.in), &out)
		if err == nil || !strings.Contains(err.Error(), tt.want) || out.Len() != 0 {
			t.Errorf("run(%s) = %v, output %q; want an error with %q and no answer", tt.in, err, out.String(), tt.want)
		}
	}
}
