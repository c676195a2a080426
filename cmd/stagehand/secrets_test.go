//go:build !nosandbox

package main

import (
	"bytes"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/stagehand-gitops/stagehand/internal/githubsim"
)

// The secrets fed to serve below: none may appear on its output.
const (
	leakWebhookSecret = "whsec-4a1d9c0e7b"
	leakRegistryToken = "regtok-9f3b2e71c5"
	leakURLPassword   = "urlpass-6e2a8d40"
)

// keyLines are the base64 lines of a PEM key: any of them in a log or an
// error is part of the key.
func keyLines(t *testing.T, path string) []string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for line := range strings.Lines(string(data)) {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "-----") {
			lines = append(lines, line)
		}
	}
	return lines
}

// assertNoSecret fails for each secret found in out.
func assertNoSecret(t *testing.T, where, out string, secrets []string) {
	t.Helper()
	for _, s := range secrets {
		if strings.Contains(out, s) {
			t.Errorf("%s holds the secret %q:\n%s", where, s, out)
		}
	}
}

// TestServeStartupErrorsHoldNoSecret starts serve with every kind of bad
// setting next to real secrets and checks that the one-line error names the
// setting but never a secret: the webhook secret, a registry token or HMAC
// secret, the App's private key, or the password in a URL.
func TestServeStartupErrorsHoldNoSecret(t *testing.T) {
	key := writeKey(t, false)
	badKey := writeFile(t, "bad.pem", "-----BEGIN RSA PRIVATE KEY-----\nbm90IGEga2V5IGJ1dCBhIHNlY3JldCBhbGwgdGhlIHNhbWU=\n-----END RSA PRIVATE KEY-----\n")
	wrongType := writeFile(t, "wrong.pem", strings.Replace(mustRead(t, key), "RSA PRIVATE KEY", "EC PRIVATE KEY", 2))
	secrets := append(append([]string{leakWebhookSecret, leakRegistryToken, leakURLPassword}, keyLines(t, key)...), keyLines(t, badKey)...)
	base := []string{"--webhook-secret", leakWebhookSecret, "--app-id", "1"}
	tests := []struct {
		name string
		args []string
	}{
		{"unparsable private key", []string{"--private-key-file", badKey}},
		{"private key of the wrong type", []string{"--private-key-file", wrongType}},
		{"GitHub URL with a password and no scheme", []string{"--private-key-file", key, "--github-url", "admin:" + leakURLPassword + "@ghe.example.com"}},
		{"GitHub URL with a password and a bad scheme", []string{"--private-key-file", key, "--github-url", "ftp://admin:" + leakURLPassword + "@ghe.example.com/api/v3"}},
		{"registry token without a source", []string{"--private-key-file", key, "--registry-token", leakRegistryToken}},
		{"registry token for an unknown source", []string{"--private-key-file", key, "--registry-token", "nexus=" + leakRegistryToken}},
		{"registry HMAC secret for an unknown source", []string{"--private-key-file", key, "--registry-token", "nexus=hmac:" + leakRegistryToken}},
		{"bad log level next to every secret", []string{"--private-key-file", key, "--registry-token", "generic=" + leakRegistryToken, "--log-level", "loud"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clearServeEnv(t)
			var stdout, stderr bytes.Buffer
			code := run(append(append([]string{"serve", "--listen", "127.0.0.1:0"}, base...), tt.args...), nil, &stdout, &stderr)
			if code != 1 {
				t.Fatalf("exit code %d, want 1 (stderr %q)", code, stderr.String())
			}
			assertNoSecret(t, "stderr", stderr.String()+stdout.String(), secrets)
		})
	}
}

func mustRead(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// TestRegisterErrorsHoldNoSecret: the register flow's own errors never
// repeat the password of a URL it was given.
func TestRegisterErrorsHoldNoSecret(t *testing.T) {
	for _, args := range [][]string{
		{"register", "--url", "admin:" + leakURLPassword + "@stagehand.example.com"},
		{"register", "--url", "https://admin:" + leakURLPassword + "@s.example.com/?a=b"},
		{"register", "--url", "https://s.example.com", "--github-url", "ftp://admin:" + leakURLPassword + "@ghe.example.com"},
		{"app-manifest", "--url", "https://admin:" + leakURLPassword + "@s.example.com/#f"},
	} {
		code, stdout, stderr := runCLI(t, "", args...)
		if code != 1 {
			t.Errorf("%v: exit %d, want 1", args, code)
		}
		assertNoSecret(t, "register output", stdout+stderr, []string{leakURLPassword})
	}
}

// TestServeLogsHoldNoSecret runs serve at debug level against a simulated
// GitHub that fails (5xx and 403 for the config repository, or 401 for
// every App call when the App ID is wrong), sends it a badly signed
// webhook and registry webhooks with wrong and right tokens, and checks
// that no log line and no answer holds the webhook secret, a registry
// token, a line of the App's private key or an installation token.
func TestServeLogsHoldNoSecret(t *testing.T) {
	for _, tc := range []struct {
		name     string
		appIDOff int64 // added to the App ID: a wrong one makes GitHub answer 401
		faults   githubsim.Faults
	}{
		{name: "GitHub answers 5xx and 403", faults: githubsim.Faults{Errors: 50, Forbidden: []string{"acme/config"}}},
		{name: "GitHub answers 401", appIDOff: 1000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clearServeEnv(t)
			sim := newServeSim(t, "http://127.0.0.1:1/webhooks/github", leakWebhookSecret)
			sim.SetFaults(tc.faults)
			keyFile := writeFile(t, "key.pem", string(sim.AppKeyPEM()))
			secrets := append([]string{leakWebhookSecret, leakRegistryToken, "ghs_", "Bearer "}, keyLines(t, keyFile)...)
			addr, stop, logs := startServe(t, []string{"--app-id", strconv.FormatInt(sim.AppID()+tc.appIDOff, 10),
				"--private-key-file", keyFile, "--webhook-secret", leakWebhookSecret, "--github-url", sim.URL(),
				"--listen", "127.0.0.1:0", "--log-level", "debug",
				"--registry-token", "generic=" + leakRegistryToken + ",dockerhub=" + leakRegistryToken})
			base := "http://" + addr.String()
			waitFor(t, "a failed index build", func() bool { return strings.Contains(logs.String(), "routing index not built") })

			var answers strings.Builder
			postSigned(t, base, "push", []byte(`{}`), "wrong", http.StatusUnauthorized)
			for _, r := range []struct {
				path, auth string
			}{
				{"/webhooks/registry/generic", "Bearer not-" + leakRegistryToken},
				{"/webhooks/registry/generic", "Bearer " + leakRegistryToken},
				{"/webhooks/registry/dockerhub/not-" + leakRegistryToken, ""},
				{"/webhooks/registry/dockerhub/" + leakRegistryToken, ""},
			} {
				req, _ := http.NewRequest(http.MethodPost, base+r.path, strings.NewReader(`{"image": "ghcr.io/acme/web", "tag": "v9"}`))
				if r.auth != "" {
					req.Header.Set("Authorization", r.auth)
				}
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				answers.Write(body)
			}
			if err := stop(); err != nil {
				t.Fatalf("serve: %v", err)
			}
			assertNoSecret(t, "the logs", logs.String(), secrets)
			assertNoSecret(t, "the answers", answers.String(), secrets)
		})
	}
}
