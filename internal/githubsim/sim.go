package githubsim

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/hex"
	"errors"
	"fmt"
	mrand "math/rand"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// errNotFound marks a missing object, ref or record.
var errNotFound = errors.New("not found")

// Permission is a repository role, as the collaborator permission API names it.
type Permission string

// Permission levels, weakest first.
const (
	PermNone     Permission = "none"
	PermRead     Permission = "read"
	PermTriage   Permission = "triage"
	PermWrite    Permission = "write"
	PermMaintain Permission = "maintain"
	PermAdmin    Permission = "admin"
)

func (p Permission) rank() int {
	switch p {
	case PermRead:
		return 1
	case PermTriage:
		return 2
	case PermWrite:
		return 3
	case PermMaintain:
		return 4
	case PermAdmin:
		return 5
	}
	return 0
}

// Validator checks one request/response exchange against GitHub's API description.
// The contract package provides the implementation used by default.
type Validator interface {
	Validate(req *http.Request, reqBody []byte, status int, respHeader http.Header, respBody []byte) error
}

// Options configures a simulator. The zero value is usable.
type Options struct {
	// T, when set, receives a t.Errorf for every contract violation made while the test
	// runs, and closes the simulator when the test ends.
	T testing.TB
	// WebhookURL receives the App's webhooks; empty means deliveries are only logged.
	WebhookURL string
	// WebhookSecret signs webhooks (X-Hub-Signature-256).
	WebhookSecret string
	// AppID, AppSlug and InstallationID identify the simulated GitHub App (defaults 1, "stagehand", 1).
	AppID          int64
	AppSlug        string
	InstallationID int64
	// AppKey is the App's private key; one is generated when nil.
	AppKey *rsa.PrivateKey
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// RateLimit is the primary rate limit per token per hour (default 5000).
	RateLimit int
	// Validator checks every exchange; nil means GitHub's trimmed description from the
	// contract package. NoContract turns validation off.
	Validator  Validator
	NoContract bool
	// OnViolation, when set, is called with every contract violation not marked with
	// ExpectViolation, for users without a test (the standalone server logs them).
	OnViolation func(msg string)
	// BaseURL is the externally visible root URL used in payload links; the server's URL when empty.
	BaseURL string
	// HTTPClient sends webhooks; a client with a 10 s timeout when nil.
	HTTPClient *http.Client
}

// Sim is one simulated GitHub. All methods are safe for concurrent use.
type Sim struct {
	opts   Options
	mu     sync.Mutex
	nextID int64

	users      map[string]*user
	tokens     map[string]principal
	instTokens map[string]installationToken
	repos      map[string]*repo
	teams      map[string]map[string]string // "org/slug" → login → role
	appKey     *rsa.PrivateKey
	// manifestCodes are the App-manifest codes not yet converted.
	manifestCodes  map[string]pendingManifest
	instAt         time.Time
	faults         Faults
	exhaustedUntil time.Time
	hook           func(op string, r *http.Request)
	treeLimit      int
	rng            *mrand.Rand
	calls          callLog
	rate           map[string]*rateWindow
	hooks          *hookQueue
	errorsM        sync.Mutex
	viol           []string
	expected       []string
	testDone       bool

	active  activity
	handler http.Handler
	srv     *httptest.Server

	// archives are the archive download links handed out, by token.
	archives map[string]archiveLink
	// oauth holds the OAuth web flow's codes not yet traded.
	oauth oauthCodes
}

// user is a simulated GitHub account.
type user struct {
	id    int64
	login string
	typ   string // User or Bot
	token string
}

// New starts a simulator on a loopback httptest server.
func New(opts Options) (*Sim, error) {
	s, err := NewHandler(opts)
	if err != nil {
		return nil, err
	}
	s.srv = httptest.NewServer(s.handler)
	if opts.T != nil {
		opts.T.Cleanup(s.Close)
	}
	return s, nil
}

// NewHandler builds a simulator without starting a server; serve Handler() on any listener.
func NewHandler(opts Options) (*Sim, error) {
	if opts.AppID == 0 {
		opts.AppID = 1
	}
	if opts.AppSlug == "" {
		opts.AppSlug = "stagehand"
	}
	if opts.InstallationID == 0 {
		opts.InstallationID = 1
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.RateLimit == 0 {
		opts.RateLimit = 5000
	}
	if opts.HTTPClient == nil {
		opts.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	if opts.Validator == nil && !opts.NoContract {
		v, err := defaultValidator()
		if err != nil {
			return nil, err
		}
		opts.Validator = v
	}
	key := opts.AppKey
	if key == nil {
		var err error
		if key, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			return nil, fmt.Errorf("generate app key: %w", err)
		}
	}
	s := &Sim{
		opts:       opts,
		nextID:     1000,
		users:      map[string]*user{},
		tokens:     map[string]principal{},
		instTokens: map[string]installationToken{},
		repos:      map[string]*repo{},
		teams:      map[string]map[string]string{},
		appKey:     key,
		rng:        mrand.New(mrand.NewSource(1)),
		rate:       map[string]*rateWindow{},
		treeLimit:  100000,
	}
	s.instAt = s.now()
	s.calls.reset()
	s.addUserLocked(s.botLogin(), "Bot")
	s.hooks = newHookQueue(s)
	if opts.T != nil {
		// After the test, violations are still kept but no longer reported to it.
		opts.T.Cleanup(func() {
			s.errorsM.Lock()
			s.testDone = true
			s.errorsM.Unlock()
		})
	}
	s.handler = s.routes()
	return s, nil
}

// URL is the server's root URL (no trailing slash): the httptest server's for New, and
// Options.BaseURL for NewHandler.
func (s *Sim) URL() string {
	if s.srv == nil {
		return strings.TrimSuffix(s.opts.BaseURL, "/")
	}
	return s.srv.URL
}

// APIURL is the REST base URL in GitHub Enterprise form: URL()+"/api/v3/".
func (s *Sim) APIURL() string { return s.URL() + "/api/v3/" }

// Handler serves the simulated API.
func (s *Sim) Handler() http.Handler { return s.handler }

// Close stops the server and the webhook sender after pending deliveries are sent.
func (s *Sim) Close() {
	s.hooks.close()
	if s.srv != nil {
		s.srv.Close()
	}
}

// AppKey returns the App's private key, for ghinstallation.
func (s *Sim) AppKey() *rsa.PrivateKey { return s.appKey }

// AppID returns the simulated App's id.
func (s *Sim) AppID() int64 { return s.opts.AppID }

// InstallationID returns the id of the App's installation.
func (s *Sim) InstallationID() int64 { return s.opts.InstallationID }

func (s *Sim) now() time.Time { return s.opts.Now().UTC().Truncate(time.Second) }

func (s *Sim) newID() int64 {
	s.nextID++
	return s.nextID
}

func (s *Sim) botLogin() string { return s.opts.AppSlug + "[bot]" }

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("crypto/rand: %v", err))
	}
	return hex.EncodeToString(b)
}

// AddUser creates a user account (if new) and returns its personal access token.
func (s *Sim) AddUser(login string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addUserLocked(login, "User").token
}

func (s *Sim) addUserLocked(login, typ string) *user {
	if u, ok := s.users[strings.ToLower(login)]; ok {
		return u
	}
	u := &user{id: s.newID(), login: login, typ: typ, token: "ghp_" + randomHex(18)}
	s.users[strings.ToLower(login)] = u
	if typ == "User" {
		s.tokens[u.token] = principal{kind: kindUser, user: u}
	}
	return u
}

// Token returns the personal access token of a user created with AddUser.
func (s *Sim) Token(login string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if u, ok := s.users[strings.ToLower(login)]; ok {
		return u.token
	}
	return ""
}

// AddTeamMember puts login in the team org/slug with role "member" or "maintainer".
func (s *Sim) AddTeamMember(org, slug, login, role string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	key := strings.ToLower(org + "/" + slug)
	if s.teams[key] == nil {
		s.teams[key] = map[string]string{}
	}
	s.teams[key][strings.ToLower(login)] = role
}

// ExpectViolation marks the next contract violation whose text contains substr as
// expected: it is still recorded but does not fail the test. Tests that send a request
// GitHub would reject on purpose (e.g. 51 annotations) use it.
func (s *Sim) ExpectViolation(substr string) {
	s.errorsM.Lock()
	defer s.errorsM.Unlock()
	s.expected = append(s.expected, substr)
}

// recordViolation keeps a contract violation and reports it to the test, if any.
func (s *Sim) recordViolation(msg string) {
	s.errorsM.Lock()
	s.viol = append(s.viol, msg)
	expected := false
	for i, sub := range s.expected {
		if strings.Contains(msg, sub) {
			s.expected = append(s.expected[:i:i], s.expected[i+1:]...)
			expected = true
			break
		}
	}
	done := s.testDone
	s.errorsM.Unlock()
	if s.opts.T != nil && !expected && !done {
		s.opts.T.Errorf("githubsim contract violation: %s", msg)
	}
	if s.opts.OnViolation != nil && !expected {
		s.opts.OnViolation(msg)
	}
}

// Violations returns every contract violation seen so far.
func (s *Sim) Violations() []string {
	s.errorsM.Lock()
	defer s.errorsM.Unlock()
	return append([]string(nil), s.viol...)
}
