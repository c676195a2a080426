package githubsim

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-github/v62/github"
)

// postManifest submits the registration form as a browser would and
// returns the answer, redirects not followed.
func postManifest(t *testing.T, sim *Sim, path, manifest, state string) *http.Response {
	t.Helper()
	return postForm(t, sim.URL()+path+"?state="+url.QueryEscape(state), url.Values{"manifest": {manifest}})
}

func TestManifestFlowConvertsOnce(t *testing.T) {
	f := newFixture(t, Options{WebhookSecret: "sim-secret"})
	manifest := `{"name":"Stagehand Acme","url":"https://stagehand.example.com","hook_attributes":{"url":"https://stagehand.example.com/webhooks/github"},
		"redirect_url":"http://127.0.0.1:9/callback","default_events":["push","check_run"],"default_permissions":{"contents":"write","checks":"write"}}`
	page := postManifest(t, f.sim, "/organizations/acme/settings/apps/new", manifest, "s1")
	body, _ := io.ReadAll(page.Body)
	if page.StatusCode != http.StatusOK || !strings.Contains(string(body), `action="/settings/apps/new/confirm"`) || !strings.Contains(string(body), "for acme") {
		t.Fatalf("registration page: %d\n%s", page.StatusCode, body)
	}
	confirm := postForm(t, f.sim.URL()+"/settings/apps/new/confirm", url.Values{"manifest": {manifest}, "state": {"s1"}, "org": {"acme"}})
	if confirm.StatusCode != http.StatusFound {
		t.Fatalf("confirm: %d", confirm.StatusCode)
	}
	back, err := url.Parse(confirm.Header.Get("Location"))
	if err != nil || back.Host != "127.0.0.1:9" || back.Path != "/callback" || back.Query().Get("state") != "s1" {
		t.Fatalf("redirected to %q", confirm.Header.Get("Location"))
	}
	code := back.Query().Get("code")

	anon, err := github.NewClient(nil).WithEnterpriseURLs(f.sim.URL(), f.sim.URL())
	if err != nil {
		t.Fatal(err)
	}
	cfg, resp, err := anon.Apps.CompleteAppManifest(f.ctx, code)
	wantStatus(t, resp, err, http.StatusCreated)
	if cfg.GetID() != f.sim.AppID() || cfg.GetSlug() != "stagehand-acme" || cfg.GetOwner().GetLogin() != "acme" ||
		cfg.GetWebhookSecret() != "sim-secret" || cfg.GetPEM() != string(f.sim.AppKeyPEM()) || cfg.GetClientSecret() == "" {
		t.Errorf("conversion = %+v", cfg)
	}
	_, resp, err = anon.Apps.CompleteAppManifest(f.ctx, code)
	wantStatus(t, resp, err, http.StatusNotFound)
}

func TestManifestFormRefusesBadManifests(t *testing.T) {
	f := newFixture(t, Options{})
	good := map[string]any{
		"name": "stagehand", "url": "https://example.com", "redirect_url": "https://example.com/cb",
		"hook_attributes": map[string]any{"url": "https://example.com/webhooks/github"},
	}
	for _, tc := range []struct {
		name   string
		change func(map[string]any)
		want   string
	}{
		{"no webhook URL", func(m map[string]any) { delete(m, "hook_attributes") }, "hook_attributes.url"},
		{"no redirect", func(m map[string]any) { delete(m, "redirect_url") }, "redirect_url"},
		{"unknown event", func(m map[string]any) { m["default_events"] = []string{"pushes"} }, "pushes"},
		{"bad access", func(m map[string]any) { m["default_permissions"] = map[string]string{"contents": "admin"} }, "contents"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := map[string]any{}
			for k, v := range good {
				m[k] = v
			}
			tc.change(m)
			raw, _ := json.Marshal(m)
			resp := postManifest(t, f.sim, "/settings/apps/new", string(raw), "s")
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(string(body), tc.want) {
				t.Errorf("%d %s, want 422 naming %q", resp.StatusCode, body, tc.want)
			}
		})
	}
}

func postForm(t *testing.T, to string, form url.Values) *http.Response {
	t.Helper()
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.PostForm(to, form)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = resp.Body.Close() })
	return resp
}
