package charts

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// helmVersion is the helm the Makefile's tools target installs.
const helmVersion = "v3.22.0"

// chartDir is the chart under test, relative to this package.
const chartDir = "stagehand"

// helmBinary finds the pinned helm in the module's .tools/bin. Under make
// (STAGEHAND_TOOLS_REQUIRED set) a missing helm fails the test; run by hand
// without it, the test is skipped with how to install it.
func helmBinary(tb testing.TB) string {
	tb.Helper()
	p, err := filepath.Abs(filepath.Join("..", ".tools", "bin", "helm"))
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := os.Stat(p); err != nil {
		if os.Getenv("STAGEHAND_TOOLS_REQUIRED") != "" {
			tb.Fatalf("helm not found at %s: `make tools` installs it", p)
		}
		tb.Skipf("helm not found at %s; install it with `make tools` (go install helm.sh/helm/v3/cmd/helm@%s)", p, helmVersion)
	}
	return p
}

// helm runs the helm binary and returns its standard output, or its
// standard error as the error text.
func helm(tb testing.TB, args ...string) (string, error) {
	tb.Helper()
	cmd := exec.Command(helmBinary(tb), args...)
	// No repositories, plugins or caches of the user's are read or written.
	home := tb.TempDir()
	cmd.Env = append(os.Environ(), "HELM_CACHE_HOME="+home, "HELM_CONFIG_HOME="+home, "HELM_DATA_HOME="+home)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.String(), &helmError{args: args, stderr: strings.TrimSpace(stderr.String() + "\n" + stdout.String()), err: err}
	}
	return stdout.String(), nil
}

type helmError struct {
	args   []string
	stderr string
	err    error
}

func (e *helmError) Error() string {
	return "helm " + strings.Join(e.args, " ") + ": " + e.err.Error() + ": " + e.stderr
}

// valuesFiles are the example values the chart is linted and rendered with.
var valuesFiles = []string{"minimal-values.yaml", "ha-values.yaml", "existing-secret-values.yaml"}

func valuesPath(name string) string { return filepath.Join(chartDir, "ci", name) }

// TestHelmVersionIsPinned reads the module version from the binary's
// build information: a helm built with go install reports only its minor
// version through `helm version`.
func TestHelmVersionIsPinned(t *testing.T) {
	out, err := exec.Command("go", "version", "-m", helmBinary(t)).CombinedOutput()
	if err != nil {
		t.Fatalf("go version -m: %v\n%s", err, out)
	}
	if !regexp.MustCompile(`(?m)^\s+mod\s+helm\.sh/helm/v3\s+` + regexp.QuoteMeta(helmVersion) + `\s`).Match(out) {
		t.Fatalf("helm is not %s (make tools installs it):\n%s", helmVersion, out)
	}
}

func TestHelmLintStrict(t *testing.T) {
	for _, name := range valuesFiles {
		t.Run(name, func(t *testing.T) {
			if out, err := helm(t, "lint", "--strict", chartDir, "-f", valuesPath(name)); err != nil {
				t.Fatalf("%v\n%s", err, out)
			}
		})
	}
}

// render runs helm template with the values files and returns the YAML
// documents it printed, empty ones dropped.
func render(tb testing.TB, values ...string) []string {
	tb.Helper()
	args := []string{"template", "stagehand", chartDir, "--namespace", "gitops"}
	for _, v := range values {
		args = append(args, "-f", v)
	}
	out, err := helm(tb, args...)
	if err != nil {
		tb.Fatal(err)
	}
	var docs []string
	for doc := range strings.SplitSeq(out, "\n---") {
		if body := strings.TrimSpace(stripComments(doc)); body != "" {
			docs = append(docs, doc)
		}
	}
	return docs
}

// stripComments drops whole-line YAML comments, such as helm's "# Source:".
func stripComments(doc string) string {
	var b strings.Builder
	for line := range strings.SplitSeq(doc, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(line), "#") {
			b.WriteString(line + "\n")
		}
	}
	return b.String()
}
