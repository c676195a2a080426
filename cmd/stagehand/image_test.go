//go:build image

package main

// The container test needs a container engine that can build and run
// images: go test -tags image -run TestImage ./cmd/stagehand/
// It builds the image with `make image` unless STAGEHAND_IMAGE names one;
// STAGEHAND_IMAGE_TARGET=image-offline builds it without pulling a base
// image, where no registry can be reached.

import (
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func containerEngine(t *testing.T) string {
	t.Helper()
	if e := os.Getenv("CONTAINER_ENGINE"); e != "" {
		return e
	}
	if exec.Command("docker", "info").Run() == nil {
		return "docker"
	}
	if p, err := exec.LookPath("podman"); err == nil {
		return p
	}
	t.Fatal("no container engine: docker with a running daemon, or podman (or set CONTAINER_ENGINE)")
	return ""
}

func engine(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

// TestImage builds the image, checks it carries the version and no shell,
// and runs serve in it as the chart does (read-only root, no capabilities,
// user 65532) until /healthz answers.
func TestImage(t *testing.T) {
	eng := containerEngine(t)
	image := os.Getenv("STAGEHAND_IMAGE")
	commit := strings.TrimSpace(string(must(exec.Command("git", "rev-parse", "--short", "HEAD").Output())))
	if image == "" {
		image = "stagehand:imagetest"
		target := os.Getenv("STAGEHAND_IMAGE_TARGET")
		if target == "" {
			target = "image"
		}
		mk := exec.Command("make", target, "IMAGE="+image, "CONTAINER_ENGINE="+eng)
		mk.Dir = "../.."
		if out, err := mk.CombinedOutput(); err != nil {
			t.Fatalf("make %s: %v\n%s", target, err, out)
		}
	}
	if v := engine(t, eng, "run", "--rm", image, "version"); !strings.HasPrefix(v, "stagehand ") || !strings.Contains(v, "(commit "+commit) {
		t.Errorf("version = %q, want the commit %s stamped", v, commit)
	}
	if out, err := exec.Command(eng, "run", "--rm", "--entrypoint", "/bin/sh", image, "-c", "true").CombinedOutput(); err == nil {
		t.Errorf("the image has a shell:\n%s", out)
	}

	dir := t.TempDir()
	key := must(os.ReadFile(writeKey(t, false)))
	for name, data := range map[string][]byte{"private-key.pem": key, "webhook-secret": []byte("image-test-secret\n")} {
		// Readable by the image's user, as the chart's fsGroup makes them.
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	id := engine(t, eng, "run", "-d", "--read-only", "--cap-drop", "ALL", "--security-opt", "no-new-privileges",
		"--user", "65532:65532", "-p", "127.0.0.1::8080", "-v", dir+":/etc/stagehand/secrets:ro",
		"-e", "STAGEHAND_APP_ID=1", "-e", "STAGEHAND_PRIVATE_KEY_FILE=/etc/stagehand/secrets/private-key.pem",
		"-e", "STAGEHAND_WEBHOOK_SECRET_FILE=/etc/stagehand/secrets/webhook-secret",
		"-e", "STAGEHAND_GITHUB_URL=http://127.0.0.1:9/api/v3/", image)
	t.Cleanup(func() { _ = exec.Command(eng, "rm", "-f", id).Run() })
	addr := engine(t, eng, "port", id, "8080/tcp")
	addr = strings.Replace(strings.Fields(addr)[0], "0.0.0.0", "127.0.0.1", 1)
	eventually(t, "/healthz from the container", func() bool {
		resp, err := http.Get("http://" + addr + "/healthz")
		if err != nil {
			return false
		}
		_ = resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
