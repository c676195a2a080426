package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/stagehand-gitops/stagehand/internal/sandbox"
)

// TestDemo plays `stagehand demo` on the demo repository to the end.
func TestDemo(t *testing.T) {
	code, stdout, stderr := runCLI(t, "", "demo", "--repo", demoRepo)
	if code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	for _, want := range []string{
		"pushed registry.demo.local/acme/order-service:v1.4.0",
		`PR #1 opened by Stagehand: "Promote order-service to dev: v1.3.2 → v1.4.0"`,
		"PR #1 merged by Stagehand (autoMerge",
		`PR #2 opened by Stagehand: "Promote order-service to staging: v1.3.2 → v1.4.0"`,
		"dev        merged PR #2",
		"dev        commented on #2: /promote order-service to prod",
		"😕 Refused: only the promoters of prod may promote into it.",
		"sre        commented on #2: /promote order-service to prod",
		"🚀 Done: `order-service` in `prod`",
		`PR #3 opened by Stagehand: "Promote order-service to prod: v1.3.2 → v1.4.0"`,
		"complete: order-service runs v1.4.0 in every environment",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, stdout)
		}
	}
}

func TestDemoFlags(t *testing.T) {
	cases := []struct {
		name   string
		args   []string
		stderr string
	}{
		{"no such repo", []string{"demo", "--repo", "no/such/dir"}, "--repo no/such/dir: not a directory"},
		{"info file without serve", []string{"demo", "--repo", demoRepo, "--info-file", "x.json"}, "--info-file goes with --serve"},
		{"bad repository name", []string{"demo", "--repo", demoRepo, "--repo-name", "nope"}, `repository "nope" is not owner/name`},
		{"no policy", []string{"demo", "--repo", "."}, "the seed has no policy"},
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

// syncBuffer is a bytes.Buffer safe for a command writing while the test reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestDemoServe keeps a sandbox running and uses it as a person would,
// from its info file only: push an image to the registry, then read the
// pull request Stagehand opened through the GitHub API with a user's token.
func TestDemoServe(t *testing.T) {
	info := filepath.Join(t.TempDir(), "sandbox.json")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out syncBuffer
	cmd := newDemoCmd()
	cmd.SetArgs([]string{"--serve", "--repo", demoRepo, "--info-file", info})
	cmd.SetOut(&out)
	cmd.SetErr(&out)
	done := make(chan error, 1)
	go func() { done <- cmd.ExecuteContext(ctx) }()

	var si sandbox.Info
	eventually(t, "the info file", func() bool {
		data, err := os.ReadFile(info)
		return err == nil && json.Unmarshal(data, &si) == nil
	})
	for _, u := range []string{"admin", "dev", "sre", "reader"} {
		if si.Tokens[u] == "" {
			t.Errorf("no token for %s in %+v", u, si)
		}
	}
	if si.Repo != sandbox.DefaultRepo || si.RegistryHost != "registry.demo.local" || si.RegistryWebhooks["distribution"].Token == "" ||
		!strings.HasPrefix(si.RegistryWebhooks["distribution"].URL, si.Stagehand+"/webhooks/registry/") {
		t.Errorf("info %+v", si)
	}

	ref, err := name.ParseReference(si.Registry+"/acme/order-service:v1.5.0", name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	img, err := mutate.AppendLayers(empty.Image, static.NewLayer([]byte("order-service v1.5.0"), types.DockerLayer))
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(ref, img); err != nil {
		t.Fatal(err)
	}
	var pulls []struct {
		Title string `json:"title"`
		Head  struct {
			Ref string `json:"ref"`
		} `json:"head"`
	}
	eventually(t, "the dev pull request", func() bool {
		req, _ := http.NewRequest(http.MethodGet, si.APIURL+"repos/"+si.Repo+"/pulls?state=all", nil)
		req.Header.Set("Authorization", "Bearer "+si.Tokens["reader"])
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		return resp.StatusCode == http.StatusOK && json.NewDecoder(resp.Body).Decode(&pulls) == nil && len(pulls) > 0
	})
	if pulls[0].Head.Ref != "stagehand/dev/order-service" || pulls[0].Title != "Promote order-service to dev: v1.3.2 → v1.5.0" {
		t.Errorf("pull requests %+v", pulls)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("demo --serve: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "Sandbox running.") {
		t.Errorf("output:\n%s", out.String())
	}
}

// eventually polls cond for up to 30 s.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
