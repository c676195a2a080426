package forge

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
)

// metricsTransport counts every request that reaches GitHub (each retry and
// each 304 revalidation included) and records the remaining rate limit.
type metricsTransport struct {
	next      http.RoundTripper
	requests  *prometheus.CounterVec
	remaining *prometheus.GaugeVec
}

func newMetricsTransport(next http.RoundTripper, reg prometheus.Registerer) (*metricsTransport, error) {
	requests := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "stagehand_github_requests_total",
		Help: "Requests sent to the GitHub API, by operation (method and path template) and HTTP status code.",
	}, []string{"operation", "code"})
	remaining := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "stagehand_github_rate_limit_remaining",
		Help: "Requests left in the current GitHub rate-limit window, as last reported, by resource.",
	}, []string{"resource"})
	var err error
	if requests, err = register(reg, requests); err != nil {
		return nil, err
	}
	if remaining, err = register(reg, remaining); err != nil {
		return nil, err
	}
	return &metricsTransport{next: next, requests: requests, remaining: remaining}, nil
}

// register registers c, or returns the collector already registered under
// the same description, so several client stacks can share one registry.
func register[C prometheus.Collector](reg prometheus.Registerer, c C) (C, error) {
	err := reg.Register(c)
	var are prometheus.AlreadyRegisteredError
	if errors.As(err, &are) {
		if existing, ok := are.ExistingCollector.(C); ok {
			return existing, nil
		}
	}
	return c, err
}

// RoundTrip implements http.RoundTripper.
func (m *metricsTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := m.next.RoundTrip(req)
	code := "error"
	if err == nil {
		code = strconv.Itoa(resp.StatusCode)
		if v, perr := strconv.ParseFloat(resp.Header.Get("X-RateLimit-Remaining"), 64); perr == nil {
			resource := resp.Header.Get("X-RateLimit-Resource")
			if resource == "" {
				resource = "core"
			}
			m.remaining.WithLabelValues(resource).Set(v)
		}
	}
	m.requests.WithLabelValues(Operation(req), code).Inc()
	return resp, err
}

// operationPatterns are the operation names: the method and GitHub's path template.
var operationPatterns = []string{
	"GET /repos/{owner}/{repo}",
	"GET /repos/{owner}/{repo}/git/ref/{ref...}",
	"GET /repos/{owner}/{repo}/git/matching-refs/{ref...}",
	"POST /repos/{owner}/{repo}/git/refs",
	"PATCH /repos/{owner}/{repo}/git/refs/{ref...}",
	"DELETE /repos/{owner}/{repo}/git/refs/{ref...}",
	"GET /repos/{owner}/{repo}/git/trees/{sha}",
	"POST /repos/{owner}/{repo}/git/trees",
	"GET /repos/{owner}/{repo}/git/blobs/{sha}",
	"POST /repos/{owner}/{repo}/git/blobs",
	"GET /repos/{owner}/{repo}/git/commits/{sha}",
	"POST /repos/{owner}/{repo}/git/commits",
	"GET /repos/{owner}/{repo}/contents/{path...}",
	"PUT /repos/{owner}/{repo}/contents/{path...}",
	"GET /repos/{owner}/{repo}/compare/{basehead...}",
	"GET /repos/{owner}/{repo}/commits",
	"GET /repos/{owner}/{repo}/commits/{ref}",
	"GET /repos/{owner}/{repo}/commits/{ref}/check-runs",
	"GET /repos/{owner}/{repo}/commits/{ref}/check-suites",
	"GET /repos/{owner}/{repo}/commits/{ref}/statuses",
	"POST /repos/{owner}/{repo}/statuses/{sha}",
	"GET /repos/{owner}/{repo}/branches/{branch}/protection",
	"GET /repos/{owner}/{repo}/deployments",
	"GET /repos/{owner}/{repo}/deployments/{id}/statuses",
	"GET /repos/{owner}/{repo}/commits/{ref}/status",
	"GET /repos/{owner}/{repo}/pulls",
	"POST /repos/{owner}/{repo}/pulls",
	"GET /repos/{owner}/{repo}/pulls/{number}",
	"PATCH /repos/{owner}/{repo}/pulls/{number}",
	"GET /repos/{owner}/{repo}/pulls/{number}/files",
	"PUT /repos/{owner}/{repo}/pulls/{number}/merge",
	"GET /repos/{owner}/{repo}/pulls/{number}/reviews",
	"POST /repos/{owner}/{repo}/pulls/{number}/reviews",
	"POST /repos/{owner}/{repo}/check-runs",
	"GET /repos/{owner}/{repo}/check-runs/{id}",
	"GET /repos/{owner}/{repo}/check-runs/{id}/annotations",
	"PATCH /repos/{owner}/{repo}/check-runs/{id}",
	"GET /repos/{owner}/{repo}/issues/{number}/comments",
	"POST /repos/{owner}/{repo}/issues/{number}/comments",
	"PATCH /repos/{owner}/{repo}/issues/comments/{id}",
	"GET /repos/{owner}/{repo}/issues/comments/{id}/reactions",
	"POST /repos/{owner}/{repo}/issues/comments/{id}/reactions",
	"GET /repos/{owner}/{repo}/issues/{number}/labels",
	"POST /repos/{owner}/{repo}/issues/{number}/labels",
	"DELETE /repos/{owner}/{repo}/issues/{number}/labels/{name}",
	"GET /repos/{owner}/{repo}/collaborators/{user}/permission",
	"GET /orgs/{org}/teams/{team}/memberships/{user}",
	"GET /app/hook/deliveries",
	"POST /app/hook/deliveries/{id}/attempts",
	"POST /app/installations/{id}/access_tokens",
	"GET /app/installations",
	"GET /app",
	"GET /rate_limit",
	"GET /installation/repositories",
}

// operations maps requests to low-cardinality operation names, one of
// operationPatterns. Anything else is "<METHOD> other". It is built at first
// use, so commands that never call GitHub do not pay for it.
var operations = sync.OnceValue(func() *http.ServeMux {
	mux := http.NewServeMux()
	for _, p := range operationPatterns {
		mux.Handle(p, http.NotFoundHandler())
	}
	return mux
})

// Operation names the GitHub operation req performs, such as
// "GET /repos/{owner}/{repo}/git/ref/{ref...}", for metrics and logs.
// The set of names is fixed, so it is safe as a metric label.
func Operation(req *http.Request) string {
	u := *req.URL
	u.Path = strings.TrimPrefix(u.Path, "/api/v3")
	u.RawPath = ""
	probe := &http.Request{Method: req.Method, URL: &u, Host: req.Host}
	if probe.Method == http.MethodHead {
		probe.Method = http.MethodGet
	}
	_, pattern := operations().Handler(probe)
	if pattern == "" {
		return req.Method + " other"
	}
	return pattern
}
