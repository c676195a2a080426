package main

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestVersionIsStamped builds the binary with the -X flags the Makefile and
// the Dockerfile pass and checks that `stagehand version` prints them. Only
// the link differs from a plain build (no -trimpath, which would recompile
// every dependency), so the build cache serves the rest.
func TestVersionIsStamped(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "stagehand")
	build := exec.Command("go", "build", "-ldflags", "-X main.version=v9.8.7 -X main.commit=c0ffee1", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	out, err := exec.Command(bin, "version").CombinedOutput()
	if err != nil || !strings.HasPrefix(string(out), "stagehand v9.8.7 (commit c0ffee1, go") {
		t.Errorf("stagehand version = %q (%v), want v9.8.7 and commit c0ffee1", out, err)
	}
}
