package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const textbookRepo = "../../testdata/textbook-repo"

// tenThousandTags writes a tags file shaped like a busy repository's
// listing: releases, rc and dev tags of many versions, suffixed variants
// and commit SHAs.
func tenThousandTags(tb testing.TB) string {
	tb.Helper()
	var b strings.Builder
	for i := range 10000 {
		// Ten consecutive tags share one version; v1.2.4 is i = 3670..3679.
		v := fmt.Sprintf("v%d.%d.%d", i/10%3, i/30%30, i/900%12)
		switch i % 10 {
		case 0, 1:
			fmt.Fprintf(&b, "%s-rc%d\n", v, i%12)
		case 2:
			b.WriteString(v + "-dev\n")
		case 3:
			b.WriteString(v + "-alpine\n")
		case 4:
			fmt.Fprintf(&b, "%07x\n", i*7919)
		default:
			b.WriteString(v + "\n")
		}
	}
	file := filepath.Join(tb.TempDir(), "tags.txt")
	if err := os.WriteFile(file, []byte(b.String()), 0o644); err != nil {
		tb.Fatal(err)
	}
	return file
}

// BenchmarkExplain10000Tags runs the whole explain command, as a user
// does, on the textbook repository's channelled staging over 10,000 tags:
// reading the tags file, the policy, discovery, both overlays, the choice
// and the printed reasons.
func BenchmarkExplain10000Tags(b *testing.B) {
	file := tenThousandTags(b)
	for _, env := range []string{"staging", "prod"} {
		b.Run(env, func(b *testing.B) {
			args := []string{"explain", "--dir", textbookRepo, "--app", "order-service", "--env", env, "--tags-file", file}
			b.ReportAllocs()
			for b.Loop() {
				if code := run(args, strings.NewReader(""), io.Discard, io.Discard); code != 0 {
					b.Fatalf("exit %d", code)
				}
			}
		})
	}
}

// TestExplainTenThousandTags checks the benchmark's input: one line per
// tag, and a choice among them.
func TestExplainTenThousandTags(t *testing.T) {
	code, stdout, stderr := runCLI(t, "", "explain", "--dir", textbookRepo, "--app", "order-service", "--env", "staging", "--tags-file", tenThousandTags(t))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	lines := strings.Split(strings.TrimSuffix(stdout, "\n"), "\n")
	// chosen, current, and one line per other tag.
	if lines[0] != "chosen: v1.2.4-rc11" || len(lines) != 2+9999 {
		t.Errorf("explain chose %q with %d lines", lines[0], len(lines))
	}
}

// TestOfflineHelp checks that every offline command explains itself with
// examples, and that --help succeeds.
func TestOfflineHelp(t *testing.T) {
	for _, cmd := range [][]string{{"set-image"}, {"plan"}, {"explain"}, {"status"}, {"policy", "validate"}, {"policy", "import"}} {
		t.Run(strings.Join(cmd, " "), func(t *testing.T) {
			code, stdout, stderr := runCLI(t, "", append(cmd, "--help")...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			examples := strings.Index(stdout, "Examples:\n")
			if examples < 0 || !strings.Contains(stdout[examples:], "stagehand "+strings.Join(cmd, " ")) {
				t.Errorf("help has no example of the command:\n%s", stdout)
			}
		})
	}
}

// TestOfflineExitCodes checks the three exit codes of each offline command
// on one kind of input each: success, the user's mistake, and a failure
// that is not the user's (a policy path that cannot be read as a file).
func TestOfflineExitCodes(t *testing.T) {
	unreadable := writeTree(t, map[string]string{".stagehand.yaml/x": "x"})
	noPolicy := t.TempDir()
	commands := []struct {
		name string
		args func(dir string) []string
	}{
		{"plan", func(dir string) []string {
			return []string{"plan", "--dir", dir, "--image", "registry.company.com/order-service:v1.2.5-dev"}
		}},
		{"explain", func(dir string) []string {
			return []string{"explain", "--dir", dir, "--app", "order-service", "--env", "dev", "--tags", "v1.2.5-dev"}
		}},
		{"status", func(dir string) []string { return []string{"status", "--dir", dir} }},
		{"policy validate", func(dir string) []string { return []string{"policy", "validate", "--dir", dir} }},
	}
	for _, c := range commands {
		for _, tc := range []struct {
			dir  string
			code int
			msg  string
		}{
			{textbookRepo, 0, ""},
			{noPolicy, 1, "no policy file"},
			{unreadable, 2, "read " + filepath.Join(unreadable, ".stagehand.yaml")},
		} {
			t.Run(fmt.Sprintf("%s/%d", c.name, tc.code), func(t *testing.T) {
				code, stdout, stderr := runCLI(t, "", c.args(tc.dir)...)
				if code != tc.code || !strings.Contains(stderr, tc.msg) {
					t.Errorf("exit %d, want %d with %q\nstdout: %s\nstderr: %s", code, tc.code, tc.msg, stdout, stderr)
				}
			})
		}
	}
	// set-image reads a kustomization, not the policy.
	loop := t.TempDir()
	if err := os.Symlink("kustomization.yaml", filepath.Join(loop, "kustomization.yaml")); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		dir  string
		code int
		msg  string
	}{
		{writeTree(t, map[string]string{"kustomization.yaml": "images: []\n"}), 0, ""},
		{noPolicy, 1, "no kustomization file in"},
		{loop, 2, "too many levels of symbolic links"},
	} {
		t.Run(fmt.Sprintf("set-image/%d", tc.code), func(t *testing.T) {
			code, stdout, stderr := runCLI(t, "", "set-image", "--dir", tc.dir, "ghcr.io/acme/web:v1")
			if code != tc.code || !strings.Contains(stderr, tc.msg) {
				t.Errorf("exit %d, want %d with %q\nstdout: %s\nstderr: %s", code, tc.code, tc.msg, stdout, stderr)
			}
		})
	}
}

// TestExplainVerify: where the environment requires a signature, explain
// says the choice still has to verify.
func TestExplainVerify(t *testing.T) {
	overlay := "resources: [../../base]\nimages:\n- name: ghcr.io/acme/web\n  newTag: v1.0.0\n"
	dir := writeTree(t, map[string]string{
		".stagehand.yaml":                          "version: 1\nenvironments:\n  - name: dev\n    verify: {key: keys/cosign.pub}\napps:\n  web:\n    image: ghcr.io/acme/web\n",
		"keys/cosign.pub":                          "-----BEGIN PUBLIC KEY-----\n",
		"apps/web/overlays/dev/kustomization.yaml": overlay,
	})
	code, stdout, stderr := runCLI(t, "", "explain", "--dir", dir, "--app", "web", "--env", "dev", "--tags", "v1.1.0,v1.0.1")
	want := "chosen: v1.1.0, if its signature verifies: dev requires images signed with keys/cosign.pub, and explain reads no registry\n"
	if code != 0 || !strings.HasPrefix(stdout, want) {
		t.Errorf("exit %d\n%s\nwant the first line %q\n%s", code, stdout, want, stderr)
	}
}
