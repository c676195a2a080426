package board_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stagehand-gitops/stagehand/internal/sandbox"
)

// startSandbox runs the demo repository's sandbox, whose server mounts the
// board, as demo --serve does; opts (at most one) may set other options
// than the seed.
func startSandbox(t *testing.T, opts ...sandbox.Options) *sandbox.Sandbox {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var o sandbox.Options
	if len(opts) > 0 {
		o = opts[0]
	}
	o.Seed = os.DirFS("../../testdata/demo-repo")
	sb, err := sandbox.Start(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		sb.Close(ctx)
	})
	return sb
}

// browser is a person's browser: a cookie jar, redirects not followed
// unless asked.
type browser struct {
	t  *testing.T
	hc *http.Client
}

func newBrowser(t *testing.T) *browser {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &browser{t: t, hc: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// do sends a request and returns the response with its body read.
func (b *browser) do(method, u string, form url.Values) (*http.Response, string) {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		b.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := b.hc.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		b.t.Fatal(err)
	}
	return resp, string(data)
}

// follow GETs u and follows redirects, as a browser does, and returns the
// last response.
func (b *browser) follow(u string) (*http.Response, string) {
	b.t.Helper()
	for range 10 {
		resp, body := b.do(http.MethodGet, u, nil)
		loc := resp.Header.Get("Location")
		if resp.StatusCode/100 != 3 || loc == "" {
			return resp, body
		}
		next, err := resp.Request.URL.Parse(loc)
		if err != nil {
			b.t.Fatal(err)
		}
		u = next.String()
	}
	b.t.Fatalf("too many redirects from %s", u)
	return nil, ""
}

// signIn signs in as login through githubsim's OAuth flow.
func (b *browser) signIn(sb *sandbox.Sandbox, login string) {
	b.t.Helper()
	resp, body := b.follow(sb.URL() + "/board/login?login=" + login)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "@"+login) {
		b.t.Fatalf("sign in as %s: %d at %s\n%s", login, resp.StatusCode, resp.Request.URL, body)
	}
}

func TestSignedOutGetsNoData(t *testing.T) {
	sb := startSandbox(t)
	b := newBrowser(t)
	resp, _ := b.do(http.MethodGet, sb.BoardURL(), nil)
	if resp.StatusCode != http.StatusFound || !strings.HasPrefix(resp.Header.Get("Location"), "/board/login?next=") {
		t.Errorf("page signed out: %d → %q, want a redirect to sign in", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, body := b.do(http.MethodGet, sb.URL()+"/api/v1/repos/"+sb.Repo()+"/board", nil)
	if resp.StatusCode != http.StatusUnauthorized || strings.Contains(body, "order-service") {
		t.Errorf("API signed out: %d %s, want 401 and no data", resp.StatusCode, body)
	}
	for _, h := range []string{"Content-Security-Policy", "X-Content-Type-Options"} {
		if resp.Header.Get(h) == "" {
			t.Errorf("no %s on the 401", h)
		}
	}
}

func TestReaderSeesTheBoard(t *testing.T) {
	sb := startSandbox(t)
	b := newBrowser(t)
	b.signIn(sb, "reader")
	resp, body := b.follow(sb.BoardURL())
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("board: %d\n%s", resp.StatusCode, body)
	}
	for _, want := range []string{"order-service", "payment-service", "<th>prod</th>", `href="` + sb.Sim().URL() + "/" + sb.Repo() + `"`} {
		if !strings.Contains(body, want) {
			t.Errorf("board page lacks %q", want)
		}
	}
	csp := resp.Header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "frame-ancestors 'none'") || strings.Contains(csp, "unsafe-inline") {
		t.Errorf("CSP %q", csp)
	}
	resp, body = b.do(http.MethodGet, sb.URL()+"/api/v1/repos/"+sb.Repo()+"/board", nil)
	var v struct {
		Repo string
		Apps []struct{ App string }
	}
	if err := json.Unmarshal([]byte(body), &v); err != nil || resp.StatusCode != http.StatusOK || v.Repo != sb.Repo() || len(v.Apps) != 3 {
		t.Fatalf("API: %d %v %s", resp.StatusCode, err, body)
	}
	resp, body = b.do(http.MethodGet, sb.URL()+"/api/v1/repos", nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, sb.Repo()) {
		t.Errorf("API repos: %d %s", resp.StatusCode, body)
	}
	resp, body = b.do(http.MethodGet, sb.URL()+"/api/v1/repos/"+sb.Repo()+"/apps/order-service/history", nil)
	var h struct {
		Changes []struct{ Env, URL, Title string }
	}
	if err := json.Unmarshal([]byte(body), &h); err != nil || resp.StatusCode != http.StatusOK || len(h.Changes) < 3 ||
		!strings.HasPrefix(h.Changes[0].URL, sb.Sim().URL()+"/"+sb.Repo()+"/commit/") {
		t.Errorf("history: %d %v %s", resp.StatusCode, err, body)
	}
	if resp, _ := b.do(http.MethodGet, sb.URL()+"/board/"+sb.Repo()+"/apps/no-such-app", nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("history of an unknown app: %d, want 404", resp.StatusCode)
	}
}

func TestUserWithoutReadAccessSeesNothing(t *testing.T) {
	sb := startSandbox(t)
	sb.Sim().AddUser("outsider")
	b := newBrowser(t)
	b.signIn(sb, "outsider")
	resp, body := b.follow(sb.URL() + "/board/")
	if resp.StatusCode != http.StatusOK || strings.Contains(body, sb.Repo()) {
		t.Errorf("index for an outsider: %d, lists the repository: %v", resp.StatusCode, strings.Contains(body, sb.Repo()))
	}
	for _, u := range []string{sb.BoardURL(), sb.URL() + "/api/v1/repos/" + sb.Repo() + "/board", sb.BoardURL() + "/apps/order-service",
		sb.URL() + "/api/v1/repos/" + sb.Repo() + "/apps/order-service/history"} {
		resp, body := b.do(http.MethodGet, u, nil)
		if resp.StatusCode != http.StatusNotFound || strings.Contains(body, "order-service") {
			t.Errorf("%s for an outsider: %d, want 404 and no data\n%s", u, resp.StatusCode, body)
		}
	}
	resp, body = b.do(http.MethodGet, sb.URL()+"/api/v1/repos", nil)
	if resp.StatusCode != http.StatusOK || strings.Contains(body, sb.Repo()) {
		t.Errorf("API repos for an outsider: %d %s", resp.StatusCode, body)
	}
}

func TestTamperedCookieRefused(t *testing.T) {
	sb := startSandbox(t)
	b := newBrowser(t)
	b.signIn(sb, "reader")
	u, _ := url.Parse(sb.URL())
	var tampered []*http.Cookie
	for _, c := range b.hc.Jar.Cookies(u) {
		if c.Name == "stagehand_board" {
			payload, sig, _ := strings.Cut(c.Value, ".")
			c.Value = payload + "x." + sig
		}
		tampered = append(tampered, c)
	}
	jar, _ := cookiejar.New(nil)
	jar.SetCookies(u, tampered)
	b.hc.Jar = jar
	resp, _ := b.do(http.MethodGet, sb.BoardURL(), nil)
	if resp.StatusCode != http.StatusFound {
		t.Errorf("tampered cookie: %d, want a redirect to sign in", resp.StatusCode)
	}
}

func TestWrongOAuthStateRefused(t *testing.T) {
	sb := startSandbox(t)
	b := newBrowser(t)
	resp, _ := b.do(http.MethodGet, sb.URL()+"/board/login?login=reader", nil)
	auth, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || resp.StatusCode != http.StatusFound {
		t.Fatalf("login: %d %v", resp.StatusCode, err)
	}
	resp, _ = b.do(http.MethodGet, auth.String(), nil)
	back, _ := url.Parse(resp.Header.Get("Location"))
	q := back.Query()
	q.Set("state", "not-the-one-sent")
	back.RawQuery = q.Encode()
	resp, body := b.do(http.MethodGet, back.String(), nil)
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "state does not match") {
		t.Errorf("wrong state: %d\n%s", resp.StatusCode, body)
	}
	if resp, _ := b.do(http.MethodGet, sb.BoardURL(), nil); resp.StatusCode != http.StatusFound {
		t.Errorf("after a refused sign-in the board answers %d, want a redirect to sign in", resp.StatusCode)
	}
}

func TestSignOutNeedsItsToken(t *testing.T) {
	sb := startSandbox(t)
	b := newBrowser(t)
	b.signIn(sb, "reader")
	if resp, _ := b.do(http.MethodPost, sb.URL()+"/board/logout", url.Values{"csrf": {"forged"}}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("sign-out with a forged token: %d, want 403", resp.StatusCode)
	}
	if resp, _ := b.do(http.MethodGet, sb.BoardURL(), nil); resp.StatusCode != http.StatusOK {
		t.Fatalf("still signed in after a forged sign-out: %d", resp.StatusCode)
	}
	_, page := b.do(http.MethodGet, sb.BoardURL(), nil)
	_, rest, _ := strings.Cut(page, `name="csrf" value="`)
	token, _, _ := strings.Cut(rest, `"`)
	if resp, _ := b.do(http.MethodPost, sb.URL()+"/board/logout", url.Values{"csrf": {token}}); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("sign-out: %d", resp.StatusCode)
	}
	if resp, _ := b.do(http.MethodGet, sb.BoardURL(), nil); resp.StatusCode != http.StatusFound {
		t.Errorf("after sign-out: %d, want a redirect to sign in", resp.StatusCode)
	}
}

// TestPagesCostNoCalls counts the App's GitHub calls: pages within the
// facts' lifetime, for any number of people, reuse one gathering, and a
// repeat view of a history reads nothing while the default branch stays.
func TestPagesCostNoCalls(t *testing.T) {
	sb := startSandbox(t)
	b := newBrowser(t)
	b.signIn(sb, "reader")
	b.follow(sb.BoardURL())
	history := []string{sb.BoardURL() + "/apps/order-service", sb.URL() + "/api/v1/repos/" + sb.Repo() + "/apps/order-service/history"}
	for _, u := range history {
		if resp, _ := b.do(http.MethodGet, u, nil); resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d", u, resp.StatusCode)
		}
	}
	// The bot's own work since the start is done before counting.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := sb.Sim().Settle(ctx, 200*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	sb.Sim().ResetCalls()
	for range 5 {
		if resp, _ := b.do(http.MethodGet, sb.BoardURL(), nil); resp.StatusCode != http.StatusOK {
			t.Fatalf("board: %d", resp.StatusCode)
		}
		b.do(http.MethodGet, sb.URL()+"/api/v1/repos/"+sb.Repo()+"/board", nil)
		for _, u := range history {
			b.do(http.MethodGet, u, nil)
		}
	}
	if c := sb.Sim().Calls(); c.Total() != 0 {
		t.Errorf("20 pages and history views within the facts' lifetime made %d GitHub calls: %v", c.Total(), c.Log)
	}
}
