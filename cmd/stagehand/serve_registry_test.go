//go:build !nosandbox

package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/stagehand-gitops/stagehand/internal/githubsim"
	"github.com/stagehand-gitops/stagehand/internal/registry/registrytest"
)

// channelSeed is a config repository whose staging carries the version
// dev runs through its own -rc channel, promoted by hand. The overlays pin
// tags only.
func channelSeed(image string) map[string]string {
	files := map[string]string{
		".stagehand.yaml": "version: 1\nenvironments:\n  - name: dev\n    prerelease: true\n    allowTags: '^v\\d+\\.\\d+\\.\\d+-dev$'\n" +
			"  - name: staging\n    carry: version\n    promotion: manual\n    prerelease: true\n    allowTags: '^v\\d+\\.\\d+\\.\\d+-rc\\d+$'\n" +
			"apps:\n  order-service:\n    image: " + image + "\n",
		"apps/order-service/base/kustomization.yaml": "resources:\n- deployment.yaml\n",
		"apps/order-service/base/deployment.yaml":    "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: order-service\n",
	}
	for env, tag := range map[string]string{"dev": "v1.2.4-dev", "staging": "v1.2.3-rc1"} {
		files["apps/order-service/overlays/"+env+"/kustomization.yaml"] = "resources:\n- ../../base\nimages:\n- name: " + image + "\n  newTag: " + tag + "\n"
	}
	return files
}

// TestServeReadsRegistriesWithoutFlags runs `stagehand serve` with no
// registry flag, as a new user starts it, against `stagehand githubsim` (a
// process of its own) and a real Distribution registry the test serves on
// loopback. "/promote order-service to staging" lists staging's channel in
// the registry and opens its pull request, whose body says the rc is the
// very image dev runs (both tags resolved with manifest HEADs): anonymously
// for an open registry, with Docker's config.json for one that wants basic
// auth. Without credentials, that registry's refusal is named in the reply,
// in /status and in stagehand/staging on main, with where credentials go.
func TestServeReadsRegistriesWithoutFlags(t *testing.T) {
	const user, password = "ci", "registry-password"
	bin := buildStagehand(t)
	tests := []struct {
		name         string
		auth         bool // the registry wants basic auth
		dockerConfig bool // DOCKER_CONFIG holds its credentials
	}{
		{name: "anonymous"},
		{name: "docker config", auth: true, dockerConfig: true},
		{name: "refused", auth: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var calls registryCalls
			opts := registrytest.Options{Seen: calls.see}
			push := []remote.Option{}
			if tt.auth {
				opts.User, opts.Password = user, password
				push = append(push, remote.WithAuth(&authn.Basic{Username: user, Password: password}))
			}
			host := registrytest.Start(t, opts)
			image := host + "/acme/order-service"
			release := randomImage(t)
			registrytest.Push(t, image+":v1.2.4-dev", release, push...)
			registrytest.Push(t, image+":v1.2.4-rc1", release, push...)
			registrytest.Push(t, image+":v1.2.5-rc1", randomImage(t), push...)
			dockerDir := t.TempDir()
			if tt.dockerConfig {
				auth := base64.StdEncoding.EncodeToString([]byte(user + ":" + password))
				dockerDir = writeTree(t, map[string]string{"config.json": fmt.Sprintf(`{"auths": {%q: {"auth": %q}}}`, host, auth)})
			}
			gh := startPair(t, bin, channelSeed(image), hermeticEnv(dockerDir))

			calls.reset()
			reply := gh.command(t, "/promote order-service to staging")
			if tt.auth && !tt.dockerConfig {
				assertRefused(t, gh, host, reply)
				return
			}
			if want := "Done: `order-service` in `staging`: v1.2.3-rc1 → v1.2.4-rc1."; !strings.Contains(reply, want) {
				t.Fatalf("reply lacks %q:\n%s", want, reply)
			}
			pulls := waitPulls(t, gh.info.APIURL, gh.info.Repo+"/pulls", gh.info.Tokens["admin"])
			digest, err := release.Digest()
			if err != nil {
				t.Fatal(err)
			}
			same := "same image as dev: yes (`v1.2.4-dev` and `v1.2.4-rc1` are both `" + digest.String()[:len("sha256:")+12] + "`)"
			if len(pulls) != 1 || pulls[0].Head.Ref != "stagehand/staging/order-service" ||
				pulls[0].Title != "Promote order-service to staging: v1.2.3-rc1 → v1.2.4-rc1" || !strings.Contains(pulls[0].Body, "\n"+same+"\n") {
				t.Fatalf("pull requests %+v, want one whose body says %q", pulls, same)
			}
			// One tag list for the channel, one manifest HEAD for each
			// tag of the same-image line.
			got := calls.get()
			if got["GET tags/list"] != 1 || got["HEAD manifests"] != 2 {
				t.Errorf("registry calls for /promote: %v, want 1 tag list and 2 manifest HEADs", got)
			}
			t.Logf("registry calls for /promote: %v", got)
		})
	}
}

// TestServeResyncFindsLostTag runs `stagehand serve` with its default
// flags and a short --resync-interval against `stagehand githubsim` and a
// Distribution registry that notifies nobody: a tag pushed after the start
// reaches Stagehand only through the resync's registry polling, which
// opens the dev pull request.
func TestServeResyncFindsLostTag(t *testing.T) {
	bin := buildStagehand(t)
	host := registrytest.Start(t, registrytest.Options{})
	image := host + "/acme/web"
	registrytest.Push(t, image+":v1.0.0", randomImage(t))
	files := map[string]string{
		".stagehand.yaml":                           "version: 1\nenvironments:\n  - name: dev\n  - name: prod\n    promotion: manual\napps:\n  web:\n    image: " + image + "\n",
		"apps/web/base/kustomization.yaml":          "resources:\n- deployment.yaml\n",
		"apps/web/base/deployment.yaml":             "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n",
		"apps/web/overlays/dev/kustomization.yaml":  "resources:\n- ../../base\nimages:\n- name: " + image + "\n  newTag: v1.0.0\n",
		"apps/web/overlays/prod/kustomization.yaml": "resources:\n- ../../base\nimages:\n- name: " + image + "\n  newTag: v1.0.0\n",
	}
	gh := startPair(t, bin, files, hermeticEnv(t.TempDir()), "--resync-interval", "300ms")
	registrytest.Push(t, image+":v1.1.0", randomImage(t))
	pulls := waitPulls(t, gh.info.APIURL, gh.info.Repo+"/pulls", gh.info.Tokens["admin"])
	if len(pulls) != 1 || pulls[0].Head.Ref != "stagehand/dev/web" || pulls[0].Title != "Promote web to dev: v1.0.0 → v1.1.0" {
		t.Fatalf("pull requests %+v, want the dev one for v1.1.0", pulls)
	}
}

// assertRefused checks that a registry refusing anonymous access is named,
// with how to give credentials, in the /promote reply, in /status and in
// the waiting check on the default branch.
func assertRefused(t *testing.T, gh *simPair, host, reply string) {
	t.Helper()
	refusal := host + " refuses anonymous access (401 Unauthorized): give Stagehand credentials for it in a Docker config.json"
	if !strings.Contains(reply, "Nothing proposed: ") || !strings.Contains(reply, refusal) {
		t.Errorf("/promote reply lacks %q:\n%s", refusal, reply)
	}
	status := gh.command(t, "/status")
	if want := "order-service waits in staging: the registry could not be listed: "; !strings.Contains(status, want) || !strings.Contains(status, refusal) {
		t.Errorf("/status lacks %q… %q:\n%s", want, refusal, status)
	}
	var runs struct {
		CheckRuns []struct {
			Name   string `json:"name"`
			Output struct {
				Title   string `json:"title"`
				Summary string `json:"summary"`
			} `json:"output"`
		} `json:"check_runs"`
	}
	gh.call(t, http.MethodGet, "repos/"+gh.info.Repo+"/commits/main/check-runs", nil, &runs)
	fix := "`" + host + "` refuses anonymous access. Give Stagehand a Docker `config.json` with credentials for it"
	for _, r := range runs.CheckRuns {
		if r.Name == "stagehand/staging" && r.Output.Title == "order-service waits: the registry could not be listed" && strings.Contains(r.Output.Summary, fix) {
			return
		}
	}
	t.Errorf("no stagehand/staging on main saying %q: %+v", fix, runs.CheckRuns)
}

// simPair is `stagehand githubsim` and `stagehand serve` running as two
// processes, serve ready, and one issue to comment on.
type simPair struct {
	info  githubsim.Info
	issue int
}

// startPair starts githubsim seeded with files and serve against it, with
// serve's environment env, no registry flag and the extra serve flags, and
// opens an issue.
func startPair(t *testing.T, bin string, files map[string]string, env []string, extra ...string) *simPair {
	t.Helper()
	dir := t.TempDir()
	serveAddr := freeAddr(t)
	const secret = "serve-registry-secret"
	infoFile := filepath.Join(dir, "githubsim.json")
	start(t, bin, "githubsim", "--listen", "127.0.0.1:0", "--seed", writeTree(t, files), "--info-file", infoFile,
		"--webhook-url", "http://"+serveAddr+"/webhooks/github", "--webhook-secret", secret)
	gh := &simPair{}
	readJSON(t, infoFile, &gh.info)
	args := []string{"serve", "--listen", serveAddr, "--github-url", gh.info.APIURL, "--app-id", strconv.FormatInt(gh.info.AppID, 10),
		"--private-key-file", gh.info.PrivateKeyFile, "--webhook-secret", secret, "--log-format", "console"}
	startEnv(t, env, bin, append(args, extra...)...)
	waitReady(t, serveAddr)
	var issue struct {
		Number int `json:"number"`
	}
	gh.call(t, http.MethodPost, "repos/"+gh.info.Repo+"/issues", map[string]string{"title": "Release 1.2.4"}, &issue)
	gh.issue = issue.Number
	return gh
}

// command comments body on the issue as sre and returns Stagehand's reply
// (each command is asked once).
func (gh *simPair) command(t *testing.T, body string) string {
	t.Helper()
	path := fmt.Sprintf("repos/%s/issues/%d/comments", gh.info.Repo, gh.issue)
	gh.call(t, http.MethodPost, path, map[string]string{"body": body}, nil)
	var reply string
	eventually(t, "Stagehand's reply to "+body, func() bool {
		var comments []struct {
			Body string `json:"body"`
			User struct {
				Login string `json:"login"`
			} `json:"user"`
		}
		gh.call(t, http.MethodGet, path+"?per_page=100", nil, &comments)
		// Stagehand may answer by editing its earlier reply.
		for _, c := range comments {
			if c.User.Login == "stagehand[bot]" && strings.Contains(c.Body, "**`"+body+"`**") {
				reply = c.Body
				return true
			}
		}
		return false
	})
	return reply
}

// call sends a GitHub REST request to githubsim as sre, decoding the
// answer into out when given.
func (gh *simPair) call(t *testing.T, method, path string, in, out any) {
	t.Helper()
	var body bytes.Buffer
	if in != nil {
		if err := json.NewEncoder(&body).Encode(in); err != nil {
			t.Fatal(err)
		}
	}
	req, err := http.NewRequest(method, gh.info.APIURL+path, &body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "token "+gh.info.Tokens["sre"])
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 {
		t.Fatalf("%s %s: %d", method, path, resp.StatusCode)
	}
	if out != nil {
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
	}
}

func randomImage(t *testing.T) v1.Image {
	t.Helper()
	img, err := random.Image(64, 1)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// registryCalls counts a registry's tag lists and manifest reads by method,
// from the last reset on.
type registryCalls struct {
	mu sync.Mutex
	n  map[string]int
}

func (c *registryCalls) see(r *http.Request) {
	kind := ""
	switch {
	case strings.HasSuffix(r.URL.Path, "/tags/list"):
		kind = "tags/list"
	case strings.Contains(r.URL.Path, "/manifests/"):
		kind = "manifests"
	default:
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n == nil {
		c.n = map[string]int{}
	}
	c.n[r.Method+" "+kind]++
}

func (c *registryCalls) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n = nil
}

func (c *registryCalls) get() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return maps.Clone(c.n)
}
