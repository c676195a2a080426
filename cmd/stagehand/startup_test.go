package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stagehand-gitops/stagehand/internal/inittrace"
)

// Bounds on what the production binary's packages allocate while they
// initialise, before main runs. Allocation, unlike time, does not depend on
// the machine's load, so these bounds are stable; the clock is logged.
const (
	maxInitBytes    = 3 << 19 // every package together: 1.5 MiB
	maxOwnInitBytes = 8 << 10 // any one package of this module
)

// sandboxOnly are packages the production binary must not link: they belong
// to stagehand-sandbox, or, for goldmark's extensions, only to the tests that
// hold chatops' subset of them to the whole (their autolink expressions cost
// a millisecond of every start).
var sandboxOnly = []string{
	"github.com/yuin/goldmark/extension",
	"github.com/stagehand-gitops/stagehand/internal/githubsim",
	"github.com/stagehand-gitops/stagehand/internal/sandbox",
	"github.com/santhosh-tekuri/jsonschema",
	"github.com/distribution/distribution",
	"google.golang.org/grpc",
	// Helm renders in stagehand-render (internal/chartexec).
	"helm.sh/helm",
}

// TestStartup builds the production binary (the nosandbox tag) and runs it
// with GODEBUG=inittrace=1: the sandbox's packages are not in it, nothing of
// this module builds at init what a command may not use, and the total stays
// under its bound. Its demo command, without stagehand-sandbox beside it,
// says how to get one.
func TestStartup(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "stagehand")
	build := exec.Command("go", "build", "-tags", "nosandbox", "-o", bin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	var stderr bytes.Buffer
	cmd := exec.Command(bin, "version")
	cmd.Env = append(os.Environ(), "GODEBUG=inittrace=1")
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("stagehand version: %v\n%s", err, stderr.String())
	}
	trace, err := inittrace.Parse(&stderr)
	if err != nil {
		t.Fatal(err)
	}
	if len(trace) == 0 {
		t.Fatal("no init lines in the trace")
	}
	t.Logf("%d packages initialised: %d bytes, %v (clock, load-dependent)", len(trace), trace.Bytes(), trace.Clock())
	for _, in := range trace {
		for _, p := range sandboxOnly {
			if strings.HasPrefix(in.Package, p) {
				t.Errorf("the production binary initialises %s, which only the sandbox needs", in.Package)
			}
		}
		if strings.HasPrefix(in.Package, "github.com/stagehand-gitops/stagehand/") && in.Bytes > maxOwnInitBytes {
			t.Errorf("%s allocates %d bytes at init (bound %d): build it at first use (sync.OnceValue)", in.Package, in.Bytes, maxOwnInitBytes)
		}
	}
	if n := trace.Bytes(); n > maxInitBytes {
		t.Errorf("package initialisation allocates %d bytes, bound %d; heaviest: %+v", n, maxInitBytes, trace.Heaviest(5))
	}

	demo := exec.Command(bin, "demo")
	demo.Env = []string{"PATH=" + dir}
	out, err := demo.CombinedOutput()
	if code := demo.ProcessState.ExitCode(); code != 1 || !strings.Contains(string(out), "stagehand-sandbox") {
		t.Errorf("demo without stagehand-sandbox: exit %d (%v), output %q; want exit 1 naming stagehand-sandbox", code, err, out)
	}
}
