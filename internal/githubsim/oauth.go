package githubsim

import (
	"encoding/json"
	"html/template"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
)

// The OAuth web flow of GitHub Apps (user access tokens), as GitHub
// documents it: GET /login/oauth/authorize shows who signs in and
// redirects back to redirect_uri with code and the caller's state; POST
// /login/oauth/access_token trades the code, with the client id and
// secret, for the user's token. These pages are not part of the REST
// description. The simulator has no passwords: the authorize page lists
// the users to sign in as, and ?login= picks one directly. A code works
// once. The token handed out is the user's own token, so what it may read
// is what the user may read.

// OAuthClientID and OAuthClientSecret are the simulated App's OAuth
// credentials.
const (
	OAuthClientID     = "Iv1.sim0000000000000"
	OAuthClientSecret = "simsecret0000000000000000000000000000000"
)

// oauthCodes are the codes handed out and not yet traded, code → login.
type oauthCodes struct {
	mu    sync.Mutex
	codes map[string]string
}

func (o *oauthCodes) put(login string) string {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.codes == nil {
		o.codes = map[string]string{}
	}
	code := randomHex(10)
	o.codes[code] = login
	return code
}

func (o *oauthCodes) take(code string) (string, bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	login, ok := o.codes[code]
	delete(o.codes, code)
	return login, ok
}

var authorizePage = template.Must(template.New("authorize").Parse(`<!DOCTYPE html>
<html><head><title>Sign in to GitHub</title></head><body>
<h1>Sign in to continue to the App</h1>
<ul>{{range .Logins}}<li><a id="login-{{.}}" href="{{$.Base}}&amp;login={{.}}">Sign in as {{.}}</a></li>{{end}}</ul>
</body></html>
`))

// authorize answers GET /login/oauth/authorize.
func (s *Sim) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("client_id") != OAuthClientID {
		http.Error(w, "The client_id is not valid for this application.", http.StatusNotFound)
		return
	}
	back, err := url.Parse(q.Get("redirect_uri"))
	if err != nil || back.Scheme == "" || back.Host == "" {
		http.Error(w, "The redirect_uri MUST match the registered callback URL for this application.", http.StatusBadRequest)
		return
	}
	login := q.Get("login")
	if login == "" {
		s.authorizeChoice(w, r)
		return
	}
	s.mu.Lock()
	u, ok := s.users[strings.ToLower(login)]
	s.mu.Unlock()
	if !ok || u.typ != "User" {
		http.Error(w, "no such user: "+login, http.StatusNotFound)
		return
	}
	v := back.Query()
	v.Set("code", s.oauth.put(u.login))
	if st := q.Get("state"); st != "" {
		v.Set("state", st)
	}
	back.RawQuery = v.Encode()
	http.Redirect(w, r, back.String(), http.StatusFound)
}

// authorizeChoice lists the users one may sign in as.
func (s *Sim) authorizeChoice(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	var logins []string
	for _, u := range s.users {
		if u.typ == "User" {
			logins = append(logins, u.login)
		}
	}
	s.mu.Unlock()
	sort.Strings(logins)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_ = authorizePage.Execute(w, struct {
		Base   string
		Logins []string
	}{r.URL.Path + "?" + r.URL.RawQuery, logins})
}

// accessToken answers POST /login/oauth/access_token. Errors come back
// with status 200 and an error field, as GitHub sends them.
func (s *Sim) accessToken(w http.ResponseWriter, r *http.Request) {
	reply := func(v map[string]string) {
		if strings.Contains(r.Header.Get("Accept"), "json") {
			w.Header().Set("Content-Type", "application/json; charset=utf-8")
			_ = json.NewEncoder(w).Encode(v)
			return
		}
		form := url.Values{}
		for k, x := range v {
			form.Set(k, x)
		}
		w.Header().Set("Content-Type", "application/x-www-form-urlencoded")
		_, _ = w.Write([]byte(form.Encode()))
	}
	if r.PostFormValue("client_id") != OAuthClientID || r.PostFormValue("client_secret") != OAuthClientSecret {
		reply(map[string]string{"error": "incorrect_client_credentials", "error_description": "The client_id and/or client_secret passed are incorrect."})
		return
	}
	login, ok := s.oauth.take(r.PostFormValue("code"))
	if !ok {
		reply(map[string]string{"error": "bad_verification_code", "error_description": "The code passed is incorrect or expired."})
		return
	}
	reply(map[string]string{"access_token": s.Token(login), "token_type": "bearer", "scope": ""})
}

// getAuthenticatedUser answers GET /user for a user token.
func (s *Sim) getAuthenticatedUser(c *call) reply {
	if c.who.kind != kindUser {
		return apiError(http.StatusForbidden, "Resource not accessible by integration")
	}
	v := s.userJSON(c.who.user)
	for _, k := range []string{"name", "company", "blog", "location", "email", "hireable", "bio"} {
		v[k] = nil
	}
	v["blog"] = ""
	for _, k := range []string{"public_repos", "public_gists", "followers", "following"} {
		v[k] = 0
	}
	v["created_at"], v["updated_at"] = "2020-01-01T00:00:00Z", "2020-01-01T00:00:00Z"
	v["user_view_type"] = "public"
	return ok(v)
}
