// Package board serves the promotion board: a read-only web page and JSON
// API of apps × environments for each config repository, built from the
// facts the bot answers /status with (bot.Bot.Board). People sign in with
// GitHub (the App's OAuth user flow) and see a repository only if GitHub,
// asked with their own token, says they can read it.
package board

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/stagehand-gitops/stagehand/internal/bot"
)

// Source gives the board its facts; *bot.Bot is one.
type Source interface {
	// Repos lists the config repositories the App serves, sorted.
	Repos() []string
	// Board gathers one repository's facts.
	Board(ctx context.Context, repo string) (bot.BoardFacts, error)
	// History lists the commits that changed one app's overlays.
	History(ctx context.Context, repo, app string) ([]bot.Change, error)
}

// Config configures a Handler.
type Config struct {
	// Source gives the facts. Required.
	Source Source
	// ClientID and ClientSecret are the GitHub App's OAuth credentials.
	// Required.
	ClientID, ClientSecret string
	// Key signs the cookies; at least 32 bytes. Required.
	Key []byte
	// WebURL is GitHub's web root (https://github.com), where people sign
	// in and where links point. APIURL is its REST base URL. Required.
	WebURL, APIURL string
	// InsecureCookies drops the Secure attribute of the cookies and sends
	// GitHub back to http://: only for plain-http loopback (the sandbox).
	InsecureCookies bool
	// HTTPClient talks to GitHub for the sign-in and the access checks
	// (default http.DefaultClient).
	HTTPClient *http.Client
	// FactsTTL is how long one repository's facts are reused for every
	// person and page (default 5 s), so pages cost GitHub no calls of
	// their own.
	FactsTTL time.Duration
	// PollInterval is how often the page asks whether the board changed
	// (default 3 s).
	PollInterval time.Duration
	// Now tells the time (default time.Now).
	Now func() time.Time
}

// MinKeyLen is the shortest cookie signing key accepted.
const MinKeyLen = 32

// Handler serves the board under /board/ and its API under /api/v1/.
type Handler struct {
	cfg    Config
	sign   signer
	access *access
	mux    *http.ServeMux
	mu     sync.Mutex
	facts  map[string]cachedFacts
	// histories are the app histories by repository, kept while the
	// default branch's head stays where they were read.
	histories map[string]historiesAt
}

type cachedFacts struct {
	view View
	at   time.Time
}

// New checks cfg and returns the handler.
func New(cfg Config) (*Handler, error) {
	switch {
	case cfg.Source == nil:
		return nil, errors.New("board: no source of facts")
	case cfg.ClientID == "" || cfg.ClientSecret == "":
		return nil, errors.New("board: no OAuth client id or secret")
	case len(cfg.Key) < MinKeyLen:
		return nil, fmt.Errorf("board: the cookie signing key has %d bytes; it needs at least %d", len(cfg.Key), MinKeyLen)
	case cfg.WebURL == "":
		return nil, errors.New("board: no GitHub web URL")
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = http.DefaultClient
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.FactsTTL <= 0 {
		cfg.FactsTTL = 5 * time.Second
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = 3 * time.Second
	}
	cfg.WebURL = strings.TrimSuffix(cfg.WebURL, "/")
	a, err := newAccess(cfg.APIURL, cfg.HTTPClient, cfg.Now)
	if err != nil {
		return nil, fmt.Errorf("board: %w", err)
	}
	h := &Handler{cfg: cfg, sign: signer{key: cfg.Key}, access: a, facts: map[string]cachedFacts{}, histories: map[string]historiesAt{}}
	h.mux = http.NewServeMux()
	h.mux.HandleFunc("GET /board/{$}", h.index)
	h.mux.HandleFunc("GET /board", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/board/", http.StatusFound) })
	h.mux.HandleFunc("GET /board/login", h.login)
	h.mux.HandleFunc("GET /board/callback", h.callback)
	h.mux.HandleFunc("POST /board/logout", h.logout)
	h.mux.HandleFunc("GET /board/static/{file}", h.static)
	h.mux.HandleFunc("GET /board/{owner}/{repo}", h.repoPage)
	h.mux.HandleFunc("GET /api/v1/repos", h.apiRepos)
	h.mux.HandleFunc("GET /api/v1/repos/{owner}/{repo}/board", h.apiBoard)
	h.mux.HandleFunc("GET /board/{owner}/{repo}/apps/{app}", h.appHistory)
	h.mux.HandleFunc("GET /api/v1/repos/{owner}/{repo}/apps/{app}/history", h.appHistory)
	return h, nil
}

// csp is every response's Content-Security-Policy: nothing but the
// board's own script, style and images, no framing, forms only to itself.
const csp = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
	"form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// ServeHTTP serves a request with the board's security headers.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	hd.Set("Content-Security-Policy", csp)
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("X-Frame-Options", "DENY")
	hd.Set("Referrer-Policy", "same-origin")
	hd.Set("Cache-Control", "no-store")
	h.mux.ServeHTTP(w, r)
}

// errNoAccess is a repository the person cannot read, or that the App
// does not serve: both answer 404, so neither is told apart.
var errNoAccess = errors.New("no such repository, or you cannot read it")

// readable returns the view of owner/repo if the session's user can read
// it on GitHub and the App serves it.
func (h *Handler) readable(ctx context.Context, s session, repo string) (View, error) {
	served := false
	for _, r := range h.cfg.Source.Repos() {
		if strings.EqualFold(r, repo) {
			served, repo = true, r
		}
	}
	if !served {
		return View{}, errNoAccess
	}
	ok, err := h.access.canRead(ctx, s.Token, repo)
	if err != nil {
		return View{}, err
	}
	if !ok {
		return View{}, errNoAccess
	}
	return h.view(ctx, repo)
}

// visible lists the served repositories the user can read.
func (h *Handler) visible(ctx context.Context, s session) ([]string, error) {
	var out []string
	for _, r := range h.cfg.Source.Repos() {
		ok, err := h.access.canRead(ctx, s.Token, r)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, r)
		}
	}
	return out, nil
}

// view returns repo's view, reusing one younger than FactsTTL.
func (h *Handler) view(ctx context.Context, repo string) (View, error) {
	now := h.cfg.Now()
	h.mu.Lock()
	c, ok := h.facts[repo]
	h.mu.Unlock()
	if ok && now.Sub(c.at) < h.cfg.FactsTTL {
		return c.view, nil
	}
	f, err := h.cfg.Source.Board(ctx, repo)
	if err != nil {
		return View{}, err
	}
	v := newView(f, h.cfg.WebURL)
	h.mu.Lock()
	h.facts[repo] = cachedFacts{view: v, at: now}
	h.mu.Unlock()
	return v, nil
}
