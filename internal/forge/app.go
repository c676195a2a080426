package forge

import (
	"context"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/bradleyfalzon/ghinstallation/v2"
	"github.com/google/go-github/v62/github"

	"github.com/stagehand-gitops/stagehand/internal/redact"
)

// App authenticates Stagehand as a GitHub App: as the App itself with a
// short-lived JWT, and as each installation with an installation token that
// is minted and renewed on demand. Its methods are safe for concurrent use.
type App struct {
	id      int64
	key     *rsa.PrivateKey
	base    http.RoundTripper
	apiURL  *url.URL
	client  *github.Client
	mu      sync.Mutex
	clients map[int64]*github.Client // per installation, until it is forgotten
}

// NewApp returns the App with the given ID and private key, talking to the
// REST API at apiURL (see APIURL) through base, the HTTP stack every request
// and token exchange goes through (nil means http.DefaultTransport).
func NewApp(appID int64, key *rsa.PrivateKey, apiURL string, base http.RoundTripper) (*App, error) {
	if appID <= 0 {
		return nil, fmt.Errorf("app id %d: must be a positive number", appID)
	}
	if key == nil {
		return nil, errors.New("app private key is missing")
	}
	u, err := APIURL(apiURL)
	if err != nil {
		return nil, err
	}
	if base == nil {
		base = http.DefaultTransport
	}
	a := &App{id: appID, key: key, base: base, apiURL: u, clients: map[int64]*github.Client{}}
	a.client = a.newClient(a.appsTransport())
	return a, nil
}

// ID returns the App's ID.
func (a *App) ID() int64 { return a.id }

// APIURL returns the REST API root requests go to.
func (a *App) APIURL() *url.URL {
	u := *a.apiURL
	return &u
}

// Login returns the login the App acts under in an installation: its slug
// with "[bot]", as GitHub writes it on the App's comments and pull
// requests. It asks GET /app.
func (a *App) Login(ctx context.Context) (string, error) {
	app, _, err := a.client.Apps.Get(ctx, "")
	if err != nil {
		return "", fmt.Errorf("read the App: %w", err)
	}
	if app.GetSlug() == "" {
		return "", errors.New("read the App: GitHub gave no slug")
	}
	return app.GetSlug() + "[bot]", nil
}

// Client returns a client that authenticates as the App (JWT): for the
// /app endpoints, such as installations and webhook deliveries.
func (a *App) Client() *github.Client { return a.client }

// Installation returns the client for one installation. Clients are cached,
// so the installation token is reused until it nears expiry.
func (a *App) Installation(id int64) *github.Client {
	a.mu.Lock()
	defer a.mu.Unlock()
	if c, ok := a.clients[id]; ok {
		return c
	}
	// Each installation gets its own AppsTransport: ghinstallation writes
	// to it while refreshing a token.
	tr := ghinstallation.NewFromAppsTransport(a.appsTransport(), id)
	tr.BaseURL = strings.TrimSuffix(a.apiURL.String(), "/")
	c := a.newClient(tr)
	a.clients[id] = c
	return c
}

// Forget drops the cached client of an installation, such as one that
// was uninstalled; a later Installation call mints a new token.
func (a *App) Forget(id int64) {
	a.mu.Lock()
	defer a.mu.Unlock()
	delete(a.clients, id)
}

// Cached returns how many installation clients are cached.
func (a *App) Cached() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.clients)
}

// appsTransport signs requests with a fresh App JWT.
func (a *App) appsTransport() *ghinstallation.AppsTransport {
	tr := ghinstallation.NewAppsTransportFromPrivateKey(a.base, a.id, a.key)
	tr.BaseURL = strings.TrimSuffix(a.apiURL.String(), "/")
	return tr
}

func (a *App) newClient(rt http.RoundTripper) *github.Client {
	c := github.NewClient(&http.Client{Transport: rt})
	c.BaseURL = a.APIURL()
	c.UploadURL = uploadURL(a.apiURL)
	return c
}

// APIURL parses a GitHub REST API URL the way go-github's WithEnterpriseURLs
// reads one: https://api.github.com/ is used as it is, and a GitHub
// Enterprise Server URL gets /api/v3/ appended unless it already ends so
// (https://ghe.example.com and https://ghe.example.com/api/v3/ are the same).
func APIURL(raw string) (*url.URL, error) {
	if raw == "" {
		raw = "https://api.github.com/"
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("parse GitHub API URL %q: %w", redact.URL(raw), redact.URLError(err))
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("GitHub API URL %q: want http(s)://host/…", redact.URL(raw))
	}
	c, err := github.NewClient(nil).WithEnterpriseURLs(u.String(), u.String())
	if err != nil {
		return nil, fmt.Errorf("GitHub API URL %q: %w", redact.URL(raw), redact.URLError(err))
	}
	return c.BaseURL, nil
}

// uploadURL is the upload root that goes with an API root: GHES serves
// uploads under /api/uploads/.
func uploadURL(api *url.URL) *url.URL {
	u := *api
	if p, ok := strings.CutSuffix(u.Path, "/api/v3/"); ok {
		u.Path = p + "/api/uploads/"
	}
	return &u
}

// ParsePrivateKey reads a GitHub App private key: an RSA key in PEM, either
// PKCS#1 ("RSA PRIVATE KEY", as GitHub issues it) or PKCS#8 ("PRIVATE KEY",
// as openssl writes it by default).
func ParsePrivateKey(data []byte) (*rsa.PrivateKey, error) {
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, errors.New("parse private key: no PEM block found")
	}
	switch block.Type {
	case "RSA PRIVATE KEY":
		key, err := x509.ParsePKCS1PrivateKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("parse PKCS#1 private key: %w", err)
		}
		return key, nil
	case "PRIVATE KEY":
		key, err := x509.ParsePKCS8PrivateKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("parse PKCS#8 private key: %w", err)
		}
		rsaKey, ok := key.(*rsa.PrivateKey)
		if !ok {
			return nil, fmt.Errorf("parse private key: %T is not an RSA key; GitHub Apps sign with RSA", key)
		}
		return rsaKey, nil
	default:
		return nil, fmt.Errorf("parse private key: PEM block %q is not a private key", block.Type)
	}
}
