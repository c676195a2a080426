package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stagehand-gitops/stagehand/internal/chartexec"
)

// TestCheckRendersWithStagehandRender builds the production stagehand and
// stagehand-render into one directory and runs `stagehand check` as a
// process on the mixed repository: the chart renders through the second
// program (a passing staging values file, a template that fails at its
// line, a HelmRelease whose chart is a path in the repository). With stagehand alone, and stagehand-render neither beside it nor
// on PATH, the chart is reported as not rendered, never as passing.
func TestCheckRendersWithStagehandRender(t *testing.T) {
	bin := t.TempDir()
	for _, b := range []struct{ out, pkg string }{{"stagehand", "."}, {chartexec.Program, "../stagehand-render"}} {
		build := exec.Command("go", "build", "-tags", "nosandbox,noserver", "-o", filepath.Join(bin, b.out), b.pkg)
		build.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := build.CombinedOutput(); err != nil {
			t.Fatalf("go build %s: %v\n%s", b.pkg, err, out)
		}
	}
	alone := t.TempDir()
	if err := os.Link(filepath.Join(bin, "stagehand"), filepath.Join(alone, "stagehand")); err != nil {
		t.Fatal(err)
	}

	dir, g, write, commit, values := mixedRepo(t)
	g(t0, "checkout", "-q", "-b", "follow", "main")
	values("staging", "v2.4.0")
	commit(t0.Add(2*time.Hour), "follow")
	g(t0, "checkout", "-q", "-b", "template", "follow")
	tpl := filepath.Join(dir, "apps/payment-service/templates/deployment.yaml")
	data, err := os.ReadFile(tpl)
	if err != nil {
		t.Fatal(err)
	}
	write("apps/payment-service/templates/deployment.yaml", strings.Replace(string(data), "{{ .Values.replicaCount }}", "{{ .Values.replicaCount | nosuchfunc }}", 1))
	commit(t0.Add(2*time.Hour), "break the template")
	// web's staging HelmRelease takes payment-service's chart from the
	// repository (a GitRepository path), rendered with its spec.values.
	g(t0, "checkout", "-q", "-b", "release", "main")
	hr := filepath.Join(dir, "clusters/staging/web.yaml")
	if data, err = os.ReadFile(hr); err != nil {
		t.Fatal(err)
	}
	local := strings.NewReplacer("chart: web\n", "chart: ./apps/payment-service\n", "kind: HelmRepository\n", "kind: GitRepository\n").Replace(string(data))
	write("clusters/staging/web.yaml", local)
	commit(t0.Add(2*time.Hour), "web from the repository's chart")
	now := t0.Add(3 * time.Hour).Format(time.RFC3339)

	for _, tc := range []struct {
		name, bin, head string
		code            int
		stdout          []string
	}{
		{"renders", bin, "follow", 0, []string{"stagehand/staging: success", "✓ build     `apps/payment-service/values-staging.yaml` renders with the chart `apps/payment-service` (2 manifests)"}},
		{"template fails", bin, "template", 1, []string{"stagehand/staging: failure", "apps/payment-service/templates/deployment.yaml:8", `function "nosuchfunc" not defined`}},
		{"helmrelease renders", bin, "release", 0, []string{"✓ build     `clusters/staging/web.yaml`: the HelmRelease `web` renders with the chart `apps/payment-service` (2 manifests)"}},
		{"renderer missing", alone, "follow", 0, []string{"`apps/payment-service/values-staging.yaml` parses, not rendered: stagehand-render not found"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cmd := exec.Command(filepath.Join(tc.bin, "stagehand"), "check", "--dir", dir, "--base", "main", "--head", tc.head, "--now", now)
			// Only git on PATH: a stagehand-render installed elsewhere
			// would hide the missing one.
			git, err := exec.LookPath("git")
			if err != nil {
				t.Fatal(err)
			}
			cmd.Env = []string{"PATH=" + filepath.Dir(git), "HOME=" + t.TempDir()}
			if _, err := os.Stat(filepath.Join(filepath.Dir(git), chartexec.Program)); err == nil && tc.bin == alone {
				t.Skipf("%s is installed beside git; the missing case cannot be set up", chartexec.Program)
			}
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err = cmd.Run()
			code := 0
			var exit *exec.ExitError
			if errors.As(err, &exit) {
				code = exit.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			if code != tc.code {
				t.Fatalf("exit code = %d, want %d\nstdout: %s\nstderr: %s", code, tc.code, stdout.String(), stderr.String())
			}
			for _, s := range tc.stdout {
				if !strings.Contains(stdout.String(), s) {
					t.Errorf("stdout lacks %q:\n%s", s, stdout.String())
				}
			}
		})
	}
}
