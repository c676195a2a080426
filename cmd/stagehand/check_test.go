package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stagehand-gitops/stagehand/internal/golden"
)

// t0 is when the test repository's first commit was made.
var t0 = time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)

const checkPolicy = `version: 1
environments:
  - name: dev
  - name: staging
    soak: 1h
  - name: prod
    dir: production
    soak: 2h
    promoters: ["@acme/sre"]
    freeze:
      - from: "2026-12-20T00:00:00Z"
        to: "2027-01-04T00:00:00Z"
apps:
  web:
    images:
      - name: ghcr.io/acme/web
`

// checkRepo makes a git repository whose main branch has dev on v1.2.0,
// staging on v1.2.0 since t0+1h and prod on v1.0.0, and three branches
// off main: promote (prod to v1.2.0), skip (prod to v1.3.0, which staging
// never ran) and loosen (prod to v1.2.0 and the prod soak removed).
func checkRepo(t *testing.T) string {
	t.Helper()
	dir, g, write, commit := gitRepo(t)
	overlay := func(env, tag string) {
		write("apps/web/overlays/"+env+"/kustomization.yaml", "resources:\n  - ../../base\nimages:\n  - name: ghcr.io/acme/web\n    newTag: "+tag+"\n")
	}
	g(t0, "init", "-q", "-b", "main")
	write(".stagehand.yaml", checkPolicy)
	write("apps/web/base/kustomization.yaml", "resources:\n  - pod.yaml\n")
	write("apps/web/base/pod.yaml", "apiVersion: v1\nkind: Pod\nmetadata: {name: web}\nspec:\n  containers: [{name: web, image: ghcr.io/acme/web}]\n")
	overlay("dev", "v1.2.0")
	overlay("staging", "v1.1.0")
	overlay("production", "v1.0.0")
	commit(t0, "initial")
	overlay("staging", "v1.2.0")
	commit(t0.Add(time.Hour), "promote web to staging")
	for _, b := range []struct {
		name, tag string
		policy    string
	}{{"promote", "v1.2.0", ""}, {"skip", "v1.3.0", ""}, {"loosen", "v1.2.0", strings.Replace(checkPolicy, "    soak: 2h\n", "", 1)}} {
		g(t0, "checkout", "-q", "-b", b.name, "main")
		overlay("production", b.tag)
		if b.policy != "" {
			write(".stagehand.yaml", b.policy)
		}
		commit(t0.Add(90*time.Minute), "prod "+b.tag)
	}
	g(t0, "checkout", "-q", "main")
	return dir
}

func TestCheckCommand(t *testing.T) {
	dir := checkRepo(t)
	at := func(d time.Duration) string { return t0.Add(d).Format(time.RFC3339) }
	cases := []struct {
		name   string
		args   []string
		code   int
		golden string   // testdata/check/<golden>, compared with stdout
		stdout []string // substrings
		stderr string
	}{
		{name: "pass", args: []string{"--head", "promote", "--now", at(4 * time.Hour)}, stdout: []string{"stagehand/prod: success — All rules pass", "✓ soak      ran 3h0m0s in staging"}},
		{name: "soak in progress", args: []string{"--head", "promote", "--now", at(2 * time.Hour)}, code: 1, golden: "soak.txt"},
		{name: "fail text", args: []string{"--head", "skip", "--now", at(4 * time.Hour)}, code: 1, golden: "fail.txt"},
		{name: "fail markdown", args: []string{"--head", "skip", "--now", at(4 * time.Hour), "-o", "markdown"}, code: 1, golden: "fail.md"},
		{name: "fail json", args: []string{"--head", "skip", "--now", at(4 * time.Hour), "-o", "json"}, code: 1, golden: "fail.json"},
		{name: "rollback label", args: []string{"--head", "skip", "--now", at(4 * time.Hour), "--label", "rollback=bob", "--team", "@acme/sre=bob"},
			stdout: []string{"– order     rollback: exempt", "rollback: label added by @bob, a promoter of prod."}},
		{name: "rollback label by nobody known", args: []string{"--head", "skip", "--now", at(4 * time.Hour), "--label", "rollback"}, code: 1,
			stdout: []string{"The rollback label was added by someone unknown", "✗ order"}},
		{name: "hold", args: []string{"--head", "promote", "--now", at(4 * time.Hour), "--hold", "web:prod"}, code: 1, stdout: []string{"✗ hold      web is on hold in prod"}},
		{name: "policy from the base", args: []string{"--head", "loosen", "--now", at(2 * time.Hour)}, code: 1, golden: "loosen.txt"},
		{name: "nothing changed", args: []string{"--head", "main", "--now", at(0)}, stdout: []string{"stagehand: neutral — No environment changed"}},
		{name: "unknown ref", args: []string{"--head", "nope"}, code: 1, stderr: `no commit "nope"`},
		{name: "unknown base", args: []string{"--base", "gone", "--head", "promote"}, code: 1, stderr: `no commit "gone"`},
		{name: "option as ref", args: []string{"--head", "--output=x"}, code: 1, stderr: `"--output=x" is not a git ref`},
		{name: "bad output", args: []string{"-o", "yaml"}, code: 1, stderr: `-o "yaml": want text, markdown or json`},
		{name: "bad label", args: []string{"--label", "=alice"}, code: 1, stderr: "want NAME or NAME=LOGIN"},
		{name: "freeze", args: []string{"--head", "promote", "--now", "2026-12-24T12:00:00Z"}, code: 1, stdout: []string{"⏳ freeze    prod is frozen until 2027-01-04T00:00:00Z"}},
		{name: "freeze emergency by a team promoter", args: []string{"--head", "promote", "--now", "2026-12-24T12:00:00Z", "--label", "stagehand/emergency=bob", "--team", "@acme/sre=bob,carol"},
			stdout: []string{"✓ freeze    prod is frozen until 2027-01-04T00:00:00Z; overridden by @bob's stagehand/emergency label"}},
		{name: "bad team", args: []string{"--team", "sre"}, code: 1, stderr: "want @ORG/TEAM=LOGIN,LOGIN"},
		{name: "bad now", args: []string{"--now", "tomorrow"}, code: 1, stderr: "want an RFC 3339 time"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"check", "--dir", dir, "--base", "main"}, tc.args...)
			code, stdout, stderr := runCLI(t, "", args...)
			if code != tc.code {
				t.Fatalf("exit code = %d, want %d\nstdout: %s\nstderr: %s", code, tc.code, stdout, stderr)
			}
			for _, s := range tc.stdout {
				if !strings.Contains(stdout, s) {
					t.Errorf("stdout lacks %q:\n%s", s, stdout)
				}
			}
			if !strings.Contains(stderr, tc.stderr) {
				t.Errorf("stderr = %q, want it to contain %q", stderr, tc.stderr)
			}
			if tc.golden != "" {
				checkGolden(t, filepath.Join("testdata", "check", tc.golden), stdout)
			}
		})
	}
}

// TestCheckJSON decodes the JSON output: it is the report the App posts.
func TestCheckJSON(t *testing.T) {
	dir := checkRepo(t)
	_, stdout, _ := runCLI(t, "", "check", "--dir", dir, "--base", "main", "--head", "skip", "--now", t0.Add(4*time.Hour).Format(time.RFC3339), "-o", "json")
	var rep struct {
		Checks []struct {
			Name, Status, Conclusion string
			Annotations              []struct {
				Path string
				Line int
			}
		}
	}
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, stdout)
	}
	if len(rep.Checks) != 1 || rep.Checks[0].Name != "stagehand/prod" || rep.Checks[0].Conclusion != "failure" {
		t.Fatalf("checks = %+v, want one failing stagehand/prod", rep.Checks)
	}
	a := rep.Checks[0].Annotations
	if len(a) != 1 || a[0].Path != "apps/web/overlays/production/kustomization.yaml" || a[0].Line != 4 {
		t.Errorf("annotations = %+v, want the images entry of the production overlay", a)
	}
}

// gitRepo makes an empty git repository and returns its directory and
// helpers that run git at a time, write a file, and commit everything.
func gitRepo(t *testing.T) (dir string, g func(at time.Time, args ...string), write func(name, data string), commit func(at time.Time, msg string)) {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Fatal("git is required: `make test` runs where git is installed (.ci/run installs it)")
	}
	dir = t.TempDir()
	g = func(at time.Time, args ...string) {
		t.Helper()
		c := exec.Command("git", append([]string{"-C", dir, "-c", "user.name=Test", "-c", "user.email=test@example.com", "-c", "commit.gpgsign=false"}, args...)...)
		date := at.Format(time.RFC3339)
		c.Env = append(os.Environ(), "GIT_AUTHOR_DATE="+date, "GIT_COMMITTER_DATE="+date, "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1")
		if out, err := c.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	write = func(name, data string) {
		t.Helper()
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	commit = func(at time.Time, msg string) { g(at, "add", "-A"); g(at, "commit", "-q", "-m", msg) }
	return dir, g, write, commit
}

func checkGolden(t *testing.T, file, got string) {
	t.Helper()
	golden.CheckString(t, file, got)
}
