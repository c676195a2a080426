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

// Bounds on what the production binaries' packages allocate while they
// initialise, before main runs. Allocation, unlike time, does not depend on
// the machine's load, so these bounds are stable; the clock is logged.
const (
	maxCLIInitBytes    = 3 << 17  // bin/stagehand, every package together: 384 KiB
	maxServerInitBytes = 11 << 17 // bin/stagehand-server: 1.375 MiB
	maxOwnInitBytes    = 8 << 10  // any one package of this module
)

// sandboxOnly are packages neither production binary may link: they belong
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
	// internal/semver is Masterminds/semver with its regular expressions
	// compiled at first use; upstream's init compiles them in every start.
	"github.com/Masterminds/semver",
}

// serverOnly are packages that only stagehand-server links: the offline
// commands of bin/stagehand, which CI runs once per step, must not pay for
// their initialisation.
var serverOnly = []string{
	"github.com/labstack/echo",
	"github.com/google/go-github",
	"github.com/bradleyfalzon/ghinstallation",
	"github.com/prometheus/",
	"github.com/yuin/goldmark",
	"github.com/sigstore/",
	"github.com/google/go-containerregistry",
	"github.com/stagehand-gitops/stagehand/internal/bot",
	"github.com/stagehand-gitops/stagehand/internal/server",
	"github.com/stagehand-gitops/stagehand/internal/forge",
	"github.com/stagehand-gitops/stagehand/internal/verify",
	"github.com/stagehand-gitops/stagehand/internal/registry",
}

// TestStartup builds the two production binaries as make build does and
// runs each with GODEBUG=inittrace=1: bin/stagehand (the nosandbox and
// noserver tags) links neither the sandbox nor the server's packages,
// stagehand-server (nosandbox) not the sandbox's; nothing of this module
// builds at init what a command may not use, and each total stays under its
// bound. Without the binaries they hand over to beside them, demo and serve
// say how to get them.
func TestStartup(t *testing.T) {
	dir := t.TempDir()
	for _, b := range []struct {
		name, tags string
		bound      int64
		forbidden  []string
	}{
		{"stagehand", "nosandbox,noserver", maxCLIInitBytes, append(append([]string{}, sandboxOnly...), serverOnly...)},
		{"stagehand-server", "nosandbox", maxServerInitBytes, sandboxOnly},
	} {
		t.Run(b.name, func(t *testing.T) {
			bin := filepath.Join(dir, b.name)
			build := exec.Command("go", "build", "-tags", b.tags, "-o", bin, ".")
			build.Env = append(os.Environ(), "CGO_ENABLED=0")
			if out, err := build.CombinedOutput(); err != nil {
				t.Fatalf("go build: %v\n%s", err, out)
			}
			var stderr bytes.Buffer
			cmd := exec.Command(bin, "version")
			cmd.Env = append(os.Environ(), "GODEBUG=inittrace=1")
			cmd.Stderr = &stderr
			if err := cmd.Run(); err != nil {
				t.Fatalf("%s version: %v\n%s", b.name, err, stderr.String())
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
				for _, p := range b.forbidden {
					if strings.HasPrefix(in.Package, p) {
						t.Errorf("%s initialises %s, which it must leave to another build", b.name, in.Package)
					}
				}
				if strings.HasPrefix(in.Package, "github.com/stagehand-gitops/stagehand/") && in.Bytes > maxOwnInitBytes {
					t.Errorf("%s allocates %d bytes at init (bound %d): build it at first use (sync.OnceValue)", in.Package, in.Bytes, maxOwnInitBytes)
				}
			}
			if n := trace.Bytes(); n > b.bound {
				t.Errorf("package initialisation allocates %d bytes, bound %d; heaviest: %+v", n, b.bound, trace.Heaviest(5))
			}
		})
	}

	// bin/stagehand alone: demo and serve name what they hand over to.
	alone := t.TempDir()
	if err := os.Link(filepath.Join(dir, "stagehand"), filepath.Join(alone, "stagehand")); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ command, binary string }{{"demo", "stagehand-sandbox"}, {"serve", "stagehand-server"}, {"register", "stagehand-server"}} {
		cmd := exec.Command(filepath.Join(alone, "stagehand"), c.command)
		cmd.Env = []string{"PATH=" + alone}
		out, err := cmd.CombinedOutput()
		if code := cmd.ProcessState.ExitCode(); code != 1 || !strings.Contains(string(out), c.binary) {
			t.Errorf("%s without %s: exit %d (%v), output %q; want exit 1 naming %s", c.command, c.binary, code, err, out, c.binary)
		}
	}
}
