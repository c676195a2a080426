package registry

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// ErrRateLimited means a registry asked Stagehand to wait: errors.As gives
// the *RateLimitError.
var ErrRateLimited = errors.New("registry rate limit")

// RateLimitError is a registry's 429 (or a 503 with Retry-After) that
// asked for a longer wait than one request waits: no request goes to that
// registry before Until.
type RateLimitError struct {
	Registry string
	Status   int
	Until    time.Time
}

// Error names the registry and when it is asked again.
func (e *RateLimitError) Error() string {
	return fmt.Sprintf("%s answered %d %s: not asked again before %s", e.Registry, e.Status,
		http.StatusText(e.Status), e.Until.UTC().Format(time.RFC3339))
}

// Is makes errors.Is(err, ErrRateLimited) hold.
func (e *RateLimitError) Is(target error) bool { return target == ErrRateLimited }

// Rate-limit defaults: a Retry-After up to maxInlineWait is waited out
// inside the request, at most inlineRetries times; a longer one, or a 429
// without Retry-After, backs the whole registry off.
const (
	maxInlineWait = 10 * time.Second
	inlineRetries = 2
	// firstBackoff is the wait after a 429 without Retry-After; each
	// further one in a row doubles it, up to maxBackoff.
	firstBackoff = time.Minute
	maxBackoff   = time.Hour
)

// rateLimiter is the transport under go-containerregistry's own retry
// (which retries 408, 429 and 5xx twice, after 1 s and 3 s, whatever
// Retry-After says): it honours Retry-After, in seconds or as an HTTP
// date, and backs a registry that rate-limits off, per host, without
// sending it anything until then. go-containerregistry sees the backoff
// as an error that is not temporary, so it does not retry it either.
type rateLimiter struct {
	inner http.RoundTripper
	now   func() time.Time
	sleep func(context.Context, time.Duration) error

	mu      sync.Mutex
	until   map[string]*RateLimitError // the answer that backed each host off
	strikes map[string]int             // 429s without Retry-After in a row
}

func newRateLimiter(inner http.RoundTripper, now func() time.Time, sleep func(context.Context, time.Duration) error) *rateLimiter {
	return &rateLimiter{inner: inner, now: now, sleep: sleep, until: map[string]*RateLimitError{}, strikes: map[string]int{}}
}

func (l *rateLimiter) RoundTrip(req *http.Request) (*http.Response, error) {
	host := req.URL.Host
	for attempt := 0; ; attempt++ {
		if err := l.waiting(host); err != nil {
			return nil, err
		}
		resp, err := l.inner.RoundTrip(req)
		if err != nil || !limited(resp) {
			if err == nil && !ping(req) {
				l.clear(host)
			}
			return resp, err
		}
		wait, ok := retryAfter(resp.Header.Get("Retry-After"), l.now())
		if !ok && resp.StatusCode == http.StatusServiceUnavailable {
			return resp, nil // a plain 503: go-containerregistry's retry handles it
		}
		drain(resp)
		if ok && wait <= maxInlineWait && attempt < inlineRetries && replayable(req) {
			if err := l.sleep(req.Context(), wait); err != nil {
				return nil, err
			}
			continue
		}
		return nil, l.backOff(host, resp.StatusCode, wait, ok)
	}
}

// limited reports a rate-limit answer: 429, or 503 (which registries
// behind a proxy answer when overloaded).
func limited(resp *http.Response) bool {
	return resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable
}

// ping reports go-containerregistry's version check, which precedes every
// operation: its answer says nothing of the rate limit.
func ping(req *http.Request) bool { return strings.TrimSuffix(req.URL.Path, "/") == "/v2" }

func replayable(req *http.Request) bool { return req.Body == nil || req.GetBody != nil }

func drain(resp *http.Response) {
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	_ = resp.Body.Close()
}

// waiting returns the backoff error while host is backed off.
func (l *rateLimiter) waiting(host string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if e, ok := l.until[host]; ok && l.now().Before(e.Until) {
		return e
	}
	return nil
}

func (l *rateLimiter) clear(host string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.until, host)
	delete(l.strikes, host)
}

// backOff records that host is not asked before the wait it named, or,
// without one, before a wait that doubles with each 429 in a row.
func (l *rateLimiter) backOff(host string, status int, wait time.Duration, named bool) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !named {
		wait = min(firstBackoff<<min(l.strikes[host], 10), maxBackoff)
		l.strikes[host]++
	}
	e := &RateLimitError{Registry: host, Status: status, Until: l.now().Add(wait)}
	l.until[host] = e
	return e
}

// retryAfter parses a Retry-After header, in delay-seconds or as an HTTP
// date (RFC 9110, section 10.2.3), into a wait from now; a date in the past
// is no wait.
func retryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if s, err := strconv.ParseInt(v, 10, 64); err == nil {
		if s < 0 || s > int64(maxBackoff/time.Second)*24 {
			return 0, false
		}
		return time.Duration(s) * time.Second, true
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	return max(t.Sub(now), 0), true
}

// sleepContext waits d or until ctx ends.
func sleepContext(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
