//go:build !nosandbox

package main

import (
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/stagehand-gitops/stagehand/internal/githubsim"
	"github.com/stagehand-gitops/stagehand/internal/register"
)

// browser fetches pages and submits their forms as a browser does: with a
// cookie jar, following redirects.
type browser struct {
	t      *testing.T
	client *http.Client
}

func newBrowser(t *testing.T) *browser {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &browser{t: t, client: &http.Client{Jar: jar}}
}

// get fetches a page and returns its final URL, status and body.
func (b *browser) get(u string) (*url.URL, int, string) {
	b.t.Helper()
	resp, err := b.client.Get(u)
	if err != nil {
		b.t.Fatal(err)
	}
	return b.read(resp)
}

func (b *browser) read(resp *http.Response) (*url.URL, int, string) {
	b.t.Helper()
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		b.t.Fatal(err)
	}
	return resp.Request.URL, resp.StatusCode, string(body)
}

// submit posts the page's only form with its inputs, as pressing its
// button does, and returns where the browser ends up.
func (b *browser) submit(page *url.URL, body string) (*url.URL, int, string) {
	b.t.Helper()
	doc, err := html.Parse(strings.NewReader(body))
	if err != nil {
		b.t.Fatal(err)
	}
	var action, method string
	form := url.Values{}
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			attr := map[string]string{}
			for _, a := range n.Attr {
				attr[a.Key] = a.Val
			}
			switch n.Data {
			case "form":
				action, method = attr["action"], attr["method"]
			case "input":
				form.Add(attr["name"], attr["value"])
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	if !strings.EqualFold(method, "post") {
		b.t.Fatalf("no POST form on %s:\n%s", page, body)
	}
	to, err := page.Parse(action)
	if err != nil {
		b.t.Fatal(err)
	}
	resp, err := b.client.PostForm(to.String(), form)
	if err != nil {
		b.t.Fatal(err)
	}
	return b.read(resp)
}

// startRegister runs `stagehand register` against the simulated GitHub and
// returns the registration page's URL.
func startRegister(t *testing.T, sim *githubsim.Sim, dir string, extra ...string) (string, func() error, *lockedBuffer) {
	t.Helper()
	addr := make(chan net.Addr, 1)
	args := append([]string{"--url", "https://stagehand.example.com", "--github-url", sim.APIURL(),
		"--dir", dir, "--listen", "127.0.0.1:0"}, extra...)
	stop, out := background(t, newRegisterCmdWith(func(a net.Addr) { addr <- a }), args...)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("register printed:\n%s", out)
		}
	})
	return "http://" + (<-addr).String() + "/", stop, out
}

// TestRegisterWalksTheManifestFlow presses the button as a person would:
// the page posts the manifest to GitHub, GitHub's confirmation sends the
// browser back with a code, and the App's credentials land in files that
// serve starts with; the secrets are never printed.
func TestRegisterWalksTheManifestFlow(t *testing.T) {
	sim, err := githubsim.New(githubsim.Options{T: t, WebhookSecret: "sim-webhook-secret"})
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "app")
	start, stop, out := startRegister(t, sim, dir, "--org", "acme")
	b := newBrowser(t)
	page, code, body := b.get(start)
	if code != http.StatusOK || !strings.Contains(body, "/organizations/acme/settings/apps/new?state=") {
		t.Fatalf("registration page %d:\n%s", code, body)
	}
	page, code, body = b.submit(page, body)
	if code != http.StatusOK || !strings.Contains(body, "Create GitHub App stagehand for acme") {
		t.Fatalf("GitHub's confirmation page %d:\n%s", code, body)
	}
	page, code, body = b.submit(page, body)
	if code != http.StatusOK || page.Path != "/callback" || !strings.Contains(body, "App ID "+strconv.FormatInt(sim.AppID(), 10)) {
		t.Fatalf("back at %s, %d:\n%s", page, code, body)
	}
	if err := stop(); err != nil {
		t.Fatalf("register: %v\n%s", err, out.String())
	}

	want := map[string]string{
		register.AppIDFile:         strconv.FormatInt(sim.AppID(), 10) + "\n",
		register.PrivateKeyFile:    string(sim.AppKeyPEM()),
		register.WebhookSecretFile: "sim-webhook-secret\n",
	}
	for name, content := range want {
		p := filepath.Join(dir, name)
		data, err := os.ReadFile(p)
		if err != nil || string(data) != content {
			t.Errorf("%s = %q (%v), want %q", name, data, err, content)
		}
		if fi, err := os.Stat(p); err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("%s mode %v (%v), want 0600", name, fi.Mode().Perm(), err)
		}
	}
	for _, secret := range []string{"sim-webhook-secret", "PRIVATE KEY"} {
		if strings.Contains(out.String(), secret) || strings.Contains(body, secret) {
			t.Errorf("a secret (%q) was printed or shown:\n%s\n%s", secret, out.String(), body)
		}
	}
	cfg := serveConfig{appID: sim.AppID(), keyFile: filepath.Join(dir, register.PrivateKeyFile),
		secretFile: filepath.Join(dir, register.WebhookSecretFile), githubURL: sim.APIURL(),
		logLevel: "info", logFormat: "json", workers: 1, queueSize: 1, drainTimeout: 1}
	opts, err := cfg.resolve()
	if err != nil || len(opts.secrets) != 1 || string(opts.secrets[0]) != "sim-webhook-secret" {
		t.Errorf("serve does not start from the written files: %v (secrets %q)", err, opts.secrets)
	}
}

// TestRegisterRefusesAForeignCallback answers a callback whose state is not
// this registration's, as a forged link would carry, without converting.
func TestRegisterRefusesAForeignCallback(t *testing.T) {
	sim, err := githubsim.New(githubsim.Options{T: t})
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "app")
	start, _, _ := startRegister(t, sim, dir)
	b := newBrowser(t)
	for _, q := range []string{"code=abc&state=forged", "code=abc", "state=forged"} {
		if _, code, body := b.get(start + "callback?" + q); code != http.StatusBadRequest {
			t.Errorf("callback?%s: %d %s, want 400", q, code, body)
		}
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("%s written after refused callbacks (%v)", dir, err)
	}
	if n := sim.Calls().ByOperation["apps/create-from-manifest"]; n != 0 {
		t.Errorf("%d conversions asked for; want none", n)
	}
}

func TestRegisterFlags(t *testing.T) {
	for _, tc := range []struct {
		args   []string
		stderr string
	}{
		{[]string{"register"}, "--url is required"},
		{[]string{"register", "--url", "stagehand.example.com"}, `--url "stagehand.example.com"`},
		{[]string{"register", "--url", "https://s.example.com", "--github-url", "ftp://x"}, "--github-url"},
		{[]string{"app-manifest", "--url", "https://s.example.com/?a=b"}, "without query"},
	} {
		if code, _, stderr := runCLI(t, "", tc.args...); code != 1 || !strings.Contains(stderr, tc.stderr) {
			t.Errorf("%v: exit %d, stderr %q; want 1 and %q", tc.args, code, stderr, tc.stderr)
		}
	}
}
