package main

import (
	"io/fs"
	"os"
	"strings"
	"testing"
	"time"
)

// TestCheckMixedRepo runs `stagehand check` on a checkout of the mixed
// repository whose main branch took payment-service v2.4.0 in dev: a
// hand-edited prod values file that skips staging fails stagehand/prod at
// the tag's line, a staging values file taking what dev runs passes, and
// a values file that no longer parses fails at its line.
func TestCheckMixedRepo(t *testing.T) {
	dir, g, write, commit, values := mixedRepo(t)
	for _, b := range []struct {
		name string
		edit func()
	}{
		{"skip", func() { values("prod", "v2.4.0") }},
		{"follow", func() { values("staging", "v2.4.0") }},
		{"broken", func() {
			write("apps/payment-service/values-staging.yaml", "replicaCount: 2\nimage:\n  tag: v2.4.0\n   pullPolicy: Always\n")
		}},
	} {
		g(t0, "checkout", "-q", "-b", b.name, "main")
		b.edit()
		commit(t0.Add(2*time.Hour), b.name)
	}
	now := t0.Add(3 * time.Hour).Format(time.RFC3339)
	for _, tc := range []struct {
		head   string
		code   int
		stdout []string
	}{
		{"skip", 1, []string{"stagehand/prod: failure", "✗ order     `v2.4.0` has not run in staging (staging runs `v2.3.0`)", "apps/payment-service/values-prod.yaml:7"}},
		{"follow", 0, []string{"stagehand/staging: success — All rules pass", "✓ build     `apps/payment-service/values-staging.yaml` renders with the chart `apps/payment-service` (2 manifests)"}},
		{"broken", 1, []string{"stagehand/staging: failure", "apps/payment-service/values-staging.yaml:4: mapping values are not allowed in this context"}},
	} {
		t.Run(tc.head, func(t *testing.T) {
			code, stdout, stderr := runCLI(t, "", "check", "--dir", dir, "--base", "main", "--head", tc.head, "--now", now)
			if code != tc.code {
				t.Fatalf("exit code = %d, want %d\nstdout: %s\nstderr: %s", code, tc.code, stdout, stderr)
			}
			for _, s := range tc.stdout {
				if !strings.Contains(stdout, s) {
					t.Errorf("stdout lacks %q:\n%s", s, stdout)
				}
			}
		})
	}
}

// mixedRepo makes a git checkout of testdata/mixed-repo whose main branch
// took payment-service v2.4.0 in dev, an hour after the seed; values
// rewrites an environment's payment-service tag in the work tree.
func mixedRepo(t *testing.T) (dir string, g func(at time.Time, args ...string), write func(name, data string), commit func(at time.Time, msg string), values func(env, tag string)) {
	t.Helper()
	dir, g, write, commit = gitRepo(t)
	g(t0, "init", "-q", "-b", "main")
	seed := os.DirFS("../../testdata/mixed-repo")
	if err := fs.WalkDir(seed, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(seed, p)
		write(p, string(data))
		return err
	}); err != nil {
		t.Fatal(err)
	}
	values = func(env, tag string) {
		data, err := fs.ReadFile(seed, "apps/payment-service/values-"+env+".yaml")
		if err != nil {
			t.Fatal(err)
		}
		write("apps/payment-service/values-"+env+".yaml", strings.Replace(string(data), `tag: "v2.3.0"`, `tag: "`+tag+`"`, 1))
	}
	commit(t0, "seed")
	values("dev", "v2.4.0")
	commit(t0.Add(time.Hour), "promote payment-service to dev")
	return dir, g, write, commit, values
}
