package forge

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"testing"
)

func TestOperation(t *testing.T) {
	tests := []struct{ method, path, want string }{
		{"GET", "/api/v3/repos/acme/config/git/ref/heads/stagehand/dev/web", "GET /repos/{owner}/{repo}/git/ref/{ref...}"},
		{"GET", "/repos/acme/config/contents/apps/web/overlays/dev/kustomization.yaml", "GET /repos/{owner}/{repo}/contents/{path...}"},
		{"PUT", "/repos/acme/config/pulls/12/merge", "PUT /repos/{owner}/{repo}/pulls/{number}/merge"},
		{"PATCH", "/repos/a/b/check-runs/99", "PATCH /repos/{owner}/{repo}/check-runs/{id}"},
		{"HEAD", "/repos/a/b", "GET /repos/{owner}/{repo}"},
		{"GET", "/gists/123", "GET other"},
		{"POST", "/repos/a/b/forks", "POST other"},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			req := &http.Request{Method: tt.method, URL: &url.URL{Path: tt.path}}
			if got := Operation(req); got != tt.want {
				t.Fatalf("Operation = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestMetrics(t *testing.T) {
	e := newEnv(t, envOptions{})
	ctx := context.Background()
	for range 2 {
		if _, err := e.forge.Propose(ctx, testRepo, promotion("v1.1.0")); err != nil {
			t.Fatal(err)
		}
	}
	families, err := e.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	requests := map[[2]string]float64{}
	remaining := -1.0
	for _, mf := range families {
		for _, m := range mf.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			switch mf.GetName() {
			case "stagehand_github_requests_total":
				requests[[2]string{labels["operation"], labels["code"]}] = m.GetCounter().GetValue()
			case "stagehand_github_rate_limit_remaining":
				if labels["resource"] == "core" {
					remaining = m.GetGauge().GetValue()
				}
			}
		}
	}
	for key, want := range map[[2]string]float64{
		{"GET /repos/{owner}/{repo}/git/ref/{ref...}", "200"}: 1,
		{"GET /repos/{owner}/{repo}/git/ref/{ref...}", "304"}: 1, // the repeat revalidated
		{"POST /repos/{owner}/{repo}/pulls", "201"}:           1,
		{"GET /repos/{owner}/{repo}/pulls", "200"}:            1,
	} {
		if requests[key] != want {
			t.Errorf("requests_total%v = %v, want %v (all: %v)", key, requests[key], want, requests)
		}
	}
	if remaining <= 0 || remaining >= 5000 {
		t.Errorf("rate_limit_remaining = %v", remaining)
	}
}

// FuzzOperation checks that any request maps to a bounded label set: a
// registered template or "<METHOD> other", whatever the path holds.
func FuzzOperation(f *testing.F) {
	for _, s := range []string{"/repos/a/b/git/ref/heads/x", "/api/v3/repos/a/b/pulls/1/merge", "/", "//repos//", "/repos/a/b/contents/%2e%2e/x", "/app/hook/deliveries/1/attempts"} {
		f.Add("GET", s)
		f.Add("POST", s)
	}
	known := map[string]bool{}
	for _, m := range []string{"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"} {
		known[m+" other"] = true
	}
	f.Fuzz(func(t *testing.T, method, path string) {
		u, err := url.Parse(path)
		if err != nil {
			return
		}
		switch method {
		case "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD":
		default:
			method = "GET"
		}
		if op := Operation(&http.Request{Method: method, URL: u}); !known[op] && !slices.Contains(operationPatterns, op) {
			t.Fatalf("Operation(%s %q) = %q, not one of the fixed names", method, path, op)
		}
	})
}
