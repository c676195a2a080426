package githubsim

import (
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"regexp"
	"strings"
)

// The App-manifest flow, as GitHub runs it: a form posts a manifest to
// /settings/apps/new (or /organizations/ORG/settings/apps/new) with a state;
// GitHub shows what it is about to create; when the user confirms, it
// redirects to the manifest's redirect_url with a one-time code and the
// state; POST /app-manifests/{code}/conversions trades the code for the
// App's ID, private key and webhook secret.
//
// The simulated App is the one registered: the conversion answers with its
// ID and key, so whatever was registered can then run against the simulator.

// appManifest is what the registration form carries, in GitHub's field names.
type appManifest struct {
	Name               string            `json:"name"`
	URL                string            `json:"url"`
	Description        string            `json:"description"`
	HookAttributes     *hookAttributes   `json:"hook_attributes"`
	RedirectURL        string            `json:"redirect_url"`
	CallbackURLs       []string          `json:"callback_urls"`
	SetupURL           string            `json:"setup_url"`
	Public             bool              `json:"public"`
	DefaultEvents      []string          `json:"default_events"`
	DefaultPermissions map[string]string `json:"default_permissions"`
	RequestOAuth       bool              `json:"request_oauth_on_install"`
	SetupOnUpdate      bool              `json:"setup_on_update"`
}

type hookAttributes struct {
	URL    string `json:"url"`
	Active *bool  `json:"active"`
}

// pendingManifest is a confirmed registration waiting for its conversion.
type pendingManifest struct {
	manifest appManifest
	org      string
}

// manifestEvents are the events an App can subscribe to that the simulator
// knows; GitHub refuses unknown names.
var manifestEvents = map[string]bool{
	"check_run": true, "check_suite": true, "issue_comment": true, "pull_request": true,
	"pull_request_review": true, "push": true, "status": true, "deployment_status": true,
	"registry_package": true, "package": true, "issues": true, "create": true, "delete": true,
}

var appNameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9 ._-]{0,33}$`)

// check validates a manifest as GitHub's registration page does.
func (m appManifest) check() error {
	switch {
	case !appNameRE.MatchString(m.Name):
		return fmt.Errorf("name %q: 1 to 34 letters, digits, spaces, dots, dashes or underscores", m.Name)
	case !isHTTPURL(m.URL):
		return fmt.Errorf("url %q is not an http(s) URL", m.URL)
	case m.HookAttributes == nil || !isHTTPURL(m.HookAttributes.URL):
		return fmt.Errorf("hook_attributes.url is required and must be an http(s) URL")
	case !isHTTPURL(m.RedirectURL):
		return fmt.Errorf("redirect_url %q is not an http(s) URL", m.RedirectURL)
	}
	for _, e := range m.DefaultEvents {
		if !manifestEvents[e] {
			return fmt.Errorf("default_events: unknown event %q", e)
		}
	}
	for p, access := range m.DefaultPermissions {
		if access != "read" && access != "write" {
			return fmt.Errorf("default_permissions.%s: %q is neither read nor write", p, access)
		}
	}
	return nil
}

func isHTTPURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// webRoutes serves the browser pages of the flow, beside the REST API.
func (s *Sim) webRoutes() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /settings/apps/new", s.newAppPage)
	mux.HandleFunc("POST /organizations/{org}/settings/apps/new", s.newAppPage)
	mux.HandleFunc("POST /settings/apps/new/confirm", s.confirmNewApp)
	mux.HandleFunc("GET /login/oauth/authorize", s.authorize)
	mux.HandleFunc("POST /login/oauth/access_token", s.accessToken)
	mux.HandleFunc("GET /_codeload/{owner}/{repo}/legacy.tar.gz/{sha}", s.codeload)
	return mux
}

var confirmPage = template.Must(template.New("confirm").Parse(`<!DOCTYPE html>
<html><head><title>Create GitHub App</title></head><body>
<h1>Create GitHub App {{.Manifest.Name}}{{if .Org}} for {{.Org}}{{end}}</h1>
<ul>{{range $p, $a := .Manifest.DefaultPermissions}}<li>{{$p}}: {{$a}}</li>{{end}}</ul>
<ul>{{range .Manifest.DefaultEvents}}<li>{{.}}</li>{{end}}</ul>
<form method="post" action="/settings/apps/new/confirm">
<input type="hidden" name="manifest" value="{{.Raw}}">
<input type="hidden" name="state" value="{{.State}}">
<input type="hidden" name="org" value="{{.Org}}">
<button type="submit">Create GitHub App for {{if .Org}}{{.Org}}{{else}}your account{{end}}</button>
</form></body></html>
`))

// newAppPage answers the registration form with the confirmation page.
func (s *Sim) newAppPage(w http.ResponseWriter, r *http.Request) {
	raw := r.PostFormValue("manifest")
	var m appManifest
	if err := json.Unmarshal([]byte(raw), &m); err != nil {
		http.Error(w, "Invalid GitHub App configuration: the manifest is not JSON: "+err.Error(), http.StatusUnprocessableEntity)
		return
	}
	if err := m.check(); err != nil {
		http.Error(w, "Invalid GitHub App configuration: "+err.Error(), http.StatusUnprocessableEntity)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	data := struct {
		Manifest        appManifest
		Raw, State, Org string
	}{m, raw, r.URL.Query().Get("state"), r.PathValue("org")}
	if err := confirmPage.Execute(w, data); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
	}
}

// confirmNewApp is the user's confirmation: it issues the one-time code and
// sends the browser back to the manifest's redirect_url.
func (s *Sim) confirmNewApp(w http.ResponseWriter, r *http.Request) {
	var m appManifest
	if err := json.Unmarshal([]byte(r.PostFormValue("manifest")), &m); err != nil || m.check() != nil {
		http.Error(w, "Invalid GitHub App configuration", http.StatusUnprocessableEntity)
		return
	}
	code := randomHex(10)
	s.mu.Lock()
	if s.manifestCodes == nil {
		s.manifestCodes = map[string]pendingManifest{}
	}
	s.manifestCodes[code] = pendingManifest{manifest: m, org: r.PostFormValue("org")}
	s.mu.Unlock()
	to, _ := url.Parse(m.RedirectURL) // checked by m.check
	q := to.Query()
	q.Set("code", code)
	if state := r.PostFormValue("state"); state != "" {
		q.Set("state", state)
	}
	to.RawQuery = q.Encode()
	http.Redirect(w, r, to.String(), http.StatusFound)
}

// createFromManifest is POST /app-manifests/{code}/conversions: each code
// converts once.
func (s *Sim) createFromManifest(c *call) reply {
	p, ok := s.manifestCodes[c.param("code")]
	if !ok {
		return notFound()
	}
	delete(s.manifestCodes, c.param("code"))
	m := p.manifest
	app := s.appJSON()
	if p.org != "" {
		app["owner"] = s.userJSON(s.addUserLocked(p.org, "Organization"))
	}
	slug := strings.ToLower(strings.NewReplacer(" ", "-", ".", "-", "_", "-").Replace(m.Name))
	perms := obj{"metadata": "read"}
	for k, v := range m.DefaultPermissions {
		perms[k] = v
	}
	secret := s.opts.WebhookSecret
	if secret == "" {
		secret = randomHex(20)
	}
	app["slug"], app["name"], app["description"], app["external_url"] = slug, m.Name, m.Description, m.URL
	app["html_url"] = s.webURL() + "/apps/" + slug
	app["permissions"], app["events"] = perms, append([]string{}, m.DefaultEvents...)
	app["client_id"], app["client_secret"] = "Iv1."+randomHex(8), randomHex(20)
	app["webhook_secret"], app["pem"] = secret, string(s.AppKeyPEM())
	return created(app)
}
