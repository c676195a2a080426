//go:build !nosandbox

package main

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stagehand-gitops/stagehand/internal/bot"
	"github.com/stagehand-gitops/stagehand/internal/forge"
	"github.com/stagehand-gitops/stagehand/internal/githubsim"
)

func TestGithubsimFlags(t *testing.T) {
	info := filepath.Join(t.TempDir(), "info.json")
	cases := []struct {
		name   string
		args   []string
		stderr string
	}{
		{"no seed", []string{"githubsim", "--info-file", info}, "no --seed"},
		{"no info file", []string{"githubsim", "--seed", demoRepo}, "no --info-file"},
		{"seed not a directory", []string{"githubsim", "--seed", "no/such/dir", "--info-file", info}, "--seed no/such/dir: not a directory"},
		{"unsigned webhooks", []string{"githubsim", "--seed", demoRepo, "--info-file", info, "--webhook-url", "http://127.0.0.1:1/webhooks/github"}, "--webhook-url needs --webhook-secret"},
		{"bad repo", []string{"githubsim", "--seed", demoRepo, "--info-file", info, "--repo", "acme"}, `--repo "acme": want owner/name`},
		{"bad listen", []string{"githubsim", "--seed", demoRepo, "--info-file", info, "--listen", "127.0.0.1:notaport"}, "--listen 127.0.0.1:notaport"},
		{"info file directory missing", []string{"githubsim", "--seed", demoRepo, "--info-file", "no/such/dir/info.json", "--listen", "127.0.0.1:0"}, "--info-file"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := runCLI(t, "", tc.args...)
			if code != 1 || !strings.Contains(stderr, tc.stderr) {
				t.Fatalf("exit %d, stderr %q; want 1 and %q", code, stderr, tc.stderr)
			}
		})
	}
}

// TestGithubsimCommand runs the simulator as a server and checks that its
// info file is all a client needs: the users' tokens read the seeded
// repository, and the key authenticates as the App, which finds its
// installation.
func TestGithubsimCommand(t *testing.T) {
	dir := t.TempDir()
	infoFile := filepath.Join(dir, "githubsim.json")
	stop, out := background(t, newGithubsimCmd(), "--listen", "127.0.0.1:0", "--seed", demoRepo, "--repo", "acme/config",
		"--info-file", infoFile, "--webhook-url", "http://127.0.0.1:1/webhooks/github", "--webhook-secret", "s3cret")
	var info githubsim.Info
	readJSON(t, infoFile, &info)
	if info.Repo != "acme/config" || info.AppID == 0 || info.InstallationID == 0 || !strings.HasSuffix(info.APIURL, "/api/v3/") {
		t.Errorf("info %+v", info)
	}
	if want := filepath.Join(dir, "githubsim-app-key.pem"); info.PrivateKeyFile != want {
		t.Errorf("private key in %s, want %s next to the info file", info.PrivateKeyFile, want)
	}
	for _, u := range []string{"admin", "dev", "sre", "reader"} {
		req, _ := http.NewRequest(http.MethodGet, info.APIURL+"repos/acme/config/contents/.stagehand.yaml", nil)
		req.Header.Set("Authorization", "token "+info.Tokens[u])
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("%s reads the policy: %d", u, resp.StatusCode)
		}
	}
	pem, err := os.ReadFile(info.PrivateKeyFile)
	if err != nil {
		t.Fatal(err)
	}
	key, err := forge.ParsePrivateKey(pem)
	if err != nil {
		t.Fatal(err)
	}
	app, err := forge.NewApp(info.AppID, key, info.APIURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	ids, err := (&bot.AppForges{App: app}).Installations(context.Background())
	if err != nil || len(ids) != 1 || ids[0] != info.InstallationID {
		t.Errorf("installations as the App: %v, %v; want [%d]", ids, err, info.InstallationID)
	}
	if err := stop(); err != nil {
		t.Fatalf("githubsim: %v", err)
	}
	if !strings.Contains(out.String(), "githubsim: serving acme/config on http://127.0.0.1:") {
		t.Errorf("output %q", out.String())
	}
}
