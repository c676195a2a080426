package register

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"sync"

	"github.com/google/go-github/v62/github"
)

// The files the credentials are written to: the names serve's
// --private-key-file and --webhook-secret-file point at in the Helm chart's
// Secret, and the App ID for --app-id (github.appID in the chart).
const (
	AppIDFile         = "app-id"
	PrivateKeyFile    = "private-key.pem"
	WebhookSecretFile = "webhook-secret"
)

// FlowOptions configure a registration.
type FlowOptions struct {
	// Manifest is the App to create; its RedirectURL is set to CallbackURL.
	Manifest Manifest
	// WebURL is GitHub's browser root, such as https://github.com.
	WebURL string
	// Org, when set, registers the App for that organization instead of
	// the signed-in user.
	Org string
	// Client calls GitHub's REST API for the conversion; it needs no credentials.
	Client *github.Client
	// CallbackURL is where GitHub sends the browser back: this flow's
	// /callback, as the browser reaches it.
	CallbackURL string
	// Dir receives the credential files.
	Dir string
}

// Result is a registered App. It holds no secret.
type Result struct {
	AppID   int64
	Slug    string
	HTMLURL string
	// Files are the paths written.
	Files []string
}

// Flow serves the registration: GET / is the page with the button, GET
// /callback is where GitHub returns. It is done after one App is written.
type Flow struct {
	opts  FlowOptions
	state string
	raw   string
	once  sync.Once
	mu    sync.Mutex
	done  chan Result
	ended bool
}

// NewFlow prepares a registration with a fresh random state.
func NewFlow(o FlowOptions) (*Flow, error) {
	if o.Client == nil || o.WebURL == "" || o.CallbackURL == "" || o.Dir == "" {
		return nil, errors.New("register: Client, WebURL, CallbackURL and Dir are required")
	}
	o.Manifest.RedirectURL = o.CallbackURL
	raw, err := json.Marshal(o.Manifest)
	if err != nil {
		return nil, fmt.Errorf("encode manifest: %w", err)
	}
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return nil, fmt.Errorf("random state: %w", err)
	}
	return &Flow{opts: o, state: hex.EncodeToString(b), raw: string(raw), done: make(chan Result, 1)}, nil
}

// Done receives the Result once the App is registered and written.
func (f *Flow) Done() <-chan Result { return f.done }

// ServeHTTP implements http.Handler.
func (f *Flow) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.Method != http.MethodGet:
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	case r.URL.Path == "/":
		f.start(w)
	case r.URL.Path == "/callback":
		f.callback(w, r)
	default:
		http.NotFound(w, r)
	}
}

// The pages are parsed at first use, not at init: every command pays for
// what init does.
var startPage = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("start").Parse(`<!DOCTYPE html>
<html><head><title>Register Stagehand</title></head><body>
<h1>Register {{.Name}} as a GitHub App</h1>
<p>GitHub will show the App's permissions and events before creating it{{if .Org}} for the organization {{.Org}}{{end}}.
Its webhook goes to {{.Hook}}.</p>
<form method="post" action="{{.Action}}">
<input type="hidden" name="manifest" value="{{.Manifest}}">
<button type="submit">Create the GitHub App on GitHub</button>
</form></body></html>
`))
})

func (f *Flow) start(w http.ResponseWriter) {
	action := f.opts.WebURL + "/settings/apps/new"
	if f.opts.Org != "" {
		action = f.opts.WebURL + "/organizations/" + url.PathEscape(f.opts.Org) + "/settings/apps/new"
	}
	action += "?state=" + url.QueryEscape(f.state)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_ = startPage().Execute(w, map[string]string{
		"Name": f.opts.Manifest.Name, "Org": f.opts.Org, "Hook": f.opts.Manifest.HookAttributes.URL,
		"Action": action, "Manifest": f.raw,
	})
}

var endPage = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("end").Parse(`<!DOCTYPE html>
<html><head><title>Stagehand registered</title></head><body>
<h1>{{.Slug}} is registered (App ID {{.AppID}})</h1>
<p>Its credentials are written; this page can be closed. Install the App on your config repositories from <a href="{{.HTMLURL}}">its page on GitHub</a>.</p>
</body></html>
`))
})

// callback checks the state, trades the code for the App's credentials and
// writes them. Failures are shown, never the secrets.
func (f *Flow) callback(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if subtle.ConstantTimeCompare([]byte(q.Get("state")), []byte(f.state)) != 1 {
		http.Error(w, "this answer does not belong to this registration (state mismatch); start again from the registration page", http.StatusBadRequest)
		return
	}
	code := q.Get("code")
	if code == "" {
		http.Error(w, "GitHub sent no code", http.StatusBadRequest)
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.ended {
		http.Error(w, "the App is already registered", http.StatusConflict)
		return
	}
	cfg, _, err := f.opts.Client.Apps.CompleteAppManifest(r.Context(), code)
	if err != nil {
		http.Error(w, fmt.Sprintf("GitHub refused the code (it is valid once, for an hour): %v", err), http.StatusBadGateway)
		return
	}
	res, err := writeCredentials(f.opts.Dir, cfg)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	f.ended = true
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_ = endPage().Execute(w, res)
	_ = http.NewResponseController(w).Flush()
	f.once.Do(func() { f.done <- res })
}

// writeCredentials writes the three files, mode 0600, refusing to replace
// files already there: they may be the credentials of another App.
func writeCredentials(dir string, cfg *github.AppConfig) (Result, error) {
	if cfg.GetID() == 0 || cfg.GetPEM() == "" || cfg.GetWebhookSecret() == "" {
		return Result{}, errors.New("GitHub's answer lacks the App ID, the private key or the webhook secret")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return Result{}, fmt.Errorf("create %s: %w", dir, err)
	}
	files := []struct{ name, data string }{
		{AppIDFile, strconv.FormatInt(cfg.GetID(), 10) + "\n"},
		{PrivateKeyFile, cfg.GetPEM()},
		{WebhookSecretFile, cfg.GetWebhookSecret() + "\n"},
	}
	for _, fl := range files {
		if _, err := os.Lstat(filepath.Join(dir, fl.name)); err == nil {
			return Result{}, fmt.Errorf("%s already exists in %s; move it away or choose another --dir", fl.name, dir)
		}
	}
	res := Result{AppID: cfg.GetID(), Slug: cfg.GetSlug(), HTMLURL: cfg.GetHTMLURL()}
	for _, fl := range files {
		p := filepath.Join(dir, fl.name)
		if err := writeNew(p, fl.data); err != nil {
			return Result{}, err
		}
		res.Files = append(res.Files, p)
	}
	return res, nil
}

func writeNew(path, data string) error {
	fh, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	_, err = fh.WriteString(data)
	if cerr := fh.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
