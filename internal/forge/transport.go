package forge

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/google/go-github/v62/github"
	"github.com/gregjones/httpcache"
	"github.com/prometheus/client_golang/prometheus"
)

// TransportOptions configures the HTTP stack every GitHub client of Stagehand runs on.
type TransportOptions struct {
	// Base sends requests over the network; nil means http.DefaultTransport.
	Base http.RoundTripper
	// Cache stores responses for ETag revalidation; nil means a 32 MiB ResponseCache.
	Cache httpcache.Cache
	// Registerer receives the request and rate-limit metrics; nil records none.
	Registerer prometheus.Registerer
	// Sleep waits between retries; nil means SleepContext.
	Sleep Sleeper
	// Now tells the time for X-RateLimit-Reset; nil means time.Now.
	Now func() time.Time
	// MaxRateLimitWait is the longest rate-limit wait honoured before giving
	// up with GitHub's error; zero means two minutes.
	MaxRateLimitWait time.Duration
	// Attempts bounds the tries of one request on 5xx and just-created 404s; zero means 4.
	Attempts int
}

// NewTransport builds the base http.RoundTripper that the App's
// installation transports (and plain-token clients) wrap. From the top:
// an ETag-revalidating HTTP cache, rate-limit and error retries, secondary
// rate-limit detection, metrics, then the network.
func NewTransport(opts TransportOptions) (http.RoundTripper, error) {
	base := opts.Base
	if base == nil {
		base = http.DefaultTransport
	}
	if opts.Registerer != nil {
		m, err := newMetricsTransport(base, opts.Registerer)
		if err != nil {
			return nil, fmt.Errorf("register GitHub client metrics: %w", err)
		}
		base = m
	}
	sleep, now := opts.Sleep, opts.Now
	if sleep == nil {
		sleep = SleepContext
	}
	if now == nil {
		now = time.Now
	}
	maxWait := opts.MaxRateLimitWait
	if maxWait == 0 {
		maxWait = 2 * time.Minute
	}
	attempts := opts.Attempts
	if attempts == 0 {
		attempts = 4
	}
	rt := http.RoundTripper(newRetryTransport(secondaryDetector(base), sleep, now, maxWait, attempts))
	rt = revalidate{next: rt}
	cache := opts.Cache
	if cache == nil {
		cache = NewResponseCache(32 << 20)
	}
	return &httpcache.Transport{Transport: rt, Cache: cache, MarkCachedResponses: true}, nil
}

// revalidate makes the cache ask GitHub before reusing any stored response:
// GitHub allows 60 seconds of reuse (max-age=60), which would hide a ref that
// just moved. It also makes cached responses vary by Authorization, so one
// installation never reads another's cached answer.
type revalidate struct{ next http.RoundTripper }

// RoundTrip implements http.RoundTripper.
func (r revalidate) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := r.next.RoundTrip(req)
	if err != nil {
		return resp, err
	}
	// A 304's headers are merged into the stored response, so rewrite them too.
	resp.Header.Set("Cache-Control", "no-cache")
	if !strings.Contains(strings.ToLower(strings.Join(resp.Header.Values("Vary"), ",")), "authorization") {
		resp.Header.Add("Vary", "Authorization")
	}
	return resp, nil
}

// NewClient returns a go-github client on rt that authenticates with a plain
// token (a user token, or an installation token obtained elsewhere).
// apiURL means what it means for NewApp (see APIURL): empty is github.com,
// and a GitHub Enterprise Server URL gets /api/v3/ unless it has it.
func NewClient(apiURL, token string, rt http.RoundTripper) (*github.Client, error) {
	u, err := APIURL(apiURL)
	if err != nil {
		return nil, err
	}
	client := github.NewClient(&http.Client{Transport: rt})
	if token != "" {
		client = client.WithAuthToken(token)
	}
	client.BaseURL = u
	client.UploadURL = uploadURL(u)
	return client, nil
}
