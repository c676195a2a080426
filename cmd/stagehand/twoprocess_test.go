//go:build !nosandbox

package main

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stagehand-gitops/stagehand/internal/githubsim"
)

// twoProcessSeed is a config repository that tracks an image on ghcr.io,
// where GitHub's registry_package webhook reports pushes.
var twoProcessSeed = map[string]string{
	".stagehand.yaml": "version: 1\nenvironments:\n  - name: dev\n  - name: staging\n  - name: prod\n    promotion: manual\n" +
		"apps:\n  order-service:\n    image: ghcr.io/acme/order-service\n",
	"apps/order-service/base/kustomization.yaml": "resources:\n- deployment.yaml\n",
	"apps/order-service/base/deployment.yaml":    "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: order-service\n",
}

func init() {
	for _, env := range []string{"dev", "staging", "prod"} {
		twoProcessSeed["apps/order-service/overlays/"+env+"/kustomization.yaml"] =
			"resources:\n- ../../base\nimages:\n- name: ghcr.io/acme/order-service\n  newTag: v1.3.2\n"
	}
}

// TestTwoProcesses runs `stagehand githubsim` and `stagehand serve` as two
// processes of the built binary, as in production: serve knows GitHub only
// by the URL, App ID and key githubsim wrote. A signed registry_package
// webhook sent to serve opens the dev pull request in githubsim.
func TestTwoProcesses(t *testing.T) {
	dir := t.TempDir()
	bin := buildStagehand(t)
	seed := writeTree(t, twoProcessSeed)
	serveAddr := freeAddr(t)
	const secret = "two-process-secret"
	infoFile := filepath.Join(dir, "githubsim.json")
	start(t, bin, "githubsim", "--listen", "127.0.0.1:0", "--seed", seed, "--info-file", infoFile,
		"--webhook-url", "http://"+serveAddr+"/webhooks/github", "--webhook-secret", secret)
	var info githubsim.Info
	readJSON(t, infoFile, &info)
	start(t, bin, "serve", "--listen", serveAddr, "--github-url", info.APIURL, "--app-id", strconv.FormatInt(info.AppID, 10),
		"--private-key-file", info.PrivateKeyFile, "--webhook-secret", secret, "--log-format", "console")
	waitReady(t, serveAddr)

	body := registryPackage(info, "order-service", "v1.4.0")
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	req, _ := http.NewRequest(http.MethodPost, "http://"+serveAddr+"/webhooks/github", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-GitHub-Event", "registry_package")
	req.Header.Set("X-GitHub-Delivery", "two-process-1")
	req.Header.Set("X-Hub-Signature-256", "sha256="+hex.EncodeToString(mac.Sum(nil)))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("registry_package webhook: %d, want 202", resp.StatusCode)
	}

	pulls := waitPulls(t, info.APIURL, info.Repo+"/pulls", info.Tokens["admin"])
	if len(pulls) != 1 || pulls[0].Head.Ref != "stagehand/dev/order-service" || pulls[0].Title != "Promote order-service to dev: v1.3.2 → v1.4.0" ||
		pulls[0].User.Login != "stagehand[bot]" {
		t.Errorf("pull requests %+v", pulls)
	}
}

// registryPackage is the registry_package "published" webhook GitHub sends
// an App installation when a container image is pushed to ghcr.io.
func registryPackage(info githubsim.Info, image, tag string) []byte {
	sum := sha256.Sum256([]byte(image + ":" + tag))
	digest := "sha256:" + hex.EncodeToString(sum[:])
	owner := map[string]any{"login": "acme", "id": 1, "type": "Organization"}
	payload := map[string]any{
		"action": "published",
		"registry_package": map[string]any{
			"id": 1, "name": image, "namespace": "acme/" + image, "ecosystem": "CONTAINER", "package_type": "CONTAINER",
			"created_at": "2026-03-02T09:00:00Z", "updated_at": "2026-03-02T09:00:00Z", "owner": owner,
			"package_version": map[string]any{
				"id": 2, "version": digest, "name": digest, "package_url": "ghcr.io/acme/" + image + ":" + tag,
				"created_at": "2026-03-02T09:00:00Z", "updated_at": "2026-03-02T09:00:00Z",
				"container_metadata": map[string]any{"tag": map[string]any{"name": tag, "digest": digest}, "manifest": map[string]any{}},
			},
		},
		"repository":   map[string]any{"id": 3, "name": image, "full_name": "acme/" + image, "owner": owner},
		"organization": owner,
		"sender":       map[string]any{"login": "ci", "id": 4, "type": "User"},
		"installation": map[string]any{"id": info.InstallationID},
	}
	data, err := json.Marshal(payload)
	if err != nil {
		panic(err)
	}
	return data
}

// freeAddr returns a loopback address nothing listens on, for a process
// that must be named before it starts (githubsim needs serve's URL).
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// waitReady waits until serve at addr answers /readyz with 200: its
// routing index is built.
func waitReady(t *testing.T, addr string) {
	t.Helper()
	eventually(t, "serve ready (routing index built)", func() bool {
		resp, err := http.Get("http://" + addr + "/readyz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
}

// buildStagehand builds the binaries the tests run as separate processes,
// as make build does: the production stagehand (the nosandbox and noserver
// tags), stagehand-server beside it, to which its serve command hands over
// (so serve runs as users run it), and stagehand-sandbox, to which its
// githubsim command hands over. It returns the production binary.
func buildStagehand(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	bin := filepath.Join(dir, "stagehand")
	for _, b := range [][]string{
		{"-tags", "nosandbox,noserver", "-o", bin},
		{"-tags", "nosandbox", "-o", filepath.Join(dir, "stagehand-server")},
		{"-o", filepath.Join(dir, "stagehand-sandbox")},
	} {
		args := append(append([]string{"build"}, b...), ".")
		if out, err := exec.Command("go", args...).CombinedOutput(); err != nil {
			t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	return bin
}

// start runs the binary with args until the test ends, then interrupts it;
// its output is shown when the test fails. It runs with no registry
// credentials and no way off loopback (hermeticEnv).
func start(t *testing.T, bin string, args ...string) {
	t.Helper()
	startEnv(t, hermeticEnv(t.TempDir()), bin, args...)
}

// hermeticEnv is the test's environment for a child process, where the
// Docker config is dockerConfig's config.json (if any) and not the one in
// the home of whoever runs the test, and any request off loopback fails at
// once: Go's proxy settings never apply to loopback, and nothing listens on
// port 9.
func hermeticEnv(dockerConfig string) []string {
	var env []string
	for _, kv := range os.Environ() {
		switch k, _, _ := strings.Cut(kv, "="); strings.ToUpper(k) {
		case "HOME", "DOCKER_CONFIG", "REGISTRY_AUTH_FILE", "XDG_RUNTIME_DIR", "XDG_CONFIG_HOME", "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY":
			continue
		}
		env = append(env, kv)
	}
	return append(env, "HOME="+filepath.Join(dockerConfig, "home"), "DOCKER_CONFIG="+dockerConfig,
		"HTTP_PROXY=http://127.0.0.1:9", "HTTPS_PROXY=http://127.0.0.1:9")
}

// startEnv is start with the child's environment given.
func startEnv(t *testing.T, env []string, bin string, args ...string) {
	t.Helper()
	var out lockedBuffer
	cmd := exec.Command(bin, args...)
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		select {
		case <-exited:
		case <-time.After(15 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
		if t.Failed() {
			t.Logf("stagehand %s:\n%s", args[0], out.String())
		}
	})
}
