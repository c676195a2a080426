package contract

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

func TestMiddleware(t *testing.T) {
	v, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	ref := encode(t, fixture(t, "git-ref"))
	tests := []struct {
		name     string
		method   string
		path     string
		body     string
		handler  http.HandlerFunc
		wantBody string   // what the client receives
		wantErrs []string // substrings of the reported violations
	}{
		{
			name: "valid exchange", method: "POST", path: "/api/v3/repos/o/r/git/refs",
			body: `{"ref":"refs/heads/x","sha":"aa218f56b14c9653891f9e74264a383fa43fefbd"}`,
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusCreated)
				_, _ = io.WriteString(w, ref)
			},
			wantBody: ref,
		},
		{
			name: "handler reads the body", method: "PATCH", path: "/api/v3/repos/o/r/git/refs/heads/main",
			body: `{"sha":"aa218f56b14c9653891f9e74264a383fa43fefbd","force":"no"}`,
			handler: func(w http.ResponseWriter, r *http.Request) {
				got, _ := io.ReadAll(r.Body)
				_, _ = w.Write(got) // echoes the request: an invalid git-ref
			},
			wantBody: `{"sha":"aa218f56b14c9653891f9e74264a383fa43fefbd","force":"no"}`,
			wantErrs: []string{"request body /force: value must be a boolean", `response body /node_id: property "node_id" is missing`},
		},
		{
			name: "no content", method: "DELETE", path: "/api/v3/repos/o/r/git/refs/heads/x",
			handler: func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) },
		},
		{
			name: "unknown operation", method: "GET", path: "/api/v3/repos/o/r/actions/runs",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				_, _ = io.WriteString(w, `{}`)
			},
			wantBody: `{}`,
			wantErrs: []string{"operation not in contract"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var mu sync.Mutex
			var reported []error
			report := func(err error) {
				mu.Lock()
				defer mu.Unlock()
				reported = append(reported, err)
			}
			srv := httptest.NewServer(Middleware(v.WithPrefix("/api/v3"), report)(tt.handler))
			defer srv.Close()
			req, err := http.NewRequest(tt.method, srv.URL+tt.path, strings.NewReader(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			resp, err := srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			got, _ := io.ReadAll(resp.Body)
			_ = resp.Body.Close()
			if string(got) != tt.wantBody {
				t.Errorf("client got %q, want %q", got, tt.wantBody)
			}
			srv.Close() // waits for the handler, and so for the report
			mu.Lock()
			defer mu.Unlock()
			joined := errors.Join(reported...)
			if len(tt.wantErrs) == 0 {
				if joined != nil {
					t.Fatalf("reported:\n%v", joined)
				}
				return
			}
			if joined == nil {
				t.Fatalf("nothing reported, want %q", tt.wantErrs)
			}
			for _, want := range tt.wantErrs {
				if !strings.Contains(joined.Error(), want) {
					t.Errorf("report lacks %q:\n%v", want, joined)
				}
			}
		})
	}
}
