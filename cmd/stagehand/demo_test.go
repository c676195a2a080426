//go:build !nosandbox

package main

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
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
	"github.com/spf13/cobra"

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
		"order-service/dev: refused v1.5.0: v1.5.0: not signed with keys/cosign.pub",
		"PR #4 says: Signature: verified (signed with keys/cosign.pub)",
		": /promote checkout to prod",
		"complete: the train checkout runs in prod what it ran in staging",
		"are lost on the way to Stagehand",
		"pushed registry.demo.local/acme/order-service:v1.5.2",
		"stagehand  heard nothing of v1.5.2:",
		"resync listed the tags of registry.demo.local/acme/order-service and found v1.5.2",
		`opened by Stagehand after the resync: "Promote order-service to dev: v1.5.1 → v1.5.2"`,
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, stdout)
		}
	}
	// The train's pull request number depends on whether the staging soak
	// timer opened its pull request first; the one commit must be the
	// train's own.
	train := regexp.MustCompile(`PR #(\d+) opened by Stagehand: "Release checkout to prod: order-service v1\.4\.0 → v1\.5\.0, payment-service v2\.0\.1 → v2\.1\.0, web-frontend v0\.9\.0 → v0\.10\.0"`).FindStringSubmatch(stdout)
	if train == nil {
		t.Fatalf("output lacks the train's pull request:\n%s", stdout)
	}
	if want := "PR #" + train[1] + " holds one commit changing apps/order-service/overlays/prod/kustomization.yaml, apps/payment-service/overlays/prod/kustomization.yaml, apps/web-frontend/overlays/prod/kustomization.yaml"; !strings.Contains(stdout, want) {
		t.Errorf("output lacks %q:\n%s", want, stdout)
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

// TestDemoServe keeps a sandbox running and uses it as a person would,
// from its info file only: push an image to the registry, then read the
// pull request Stagehand opened through the GitHub API with a user's token.
func TestDemoServe(t *testing.T) {
	info := filepath.Join(t.TempDir(), "sandbox.json")
	stop, out := background(t, newDemoCmd(), "--serve", "--repo", demoRepo, "--info-file", info)
	var si sandbox.Info
	readJSON(t, info, &si)
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
	pulls := waitPulls(t, si.APIURL, si.Repo+"/pulls?state=all", si.Tokens["reader"])
	if pulls[0].Head.Ref != "stagehand/dev/order-service" || pulls[0].Title != "Promote order-service to dev: v1.3.2 → v1.5.0" {
		t.Errorf("pull requests %+v", pulls)
	}
	if err := stop(); err != nil {
		t.Fatalf("demo --serve: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "Sandbox running.") {
		t.Errorf("output:\n%s", out.String())
	}
}

// background runs cmd with args until stop, which returns its error.
func background(t *testing.T, cmd *cobra.Command, args ...string) (stop func() error, out *lockedBuffer) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out = &lockedBuffer{}
	cmd.SetArgs(args)
	cmd.SetOut(out)
	cmd.SetErr(out)
	done := make(chan error, 1)
	go func() { done <- cmd.ExecuteContext(ctx) }()
	var once sync.Once
	var err error
	stop = func() error {
		once.Do(func() {
			cancel()
			err = <-done
		})
		return err
	}
	t.Cleanup(func() { _ = stop() })
	return stop, out
}

// readJSON waits for the file a command writes and decodes it into v.
func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	eventually(t, path, func() bool {
		data, err := os.ReadFile(path)
		return err == nil && json.Unmarshal(data, v) == nil
	})
}

// pull is what the tests read of a pull request from the API.
type pull struct {
	Title string `json:"title"`
	Body  string `json:"body"`
	User  struct {
		Login string `json:"login"`
	} `json:"user"`
	Head struct {
		Ref string `json:"ref"`
	} `json:"head"`
}

// waitPulls lists pulls (repos/<owner>/<name>/pulls…) from the simulated
// GitHub with token until there is one.
func waitPulls(t *testing.T, apiURL, pulls, token string) []pull {
	t.Helper()
	var list []pull
	eventually(t, "a pull request in the simulated GitHub", func() bool {
		req, _ := http.NewRequest(http.MethodGet, apiURL+"repos/"+pulls, nil)
		req.Header.Set("Authorization", "token "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		return resp.StatusCode == http.StatusOK && json.NewDecoder(resp.Body).Decode(&list) == nil && len(list) > 0
	})
	return list
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
