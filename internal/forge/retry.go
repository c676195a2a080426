package forge

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"sync"
	"time"

	"github.com/cenkalti/backoff/v5"
	"github.com/gofri/go-github-ratelimit/v2/github_ratelimit/github_secondary_ratelimit"
	lru "github.com/hashicorp/golang-lru/v2"
)

// Sleeper waits for d or until ctx ends. Tests inject one that does not wait.
type Sleeper func(ctx context.Context, d time.Duration) error

// SleepContext is the real Sleeper.
func SleepContext(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// retryTransport retries what GitHub asks to be retried: secondary rate limits
// after Retry-After (detected by go-github-ratelimit below it), an exhausted
// primary limit after X-RateLimit-Reset, 5xx answers with exponential backoff,
// and a 404 for a git object or ref this client has just created (GitHub's
// replicas can lag behind the write). Every wait goes through sleep and is bounded.
type retryTransport struct {
	next     http.RoundTripper
	sleep    Sleeper
	now      func() time.Time
	maxWait  time.Duration // longest single rate-limit wait honoured
	attempts int           // total tries per request for 5xx and fresh 404s
	created  *lru.Cache[string, time.Time]
}

// freshWindow is how long after creating an object a 404 for it is treated as lag.
const freshWindow = time.Minute

// rateLimitTries bounds how many rate-limit waits one request may take.
const rateLimitTries = 3

type hintKey struct{}

// secondaryHint carries the wait that go-github-ratelimit computed for a
// secondary rate limit up to retryTransport, which does the (injectable) sleeping.
type secondaryHint struct{ wait time.Duration }

// secondaryDetector wraps next in go-github-ratelimit's secondary limiter,
// configured never to sleep itself: it only detects the limit, parses
// Retry-After or X-RateLimit-Reset, and reports the wait through the hint.
func secondaryDetector(next http.RoundTripper) http.RoundTripper {
	report := func(cc *github_secondary_ratelimit.CallbackContext) {
		if h, ok := cc.Request.Context().Value(hintKey{}).(*secondaryHint); ok && cc.ResetTime != nil {
			h.wait = time.Until(*cc.ResetTime).Round(time.Second)
		}
	}
	return github_secondary_ratelimit.New(next, github_secondary_ratelimit.WithSingleSleepLimit(0, report))
}

func newRetryTransport(next http.RoundTripper, sleep Sleeper, now func() time.Time, maxWait time.Duration, attempts int) *retryTransport {
	created, err := lru.New[string, time.Time](4096)
	if err != nil {
		panic(err) // only for a non-positive size
	}
	return &retryTransport{next: next, sleep: sleep, now: now, maxWait: maxWait, attempts: attempts, created: created}
}

// RoundTrip implements http.RoundTripper.
func (t *retryTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	hint := &secondaryHint{}
	ctx := context.WithValue(req.Context(), hintKey{}, hint)
	bo := backoff.NewExponentialBackOff()
	bo.InitialInterval = 500 * time.Millisecond
	bo.MaxInterval = 10 * time.Second
	var limitWaits, tries int
	for {
		tries++
		try := req.WithContext(ctx)
		if tries > 1 {
			var err error
			if try, err = rewind(try); err != nil {
				return nil, err
			}
		}
		hint.wait = 0
		resp, err := t.next.RoundTrip(try)
		wait, again := t.decide(req, resp, err, hint)
		switch {
		case !again:
			if err == nil {
				t.remember(req, resp)
			}
			return resp, err
		case wait == 0: // a server or network error: exponential backoff
			if tries >= t.attempts || ctx.Err() != nil {
				return resp, err
			}
			wait = bo.NextBackOff()
		default: // a rate limit with a known wait
			limitWaits++
			if limitWaits > rateLimitTries || wait > t.maxWait {
				return resp, err
			}
		}
		if resp != nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
		if err := t.sleep(req.Context(), wait); err != nil {
			return nil, err
		}
	}
}

// rewind returns req with a fresh copy of its body, so it can be sent again.
func rewind(req *http.Request) (*http.Request, error) {
	if req.Body == nil || req.GetBody == nil {
		return req, nil
	}
	body, err := req.GetBody()
	if err != nil {
		return nil, err
	}
	r := req.Clone(req.Context())
	r.Body = body
	return r, nil
}

// decide says whether to retry, and after how long (0: use the backoff).
func (t *retryTransport) decide(req *http.Request, resp *http.Response, err error, hint *secondaryHint) (time.Duration, bool) {
	if err != nil {
		return 0, retryableMethod(req) && req.Context().Err() == nil
	}
	switch {
	case hint.wait != 0:
		return max(hint.wait, time.Second), true
	case (resp.StatusCode == http.StatusForbidden || resp.StatusCode == http.StatusTooManyRequests) &&
		resp.Header.Get("X-RateLimit-Remaining") == "0":
		reset, perr := strconv.ParseInt(resp.Header.Get("X-RateLimit-Reset"), 10, 64)
		if perr != nil {
			return 0, false
		}
		// One second of slack: the reset is given in whole seconds.
		return max(time.Unix(reset, 0).Sub(t.now())+time.Second, time.Second), true
	case (resp.StatusCode == http.StatusForbidden || resp.StatusCode == http.StatusTooManyRequests) && secondaryBody(resp):
		// A secondary limit without Retry-After or a reset: GitHub asks
		// for at least a minute.
		return time.Minute, true
	case resp.StatusCode >= 500 && resp.StatusCode != http.StatusNotImplemented:
		return 0, retryableMethod(req)
	case resp.StatusCode == http.StatusNotFound && req.Method == http.MethodGet:
		return 0, t.justCreated(req)
	}
	return 0, false
}

// secondaryBody reports whether the response body is GitHub's secondary
// rate-limit message, as go-github-ratelimit recognises it.
func secondaryBody(resp *http.Response) bool {
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(data))
	if err != nil {
		return false
	}
	var body github_secondary_ratelimit.SecondaryRateLimitBody
	return json.Unmarshal(data, &body) == nil && body.IsSecondaryRateLimit()
}

// retryableMethod is true for requests that are safe to send twice: every
// idempotent method, and creating git objects, which are content-addressed.
func retryableMethod(req *http.Request) bool {
	switch req.Method {
	case http.MethodGet, http.MethodHead, http.MethodPut, http.MethodPatch, http.MethodDelete:
		return true
	case http.MethodPost:
		return gitObjectPost().MatchString(req.URL.Path)
	}
	return false
}

var (
	gitObjectPost = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`/repos/[^/]+/[^/]+/git/(blobs|trees|commits)$`) })
	gitCreate     = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`/repos/([^/]+)/([^/]+)/git/(blobs|trees|commits|refs)$`)
	})
	gitRead = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`/repos/([^/]+)/([^/]+)/git/(?:blobs|trees|commits|ref|refs)/(.+)$`)
	})
)

// remember records the SHA or ref a successful create returned.
func (t *retryTransport) remember(req *http.Request, resp *http.Response) {
	if req.Method != http.MethodPost || resp.StatusCode != http.StatusCreated {
		return
	}
	m := gitCreate().FindStringSubmatch(req.URL.Path)
	if m == nil {
		return
	}
	data, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(data))
	if err != nil {
		return
	}
	var created struct {
		SHA string `json:"sha"`
		Ref string `json:"ref"`
	}
	if json.Unmarshal(data, &created) != nil {
		return
	}
	key := created.SHA
	if m[3] == "refs" {
		key = created.Ref
		if len(key) > len("refs/") {
			key = key[len("refs/"):]
		}
	}
	if key != "" {
		t.created.Add(m[1]+"/"+m[2]+"/"+key, t.now())
	}
}

// justCreated is true when req reads an object this client created moments ago.
func (t *retryTransport) justCreated(req *http.Request) bool {
	m := gitRead().FindStringSubmatch(req.URL.Path)
	if m == nil {
		return false
	}
	at, ok := t.created.Get(m[1] + "/" + m[2] + "/" + m[3])
	return ok && t.now().Sub(at) < freshWindow
}
