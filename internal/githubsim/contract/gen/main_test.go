package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRun(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tests := []struct {
		name    string
		spec    string
		wantErr string
	}{
		{name: "no spec", wantErr: "-spec is required"},
		{name: "missing file", spec: filepath.Join(dir, "nope.json"), wantErr: "read description"},
		{name: "not JSON", spec: write("bad.json", "{"), wantErr: "decode info"},
		{name: "another version", spec: write("old.json", `{"info":{"version":"22.0.0"},"paths":{}}`),
			wantErr: `description version "22.0.0", pinned @octokit/openapi@`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := run(tt.spec, filepath.Join(dir, "out.json"), "")
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error %v, want it to contain %q", err, tt.wantErr)
			}
			if _, statErr := os.Stat(filepath.Join(dir, "out.json")); statErr == nil {
				t.Error("wrote output despite the error")
			}
		})
	}
}
