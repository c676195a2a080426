package overlay

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// kustomizeBinary finds the kustomize CLI on PATH or in the module's
// .tools/bin, where `make tools` installs it. Without it the comparisons
// with kustomize cannot run, and the caller is skipped.
func kustomizeBinary(tb testing.TB) string {
	tb.Helper()
	if p, err := exec.LookPath("kustomize"); err == nil {
		return p
	}
	dir, err := os.Getwd()
	if err != nil {
		tb.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			p := filepath.Join(dir, ".tools", "bin", "kustomize")
			if _, err := os.Stat(p); err == nil {
				return p
			}
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			break
		}
		dir = parent
	}
	tb.Skip("kustomize CLI not found on PATH or in .tools/bin (install it with `make tools`)")
	return ""
}

// copyTree copies the regular files of one directory into a new temporary one.
func copyTree(tb testing.TB, from string) string {
	tb.Helper()
	to := tb.TempDir()
	entries, err := os.ReadDir(from)
	if err != nil {
		tb.Fatal(err)
	}
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(from, e.Name()))
		if err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(to, e.Name()), data, 0o644); err != nil {
			tb.Fatal(err)
		}
	}
	return to
}

func runKustomize(tb testing.TB, bin, dir string, args ...string) []byte {
	tb.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		tb.Fatalf("kustomize %v in %s: %v\n%s", args, dir, err, stderr.String())
	}
	return out
}

// sameBuild edits one copy of a corpus case's original/ with `kustomize edit
// set image args` and another with ours, and compares `kustomize build`.
func sameBuild(t *testing.T, bin string, c corpusCase, args []string) string {
	t.Helper()
	theirs := copyTree(t, filepath.Join(c.dir, "original"))
	runKustomize(t, bin, theirs, append([]string{"edit", "set", "image"}, args...)...)
	ours := copyTree(t, filepath.Join(c.dir, "original"))
	edits, err := ParseImageArgs(args)
	if err != nil {
		t.Fatal(err)
	}
	out, _, err := SetImages(c.original(t), edits)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(ours, c.file), out, 0o644); err != nil {
		t.Fatal(err)
	}
	want := runKustomize(t, bin, theirs, "build", ".")
	got := runKustomize(t, bin, ours, "build", ".")
	if !bytes.Equal(got, want) {
		t.Errorf("kustomize build differs after set-image %v:\n%s", args, unifiedDiff(want, got))
	}
	return ours
}

// TestSameBuildAsKustomizeEdit runs `kustomize edit set image` on one copy
// of every corpus case and our edit on another, and requires `kustomize
// build` to render both the same. It also checks Render against the CLI.
func TestSameBuildAsKustomizeEdit(t *testing.T) {
	bin := kustomizeBinary(t)
	for _, c := range loadCorpus(t) {
		t.Run(c.name, func(t *testing.T) {
			ours := sameBuild(t, bin, c, c.args)
			got := runKustomize(t, bin, ours, "build", ".")
			rendered, err := Render(os.DirFS(ours), ".")
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(rendered, got) {
				t.Errorf("Render differs from kustomize build:\n%s", unifiedDiff(got, rendered))
			}
		})
	}
}

// TestArgumentFormsAgainstKustomize runs the argument forms kustomize
// accepts, `*` included, on corpus files and compares the builds.
func TestArgumentFormsAgainstKustomize(t *testing.T) {
	bin := kustomizeBinary(t)
	byName := map[string]corpusCase{}
	for _, c := range loadCorpus(t) {
		byName[c.name] = c
	}
	cases := []struct {
		corpus string
		args   []string
	}{
		{"keep-with-star", []string{"app=*"}},
		{"keep-with-star", []string{"app=*:*"}},
		{"keep-with-star", []string{"app:*"}},
		{"keep-with-star", []string{"app@*"}},
		{"keep-with-star", []string{"app=new"}},
		{"keep-with-star", []string{"app="}},
		{"keep-with-star", []string{"=app:v9"}},
		{"keep-with-star", []string{"app=*:v2", "app:v3"}},
		{"newname-first-removed", []string{"app=*:v2@sha256:ff"}},
		{"digest-with-tag", []string{"ghcr.io/acme/payments=*:*@sha256:ff"}},
		{"digest-with-tag", []string{"ghcr.io/acme/payments:v9"}},
		{"tag-suffix-removed", []string{"ghcr.io/acme/legacy=*:*"}},
		{"flow-style", []string{"ghcr.io/acme/worker=x/y:z@sha256:1"}},
		{"several-images", []string{"postgres:16", "ghcr.io/acme/gateway@sha256:aa", "redis:7"}},
	}
	for _, tc := range cases {
		t.Run(tc.corpus+" "+strings.Join(tc.args, " "), func(t *testing.T) {
			c, ok := byName[tc.corpus]
			if !ok {
				t.Fatalf("no corpus case %s", tc.corpus)
			}
			sameBuild(t, bin, c, tc.args)
		})
	}
}
