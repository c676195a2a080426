package githubsim

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// authKind says which credentials an operation accepts.
type authKind int

const (
	authRepo         authKind = iota // a user or installation token, checked against the repository
	authApp                          // the App's JWT
	authInstallation                 // an installation token
	authAny                          // any valid token
	authNone                         // no credentials needed
)

// route is one served operation.
type route struct {
	method  string
	pattern string
	op      string // GitHub's operationId
	write   bool
	auth    authKind
	need    Permission // for authRepo routes
	h       func(*call) reply
}

// call is one request being served.
type call struct {
	s    *Sim
	r    *http.Request
	body []byte
	who  principal
	repo *repo
	now  time.Time
}

// reply is what a handler answers.
type reply struct {
	status int
	body   any
	header http.Header
}

func ok(v any) reply      { return reply{status: http.StatusOK, body: v} }
func created(v any) reply { return reply{status: http.StatusCreated, body: v} }
func noContent() reply    { return reply{status: http.StatusNoContent} }

const docsURL = "https://docs.github.com/rest"

func apiError(status int, msg string) reply {
	return reply{status: status, body: map[string]any{
		"message": msg, "documentation_url": docsURL, "status": strconv.Itoa(status),
	}}
}

func notFound() reply { return apiError(http.StatusNotFound, "Not Found") }

// validationFailed is GitHub's 422 answer for a malformed or rejected request.
func validationFailed(msg string) reply { return apiError(http.StatusUnprocessableEntity, msg) }

func (c *call) param(name string) string { return c.r.PathValue(name) }

func (c *call) query(name string) string { return c.r.URL.Query().Get(name) }

// decode reads the JSON request body into v; an empty body leaves v unchanged.
func (c *call) decode(v any) error {
	if len(bytes.TrimSpace(c.body)) == 0 {
		return nil
	}
	if err := json.Unmarshal(c.body, v); err != nil {
		return fmt.Errorf("Problems parsing JSON")
	}
	return nil
}

// routes builds the HTTP handler from the route table.
func (s *Sim) routes() http.Handler {
	mux := &router{}
	for _, rt := range s.table() {
		rt := rt
		mux.handle(rt.method, rt.pattern, func(w http.ResponseWriter, r *http.Request) { s.serve(rt, w, r) })
	}
	web := s.webRoutes()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, pattern := web.Handler(r); pattern != "" {
			web.ServeHTTP(w, r) // binds the pattern's path values
			return
		}
		if rest, ok := strings.CutPrefix(r.URL.Path, "/api/v3"); ok {
			r2 := r.Clone(r.Context())
			r2.URL.Path = rest
			r2.URL.RawPath = strings.TrimPrefix(r.URL.RawPath, "/api/v3")
			r = r2
		}
		mux.ServeHTTP(w, escapeCommitRef(r))
	})
}

func writeJSON(w http.ResponseWriter, rep reply, data []byte) {
	for k, vs := range rep.header {
		w.Header()[k] = vs
	}
	if data == nil && rep.body != nil {
		data, _ = json.Marshal(rep.body)
	}
	if len(data) > 0 && w.Header().Get("Content-Type") == "" {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
	}
	w.WriteHeader(rep.status)
	_, _ = w.Write(data)
}

// serve runs one operation: accounting, faults, authentication, rate limits, the handler,
// conditional GETs and contract validation.
func (s *Sim) serve(rt route, w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 64<<20))
	s.calls.count(rt.op, rt.write)
	s.active.touch()
	defer s.active.touch()
	if hook := s.requestHook(); hook != nil {
		hook(rt.op, r)
	}
	if rep, injected := s.injectFault(rt, r); injected {
		s.calls.logged(rt.op, rep.status)
		writeJSON(w, rep, nil)
		return
	}
	c := &call{s: s, r: r, body: body, now: s.now()}
	rep, rateKey := s.authenticateAndRun(rt, c)
	data, _ := marshalBody(rep.body)
	if rep.header == nil {
		rep.header = http.Header{}
	}
	rep.header.Set("X-GitHub-Request-Id", strings.ToUpper(randomHex(8)))
	rep.header.Set("X-GitHub-Media-Type", "github.v3; format=json")
	rep.header.Set("X-GitHub-Api-Version-Selected", "2022-11-28")
	if len(data) > 0 && rep.header.Get("Content-Type") == "" {
		rep.header.Set("Content-Type", "application/json; charset=utf-8")
	}
	notModified := false
	if r.Method == http.MethodGet && rep.status == http.StatusOK {
		sum := sha256.Sum256(data)
		etag := `"` + hex.EncodeToString(sum[:]) + `"`
		rep.header.Set("ETag", etag)
		rep.header.Set("Last-Modified", c.now.Format(http.TimeFormat))
		rep.header.Set("Cache-Control", "private, max-age=60, s-maxage=60")
		rep.header.Set("Vary", "Accept, Authorization, Cookie, X-GitHub-OTP")
		if inm := r.Header.Get("If-None-Match"); inm != "" && etagMatch(inm, etag) {
			notModified = true
		}
	}
	if rateKey != "" {
		s.rateHeaders(rateKey, rep.header, !notModified && rep.status != http.StatusForbidden)
	}
	if notModified {
		s.calls.notModified()
		s.calls.logged(rt.op, http.StatusNotModified)
		writeJSON(w, reply{status: http.StatusNotModified, header: rep.header}, []byte{})
		return
	}
	s.calls.logged(rt.op, rep.status)
	s.validate(r, body, rep.status, rep.header, data)
	writeJSON(w, rep, data)
}

func marshalBody(v any) ([]byte, error) {
	if v == nil {
		return nil, nil
	}
	if raw, ok := v.([]byte); ok {
		return raw, nil
	}
	return json.Marshal(v)
}

func etagMatch(header, etag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == etag || t == "*" {
			return true
		}
	}
	return false
}

// authenticateAndRun resolves the caller, enforces the primary rate limit and access,
// then runs the handler under the simulator's lock.
func (s *Sim) authenticateAndRun(rt route, c *call) (reply, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	who, rep, failed := s.authenticate(c.r, rt.auth)
	if failed {
		return rep, ""
	}
	c.who = who
	rateKey := who.rateKey()
	if rep, limited := s.checkPrimaryLimit(rateKey, who); limited {
		return rep, rateKey
	}
	if rt.auth == authRepo {
		r, err := s.repoLocked(c.param("owner") + "/" + c.param("repo"))
		if err != nil {
			return notFound(), rateKey
		}
		perm := s.permissionOf(who, r)
		if perm == PermNone {
			return notFound(), rateKey
		}
		if perm.rank() < rt.need.rank() {
			return forbidden(who, rt.need), rateKey
		}
		c.repo = r
	}
	return rt.h(c), rateKey
}

func forbidden(who principal, need Permission) reply {
	if who.kind == kindInstallation {
		return apiError(http.StatusForbidden, "Resource not accessible by integration")
	}
	if need == PermAdmin {
		return apiError(http.StatusForbidden, "Must have admin rights to Repository.")
	}
	return apiError(http.StatusForbidden, "Resource not accessible by personal access token")
}

// validate checks one exchange against the contract, if a validator is configured.
func (s *Sim) validate(r *http.Request, reqBody []byte, status int, h http.Header, respBody []byte) {
	if s.opts.Validator == nil {
		return
	}
	if err := s.opts.Validator.Validate(r, reqBody, status, h, respBody); err != nil {
		s.recordViolation(fmt.Sprintf("%s %s → %d: %v", r.Method, r.URL.Path, status, err))
	}
}

// commitRefPath matches /repos/{o}/{r}/commits/{ref}[/suffix] where ref may hold slashes.
var commitRefPath = regexp.MustCompile(`^(/repos/[^/]+/[^/]+/commits/)(.+?)(/check-runs|/check-suites|/status|/statuses|/pulls)?$`)

// escapeCommitRef encodes slashes inside a branch name under /commits/ so the router sees one segment.
func escapeCommitRef(r *http.Request) *http.Request {
	m := commitRefPath.FindStringSubmatch(r.URL.Path)
	if m == nil || !strings.Contains(m[2], "/") {
		return r
	}
	r2 := r.Clone(r.Context())
	r2.URL.RawPath = m[1] + strings.ReplaceAll(m[2], "/", "%2F") + m[3]
	return r2
}
