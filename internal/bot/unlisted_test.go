package bot

import (
	"errors"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/stagehand-gitops/stagehand/internal/golden"
	"github.com/stagehand-gitops/stagehand/internal/registry"
)

// TestUnlistedVerdict: the waiting check of a carry: version environment
// names a registry that refuses Stagehand and says where credentials go;
// any other failure says what to check. The summaries are golden files.
func TestUnlistedVerdict(t *testing.T) {
	for _, tc := range []struct {
		name string
		why  error
	}{
		{"refused-anonymous", fmt.Errorf("list the tags of registry.example.com/acme/web: %w",
			&registry.AccessError{Registry: "registry.example.com", Status: 401, Anonymous: true})},
		{"refused-credentials", fmt.Errorf("list the tags of registry.example.com/acme/web: %w",
			&registry.AccessError{Registry: "registry.example.com", Status: 403})},
		{"unreachable", errors.New("list the tags of registry.example.com/acme/web: dial tcp: lookup registry.example.com: no such host")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := unlistedVerdict("web", "staging", tc.why)
			if v.Name != "stagehand/staging" || v.Title != "web waits: the registry could not be listed" {
				t.Errorf("verdict %q, %q", v.Name, v.Title)
			}
			golden.CheckString(t, filepath.Join("testdata", "unlisted", tc.name+".md"), v.Summary)
		})
	}
}
