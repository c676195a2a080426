package contract

import (
	"errors"
	"maps"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestRoute(t *testing.T) {
	v, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		prefix  string
		method  string
		url     string
		wantID  string
		want    map[string]string // path parameters
		wantErr string
	}{
		{name: "ref with slashes", method: "GET", url: "/repos/o/r/git/ref/heads/feature/x",
			wantID: "git/get-ref", want: map[string]string{"owner": "o", "repo": "r", "ref": "heads/feature/x"}},
		{name: "update ref", method: "PATCH", url: "/repos/o/r/git/refs/heads/main",
			wantID: "git/update-ref", want: map[string]string{"owner": "o", "repo": "r", "ref": "heads/main"}},
		{name: "matching refs with a trailing slash", method: "GET", url: "/repos/o/r/git/matching-refs/heads/stagehand/",
			wantID: "git/list-matching-refs", want: map[string]string{"owner": "o", "repo": "r", "ref": "heads/stagehand/"}},
		{name: "trailing slash only on the last parameter", method: "GET", url: "/repos/o/r/commits/heads/x//status",
			wantErr: "operation not in contract"},
		{name: "matching refs prefix", method: "GET", url: "/repos/o/r/git/matching-refs/heads/stagehand",
			wantID: "git/list-matching-refs", want: map[string]string{"owner": "o", "repo": "r", "ref": "heads/stagehand"}},
		{name: "literal suffix beats a longer ref", method: "GET", url: "/repos/o/r/commits/heads/x/status",
			wantID: "repos/get-combined-status-for-ref", want: map[string]string{"owner": "o", "repo": "r", "ref": "heads/x"}},
		{name: "check runs for a ref", method: "GET", url: "/repos/o/r/commits/abc123/check-runs",
			wantID: "checks/list-for-ref", want: map[string]string{"owner": "o", "repo": "r", "ref": "abc123"}},
		{name: "commit by ref", method: "GET", url: "/repos/o/r/commits/abc123",
			wantID: "repos/get-commit", want: map[string]string{"owner": "o", "repo": "r", "ref": "abc123"}},
		{name: "basehead with slashes", method: "GET", url: "/repos/o/r/compare/main...stagehand/web/prod",
			wantID: "repos/compare-commits-with-basehead", want: map[string]string{"owner": "o", "repo": "r", "basehead": "main...stagehand/web/prod"}},
		{name: "contents path", method: "GET", url: "/repos/o/r/contents/apps/web/overlays/prod/kustomization.yaml?ref=main",
			wantID: "repos/get-content", want: map[string]string{"owner": "o", "repo": "r", "path": "apps/web/overlays/prod/kustomization.yaml"}},
		{name: "escaped slash stays in one segment", method: "DELETE", url: "/repos/o/r/issues/7/labels/stagehand%2Fhold",
			wantID: "issues/remove-label", want: map[string]string{"owner": "o", "repo": "r", "issue_number": "7", "name": "stagehand/hold"}},
		{name: "single-segment parameter takes one segment", method: "GET", url: "/repos/o/r/pulls/1/x",
			wantErr: "operation not in contract"},
		{name: "comment by id, not an issue", method: "GET", url: "/repos/o/r/issues/comments/9",
			wantID: "issues/get-comment", want: map[string]string{"owner": "o", "repo": "r", "comment_id": "9"}},
		{name: "prefix", prefix: "/api/v3/", method: "POST", url: "/api/v3/app/installations/42/access_tokens",
			wantID: "apps/create-installation-access-token", want: map[string]string{"installation_id": "42"}},
		{name: "outside the prefix", prefix: "/api/v3", method: "GET", url: "/rate_limit",
			wantErr: `not under the API prefix "/api/v3"`},
		{name: "HEAD routes as GET", method: "HEAD", url: "/repos/o/r",
			wantID: "repos/get", want: map[string]string{"owner": "o", "repo": "r"}},
		{name: "unknown operation", method: "GET", url: "/repos/o/r/actions/runs",
			wantErr: "operation not in contract"},
		{name: "method not served", method: "DELETE", url: "/repos/o/r/pulls/1",
			wantErr: "method DELETE not in contract for this path (contract has GET, PATCH)"},
		{name: "empty segment", method: "GET", url: "/repos//r",
			wantErr: "operation not in contract"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, params, err := v.WithPrefix(tt.prefix).route(httptest.NewRequest(tt.method, tt.url, nil))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want it to contain %q", err, tt.wantErr)
				}
				if !errors.Is(err, ErrNotInContract) {
					t.Errorf("error %v is not ErrNotInContract", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if r.op.ID != tt.wantID {
				t.Errorf("routed to %s, want %s", r.op.ID, tt.wantID)
			}
			if !maps.Equal(params, tt.want) {
				t.Errorf("params %v, want %v", params, tt.want)
			}
		})
	}
}

// FuzzRoute feeds arbitrary paths to the router: it must not panic, and a
// match must put the path back together from the template and parameters.
func FuzzRoute(f *testing.F) {
	for _, seed := range []string{
		"/repos/o/r/git/ref/heads/main", "/repos/o/r/commits/a/b/status", "/repos/o/r/compare/a...b/c",
		"/repos/o/r/contents/x/y/z", "/api/v3/rate_limit", "//", "/repos/o/r/issues/1/labels/a%2Fb", "/%zz",
	} {
		f.Add("GET", seed)
	}
	f.Add("DELETE", "/repos/o/r/git/refs/tags/v1")
	v, err := Load()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, method, path string) {
		pieces, err := splitPath(path)
		if err != nil {
			return
		}
		r, params, _ := find(v.routes, method, pieces)
		if r == nil {
			return
		}
		var rebuilt []string
		for _, s := range r.segs {
			if s.param == "" {
				rebuilt = append(rebuilt, s.literal)
				continue
			}
			value, ok := params[s.param]
			if !ok || value == "" || !s.multi && strings.Contains(value, "/") && !strings.Contains(path, "%") {
				t.Fatalf("%s %s: parameter %s = %q", method, path, s.param, value)
			}
			rebuilt = append(rebuilt, value)
		}
		if got, want := strings.Join(rebuilt, "/"), strings.Join(pieces, "/"); got != want {
			t.Fatalf("%s %s matched %s but rebuilds as %q, want %q", method, path, r.op.Path, got, want)
		}
	})
}
