//go:build !noserver

package main

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/fstest"
	"time"

	"github.com/stagehand-gitops/stagehand/internal/githubsim"
)

// writeKey writes a fresh RSA key as PEM, PKCS#1 or PKCS#8, and returns its path.
func writeKey(t *testing.T, pkcs8 bool) string {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	block := &pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}
	if pkcs8 {
		der, err := x509.MarshalPKCS8PrivateKey(key)
		if err != nil {
			t.Fatal(err)
		}
		block = &pem.Block{Type: "PRIVATE KEY", Bytes: der}
	}
	return writeFile(t, "key.pem", string(pem.EncodeToMemory(block)))
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// clearServeEnv keeps the test's environment from configuring serve.
func clearServeEnv(t *testing.T) {
	for _, m := range serveEnv {
		t.Setenv(m.env, "")
		os.Unsetenv(m.env)
	}
}

func TestServeRefusesToStart(t *testing.T) {
	key := writeKey(t, false)
	badKey := writeFile(t, "bad.pem", "-----BEGIN RSA PRIVATE KEY-----\nbm90IGEga2V5\n-----END RSA PRIVATE KEY-----\n")
	emptySecrets := writeFile(t, "secret", "\n\n")
	shortKey := writeFile(t, "board.key", "tooshort\n")
	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		wantErr string // the setting the one-line error must name
	}{
		{name: "no webhook secret", args: []string{"--app-id", "1", "--private-key-file", key}, wantErr: "--webhook-secret"},
		{name: "empty secret file", args: []string{"--app-id", "1", "--private-key-file", key, "--webhook-secret-file", emptySecrets}, wantErr: "no webhook secret"},
		{name: "missing secret file", args: []string{"--app-id", "1", "--private-key-file", key, "--webhook-secret-file", "/nonexistent/secret"}, wantErr: "--webhook-secret-file"},
		{name: "no app id", args: []string{"--webhook-secret", "s", "--private-key-file", key}, wantErr: "--app-id"},
		{name: "app id from the environment must be a number", env: map[string]string{"STAGEHAND_APP_ID": "stagehand"}, args: []string{"--webhook-secret", "s"}, wantErr: "STAGEHAND_APP_ID"},
		{name: "no private key", args: []string{"--webhook-secret", "s", "--app-id", "1"}, wantErr: "--private-key-file"},
		{name: "unreadable private key", args: []string{"--webhook-secret", "s", "--app-id", "1", "--private-key-file", "/nonexistent/key.pem"}, wantErr: "--private-key-file"},
		{name: "unparsable private key", args: []string{"--webhook-secret", "s", "--app-id", "1", "--private-key-file", badKey}, wantErr: "--private-key-file"},
		{name: "secret from the environment, app id missing", env: map[string]string{"STAGEHAND_WEBHOOK_SECRET": "s"}, wantErr: "--app-id"},
		{name: "flag wins over a bad environment value", env: map[string]string{"STAGEHAND_APP_ID": "stagehand", "STAGEHAND_WEBHOOK_SECRET": "s"}, args: []string{"--app-id", "1"}, wantErr: "--private-key-file"},
		{name: "bad GitHub URL", args: []string{"--webhook-secret", "s", "--app-id", "1", "--private-key-file", key, "--github-url", "ghe.example.com"}, wantErr: "--github-url"},
		{name: "bad log format", args: []string{"--webhook-secret", "s", "--app-id", "1", "--private-key-file", key, "--log-format", "xml"}, wantErr: "--log-format"},
		{name: "registry token without a source", args: []string{"--webhook-secret", "s", "--app-id", "1", "--private-key-file", key, "--registry-token", "justatoken"}, wantErr: "--registry-token"},
		{name: "registry token for an unknown source", env: map[string]string{"STAGEHAND_REGISTRY_TOKENS": "nexus=t"}, args: []string{"--webhook-secret", "s", "--app-id", "1", "--private-key-file", key}, wantErr: "--registry-token"},
		{name: "missing registry config", args: []string{"--webhook-secret", "s", "--app-id", "1", "--private-key-file", key, "--registry-config", "/nonexistent/config.json"}, wantErr: "--registry-config"},
		{name: "negative resync interval", env: map[string]string{"STAGEHAND_RESYNC_INTERVAL": "-5m"}, args: []string{"--webhook-secret", "s", "--app-id", "1", "--private-key-file", key}, wantErr: "--resync-interval"},
		{name: "redeliver window beyond what GitHub keeps", args: []string{"--webhook-secret", "s", "--app-id", "1", "--private-key-file", key, "--redeliver-window", "96h"}, wantErr: "--redeliver-window"},
		{name: "missing trusted root", args: []string{"--webhook-secret", "s", "--app-id", "1", "--private-key-file", key, "--trusted-root", "/nonexistent/trusted_root.json"}, wantErr: "--trusted-root"},
		{name: "trusted root that is not one", args: []string{"--webhook-secret", "s", "--app-id", "1", "--private-key-file", key, "--trusted-root", badKey}, wantErr: "--trusted-root: " + badKey + " is not a Sigstore trusted root"},
		{name: "missing sigstore helper", env: map[string]string{"STAGEHAND_SIGSTORE_HELPER": "/nonexistent/stagehand-sigstore"}, args: []string{"--webhook-secret", "s", "--app-id", "1", "--private-key-file", key}, wantErr: "--sigstore-helper: stat /nonexistent/stagehand-sigstore"},
		{name: "sigstore helper that is a directory", args: []string{"--webhook-secret", "s", "--app-id", "1", "--private-key-file", key, "--sigstore-helper", os.TempDir()}, wantErr: "is a directory, not the stagehand-sigstore program"},
		{name: "bad log level", args: []string{"--webhook-secret", "s", "--app-id", "1", "--private-key-file", key, "--log-level", "loud"}, wantErr: "--log-level"},
		{name: "board secret without a client id", args: []string{"--webhook-secret", "s", "--app-id", "1", "--private-key-file", key, "--board-client-secret", "x"}, wantErr: "--board-client-id"},
		{name: "board without a secret", env: map[string]string{"STAGEHAND_BOARD_CLIENT_ID": "Iv1.x"}, args: []string{"--webhook-secret", "s", "--app-id", "1", "--private-key-file", key}, wantErr: "STAGEHAND_BOARD_CLIENT_SECRET"},
		{name: "board without a cookie key", args: []string{"--webhook-secret", "s", "--app-id", "1", "--private-key-file", key, "--board-client-id", "Iv1.x", "--board-client-secret", "x"}, wantErr: "--board-cookie-key-file"},
		{name: "board cookie key too short", args: []string{"--webhook-secret", "s", "--app-id", "1", "--private-key-file", key, "--board-client-id", "Iv1.x", "--board-client-secret", "x", "--board-cookie-key-file", shortKey}, wantErr: "at least 32"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clearServeEnv(t)
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			var stdout, stderr bytes.Buffer
			code := run(append([]string{"serve", "--listen", "127.0.0.1:0"}, tt.args...), nil, &stdout, &stderr)
			if code != 1 {
				t.Errorf("exit code %d, want 1", code)
			}
			msg := stderr.String()
			if strings.Count(msg, "\n") != 1 || !strings.Contains(msg, tt.wantErr) {
				t.Errorf("stderr %q, want one line naming %s", msg, tt.wantErr)
			}
		})
	}
}

// lockedBuffer collects the server's log lines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func TestServeStarts(t *testing.T) {
	tests := []struct {
		name string
		env  bool // configure through environment variables instead of flags
	}{
		{name: "flags"},
		{name: "environment", env: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clearServeEnv(t)
			// GitHub's webhooks reach serve through a forwarder, as serve's
			// address is known only once it listens.
			var target atomic.Pointer[string]
			hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				u, _ := url.Parse("http://" + *target.Load())
				httputil.NewSingleHostReverseProxy(u).ServeHTTP(w, r)
			}))
			defer hook.Close()
			sim := newServeSim(t, hook.URL+"/webhooks/github", "new")
			keyFile := writeFile(t, "key.pem", string(sim.AppKeyPEM()))
			settings := map[string]string{
				"--app-id": strconv.FormatInt(sim.AppID(), 10), "--private-key-file": keyFile,
				"--webhook-secret": "old,new", "--github-url": sim.URL(), "--listen": "127.0.0.1:0",
				"--registry-token": "generic=registry-token",
			}
			var args []string
			for flag, v := range settings {
				if tt.env {
					t.Setenv(envFor(t, flag), v)
				} else {
					args = append(args, flag, v)
				}
			}
			addr, stop, logs := startServe(t, append(args, "--log-level", "debug"))
			a := addr.String()
			target.Store(&a)
			base := "http://" + a

			get(t, base+"/healthz", http.StatusOK)
			waitFor(t, "ready", func() bool { return status(t, base+"/readyz") == http.StatusOK })
			postSigned(t, base, "ping", []byte(`{"zen":"Keep it logically awesome."}`), "new", http.StatusOK)
			postSigned(t, base, "push", []byte(`{}`), "wrong", http.StatusUnauthorized)

			// CI pushes an image to ghcr.io: GitHub sends registry_package, and the dev pull request opens.
			if err := sim.PublishContainer("ci", "acme/web", "web", "v1.1.0", "sha256:"+strings.Repeat("a", 64)); err != nil {
				t.Fatal(err)
			}
			sim.Flush()
			waitFor(t, "the dev pull request", func() bool { return openTitle(t, sim) == "Promote web to dev: v1.0.0 → v1.1.0" })

			// A registry webhook for a newer tag updates it in place.
			req, _ := http.NewRequest(http.MethodPost, base+"/webhooks/registry/generic", strings.NewReader(`{"image": "ghcr.io/acme/web", "tag": "v1.2.0"}`))
			req.Header.Set("Authorization", "Bearer registry-token")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusAccepted {
				t.Fatalf("registry webhook: %d", resp.StatusCode)
			}
			waitFor(t, "the superseded pull request", func() bool { return openTitle(t, sim) == "Promote web to dev: v1.0.0 → v1.2.0" })

			metrics := get(t, base+"/metrics", http.StatusOK)
			for _, want := range []string{"stagehand_webhook_deliveries_total", "stagehand_queue_depth", "stagehand_jobs_total",
				"stagehand_bot_decisions_total", "stagehand_routing_repositories 1", "stagehand_github_"} {
				if !strings.Contains(metrics, want) {
					t.Errorf("/metrics lacks %s", want)
				}
			}
			if err := stop(); err != nil {
				t.Fatalf("serve returned %v after the signal", err)
			}
			for _, want := range []string{`"decision":"proposed"`, `"failed deliveries redelivered"`} {
				if !strings.Contains(logs.String(), want) {
					t.Errorf("logs lack %s:\n%s", want, logs)
				}
			}
		})
	}
}

// newServeSim starts a simulated GitHub with the App installed on a config
// repository (dev, then a manual prod) and a source repository.
func newServeSim(t *testing.T, webhookURL, secret string) *githubsim.Sim {
	t.Helper()
	sim, err := githubsim.New(githubsim.Options{T: t, WebhookURL: webhookURL, WebhookSecret: secret})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sim.Close)
	for _, name := range []string{"config", "web"} {
		if err := sim.CreateRepo(githubsim.RepoOptions{Owner: "acme", Name: name, Collaborators: map[string]githubsim.Permission{"ci": githubsim.PermWrite}}); err != nil {
			t.Fatal(err)
		}
	}
	overlay := "images:\n- name: ghcr.io/acme/web\n  newTag: v1.0.0\n"
	files := fstest.MapFS{
		".stagehand.yaml":                           {Data: []byte("version: 1\nenvironments:\n  - name: dev\n  - name: prod\n    promotion: manual\napps:\n  web:\n    image: ghcr.io/acme/web\n")},
		"apps/web/overlays/dev/kustomization.yaml":  {Data: []byte(overlay)},
		"apps/web/overlays/prod/kustomization.yaml": {Data: []byte(overlay)},
	}
	if _, err := sim.SeedFS("acme/config", "main", files, "Initial commit\n"); err != nil {
		t.Fatal(err)
	}
	if _, err := sim.SeedFS("acme/web", "main", fstest.MapFS{"Dockerfile": {Data: []byte("FROM scratch\n")}}, "Initial commit\n"); err != nil {
		t.Fatal(err)
	}
	return sim
}

// openTitle is the title of the config repository's open pull request, or "".
func openTitle(t *testing.T, sim *githubsim.Sim) string {
	prs, err := sim.PullRequests("acme/config")
	if err != nil {
		t.Fatal(err)
	}
	for _, pr := range prs {
		if pr.State == "open" {
			return pr.Title
		}
	}
	return ""
}

// waitFor polls cond: serve runs in the background like in production, so
// its work can only be observed, not awaited.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func status(t *testing.T, url string) int {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func envFor(t *testing.T, flag string) string {
	for _, m := range serveEnv {
		if "--"+m.flag == flag {
			return m.env
		}
	}
	t.Fatalf("no environment variable for %s", flag)
	return ""
}

// startServe runs serve in the background; stop ends it as SIGTERM would and
// returns its error.
func startServe(t *testing.T, args []string) (net.Addr, func() error, *lockedBuffer) {
	t.Helper()
	addrs := make(chan net.Addr, 1)
	cmd := newServeCmdWith(func(a net.Addr) { addrs <- a })
	logs := &lockedBuffer{}
	cmd.SetArgs(args)
	cmd.SetOut(io.Discard)
	cmd.SetErr(logs)
	cmd.SilenceUsage = true
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- cmd.ExecuteContext(ctx) }()
	stop := func() error {
		cancel()
		return <-done
	}
	select {
	case addr := <-addrs:
		once := sync.OnceValue(stop)
		t.Cleanup(func() { _ = once() })
		return addr, once, logs
	case err := <-done:
		cancel()
		t.Fatalf("serve exited before listening: %v\n%s", err, logs)
	case <-time.After(10 * time.Second):
		cancel()
		t.Fatalf("serve did not start listening\n%s", logs)
	}
	return nil, nil, nil
}

func get(t *testing.T, url string, want int) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		t.Errorf("GET %s: %d, want %d: %s", url, resp.StatusCode, want, body)
	}
	return string(body)
}

func postSigned(t *testing.T, base, event string, body []byte, secret string, want int) {
	t.Helper()
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	req, err := http.NewRequest(http.MethodPost, base+"/webhooks/github", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-GitHub-Event", event)
	req.Header.Set("X-GitHub-Delivery", event+"-"+secret)
	req.Header.Set("X-Hub-Signature-256", "sha256="+hex.EncodeToString(mac.Sum(nil)))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	got, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		t.Errorf("POST %s signed with %q: %d, want %d: %s", event, secret, resp.StatusCode, want, got)
	}
}
