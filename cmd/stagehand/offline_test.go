package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const demoRepo = "../../testdata/demo-repo"

func runCLI(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(args, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

func TestOfflineCommands(t *testing.T) {
	cases := []struct {
		name    string
		args    []string
		stdin   string
		code    int
		stdout  []string // substrings, in order
		stderr  string
		noStdin bool
	}{
		{name: "status table", args: []string{"status", "--dir", demoRepo}, stdout: []string{"APP", "DEV", "STAGING", "PROD", "order-service", "v1.3.2"}},
		{name: "status json", args: []string{"status", "--dir", demoRepo, "-o", "json"}, stdout: []string{`"app": "order-service"`, `"env": "dev"`, `"tag": "v1.3.2"`}},
		{name: "status bad output", args: []string{"status", "--dir", demoRepo, "-o", "yaml"}, code: 1, stderr: `-o "yaml": want table or json`},
		{name: "status no policy", args: []string{"status", "--dir", "."}, code: 1, stderr: "no policy file"},
		{name: "plan diff", args: []string{"plan", "--dir", demoRepo, "--image", "registry.demo.local/acme/order-service:v1.4.0"},
			stdout: []string{"promote order-service in dev: v1.3.2 → v1.4.0 (branch stagehand/dev/order-service)", "-    newTag: v1.3.2 # set by Stagehand", "+    newTag: v1.4.0 # set by Stagehand"}},
		{name: "plan env", args: []string{"plan", "--dir", demoRepo, "--image", "registry.demo.local/acme/order-service:v1.4.0", "--env", "prod"}, stdout: []string{"promote order-service in prod"}},
		{name: "plan downgrade skipped", args: []string{"plan", "--dir", demoRepo, "--image", "registry.demo.local/acme/order-service:v1.0.0"}, stdout: []string{"skip order-service in dev: v1.0.0: not newer than current v1.3.2"}},
		{name: "plan untracked", args: []string{"plan", "--dir", demoRepo, "--image", "ghcr.io/other/thing:v1.0.0"}, code: 1, stderr: "no app in"},
		{name: "plan needs a tag", args: []string{"plan", "--dir", demoRepo, "--image", "ghcr.io/other/thing"}, code: 1, stderr: "want REF:TAG"},
		{name: "plan unknown env", args: []string{"plan", "--dir", demoRepo, "--image", "registry.demo.local/acme/order-service:v1.4.0", "--env", "qa"}, code: 1, stderr: `unknown environment "qa"`},
		{name: "explain", args: []string{"explain", "--dir", demoRepo, "--app", "order-service", "--env", "dev", "--tags", "v1.4.0,v1.3.0,3f4a9bc,v1.5.0-rc.1"},
			stdout: []string{"chosen: v1.4.0", "current: v1.3.2", "3f4a9bc: not a version", "v1.3.0: not newer than current v1.3.2", "v1.5.0-rc.1: prerelease not allowed in dev"}},
		{name: "explain none", args: []string{"explain", "--dir", demoRepo, "--app", "order-service", "--env", "dev", "--tags", "v1.0.0"}, stdout: []string{"chosen: none", "v1.0.0: not newer"}},
		{name: "explain tags from stdin", args: []string{"explain", "--dir", demoRepo, "--app", "web-frontend", "--env", "prod", "--tags-file", "-"}, stdin: "# tags\nv0.9.1\n\nv0.10.0\n", stdout: []string{"chosen: v0.10.0", "v0.9.1: older than the chosen v0.10.0"}},
		{name: "explain textbook channel", args: []string{"explain", "--dir", "../../testdata/textbook-repo", "--app", "order-service", "--env", "staging", "--tags", "v1.2.4-dev,v1.2.4-rc1,v1.2.4-rc2,v1.2.5-rc1,v1.2.4"},
			stdout: []string{"chosen: v1.2.4-rc2", "current: v1.2.3-rc1 (carrying version 1.2.4 from dev)",
				`v1.2.4: not in staging's channel (allowTags ^v\d+\.\d+\.\d+-rc\d+$) [allow-tags]`,
				`v1.2.4-dev: not in staging's channel (allowTags ^v\d+\.\d+\.\d+-rc\d+$) [allow-tags]`,
				"v1.2.4-rc1: older than the chosen v1.2.4-rc2 [outranked]",
				"v1.2.5-rc1: version 1.2.5 does not run in dev yet (dev runs 1.2.4) [version]"}},
		{name: "status textbook marks discovered apps", args: []string{"status", "--dir", "../../testdata/textbook-repo"}, stdout: []string{"order-service (discovered)", "v1.2.4-dev", "v1.2.3-rc1", "v1.2.3", "payment-service (discovered)"}},
		{name: "explain unknown app", args: []string{"explain", "--dir", demoRepo, "--app", "nope", "--env", "dev", "--tags", "v1"}, code: 1, stderr: `unknown app "nope" (apps: order-service, payment-service, web-frontend)`},
		{name: "explain needs tags", args: []string{"explain", "--dir", demoRepo, "--app", "order-service", "--env", "dev"}, code: 1, stderr: "exactly one of --tags or --tags-file"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := runCLI(t, tc.stdin, tc.args...)
			if code != tc.code {
				t.Fatalf("exit code = %d, want %d\nstdout: %s\nstderr: %s", code, tc.code, stdout, stderr)
			}
			rest := stdout
			for _, want := range tc.stdout {
				i := strings.Index(rest, want)
				if i < 0 {
					t.Fatalf("stdout lacks %q (in order):\n%s", want, stdout)
				}
				rest = rest[i+len(want):]
			}
			if !strings.Contains(stderr, tc.stderr) {
				t.Errorf("stderr = %q, want it to contain %q", stderr, tc.stderr)
			}
		})
	}
}

func TestPlanWrite(t *testing.T) {
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS(demoRepo)); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "apps/order-service/overlays/staging/kustomization.yaml")
	before, _ := os.ReadFile(file)
	code, _, stderr := runCLI(t, "", "plan", "--dir", dir, "--image", "registry.demo.local/acme/order-service:v1.4.0", "--env", "staging", "--write")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	after, _ := os.ReadFile(file)
	want := strings.Replace(string(before), "newTag: v1.3.2", "newTag: v1.4.0", 1)
	if string(after) != want {
		t.Errorf("file after --write:\n%s\nwant:\n%s", after, want)
	}
	// A second plan has nothing left to do.
	code, stdout, _ := runCLI(t, "", "plan", "--dir", dir, "--image", "registry.demo.local/acme/order-service:v1.4.0", "--env", "staging")
	if code != 0 || !strings.Contains(stdout, "skip order-service in staging: v1.4.0: is the current tag") {
		t.Errorf("second plan: exit %d, %s", code, stdout)
	}
}
