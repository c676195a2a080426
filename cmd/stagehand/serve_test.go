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
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
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
		{name: "bad log level", args: []string{"--webhook-secret", "s", "--app-id", "1", "--private-key-file", key, "--log-level", "loud"}, wantErr: "--log-level"},
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
		name  string
		pkcs8 bool
		env   bool // configure through environment variables instead of flags
	}{
		{name: "PKCS#1 key, flags", pkcs8: false},
		{name: "PKCS#8 key, environment", pkcs8: true, env: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clearServeEnv(t)
			var githubCalls atomic.Int32
			github := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				githubCalls.Add(1)
				http.Error(w, `{"message":"Not Found"}`, http.StatusNotFound)
			}))
			defer github.Close()
			settings := map[string]string{
				"--app-id": "1", "--private-key-file": writeKey(t, tt.pkcs8),
				"--webhook-secret": "old,new", "--github-url": github.URL, "--listen": "127.0.0.1:0",
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
			base := "http://" + addr.String()

			get(t, base+"/healthz", http.StatusOK)
			get(t, base+"/readyz", http.StatusOK)
			postSigned(t, base, "ping", []byte(`{"zen":"Keep it logically awesome."}`), "new", http.StatusOK)
			push, err := os.ReadFile("../../testdata/webhooks/push.json")
			if err != nil {
				t.Fatal(err)
			}
			postSigned(t, base, "push", push, "old", http.StatusAccepted)
			postSigned(t, base, "push", []byte(`{}`), "wrong", http.StatusUnauthorized)
			metrics := get(t, base+"/metrics", http.StatusOK)
			for _, want := range []string{"stagehand_webhook_deliveries_total", "stagehand_queue_depth", "stagehand_jobs_total", "stagehand_job_duration_seconds"} {
				if !strings.Contains(metrics, want) {
					t.Errorf("/metrics lacks %s", want)
				}
			}
			if err := stop(); err != nil {
				t.Fatalf("serve returned %v after the signal", err)
			}
			if !strings.Contains(logs.String(), `"repo":"Codertocat/Hello-World"`) || !strings.Contains(logs.String(), "delivery handled") {
				t.Errorf("the queued push was not handled before shutdown; logs:\n%s", logs)
			}
			if n := githubCalls.Load(); n != 0 {
				t.Errorf("serve made %d calls to GitHub; it must make none on its own", n)
			}
		})
	}
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
