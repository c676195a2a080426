package githubsim

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestOAuthWebFlow signs in as GitHub's web flow does: authorize redirects
// back with a code and the state, the code is traded once for the user's
// token, and GET /user with it names the user.
func TestOAuthWebFlow(t *testing.T) {
	sim, err := New(Options{T: t})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sim.Close)
	sim.AddUser("octo")
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	q := url.Values{"client_id": {OAuthClientID}, "redirect_uri": {"http://127.0.0.1:1/cb"}, "state": {"s1"}, "login": {"octo"}}
	resp, err := noFollow.Get(sim.URL() + "/login/oauth/authorize?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || resp.StatusCode != http.StatusFound || loc.Query().Get("state") != "s1" || loc.Query().Get("code") == "" {
		t.Fatalf("authorize: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	trade := func(code, secret string) map[string]string {
		form := url.Values{"client_id": {OAuthClientID}, "client_secret": {secret}, "code": {code}}
		req, _ := http.NewRequest(http.MethodPost, sim.URL()+"/login/oauth/access_token", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Accept", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var v map[string]string
		if err := json.NewDecoder(resp.Body).Decode(&v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	code := loc.Query().Get("code")
	if v := trade(code, "wrong"); v["error"] != "incorrect_client_credentials" {
		t.Errorf("wrong secret: %v", v)
	}
	v := trade(code, OAuthClientSecret)
	if v["access_token"] != sim.Token("octo") || v["token_type"] != "bearer" {
		t.Fatalf("token: %v", v)
	}
	if v := trade(code, OAuthClientSecret); v["error"] != "bad_verification_code" {
		t.Errorf("second trade of one code: %v", v)
	}
	req, _ := http.NewRequest(http.MethodGet, sim.APIURL()+"user", nil)
	req.Header.Set("Authorization", "Bearer "+v["access_token"])
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var u struct{ Login string }
	if err := json.NewDecoder(resp.Body).Decode(&u); err != nil || u.Login != "octo" {
		t.Fatalf("GET /user: %d %v %v", resp.StatusCode, u, err)
	}
}
