package charts

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestSchemaRejectsBadValues renders values files that must be refused,
// each with the words the refusal must contain.
func TestSchemaRejectsBadValues(t *testing.T) {
	for _, tc := range []struct {
		file string
		want string
	}{
		{"wrong-type.yaml", "replicaCount"},
		{"unknown-key.yaml", "replicas"},
		{"unknown-nested-key.yaml", "digests"},
		{"bad-digest.yaml", "digest"},
		{"no-webhook-secret.yaml", "never accepts unsigned webhooks"},
	} {
		t.Run(tc.file, func(t *testing.T) {
			out, err := helm(t, "template", "stagehand", chartDir, "-f", filepath.Join("testdata", tc.file))
			if err == nil {
				t.Fatalf("rendered without an error:\n%s", out)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error does not name %q: %v", tc.want, err)
			}
		})
	}
}
