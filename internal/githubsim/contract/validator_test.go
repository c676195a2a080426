package contract

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// fixture reads one of GitHub's own example payloads (see gen -examples).
func fixture(t testing.TB, name string) map[string]any {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "examples", name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return m
}

// validPull is GitHub's pull-request example with its one defect fixed: the
// example's requested team lacks the required "type".
func validPull(t testing.TB) map[string]any {
	p := fixture(t, "pull-request")
	p["requested_teams"] = []any{}
	return p
}

// edit returns a copy of m with key set to value, or removed when value is
// the remove marker.
func edit(m map[string]any, key string, value any) map[string]any {
	c := make(map[string]any, len(m))
	for k, v := range m {
		c[k] = v
	}
	if value == remove {
		delete(c, key)
	} else {
		c[key] = value
	}
	return c
}

var remove = &struct{}{}

func encode(t testing.TB, v any) string {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// exchange is one request and the response it got.
type exchange struct {
	name     string
	method   string
	url      string
	ctype    string // request Content-Type; empty sends none
	accept   string // request Accept; empty sends none
	body     string
	status   int
	rctype   string // response Content-Type; "-" sends none
	respBody string
	wantErrs []string // substrings, one per expected violation; none means valid
}

func runExchanges(t *testing.T, tests []exchange) {
	t.Helper()
	v, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(tt.method, tt.url, strings.NewReader(tt.body))
			if tt.ctype != "" {
				req.Header.Set("Content-Type", tt.ctype)
			}
			if tt.accept != "" {
				req.Header.Set("Accept", tt.accept)
			}
			header := http.Header{}
			switch tt.rctype {
			case "":
				header.Set("Content-Type", "application/json; charset=utf-8")
			case "-":
			default:
				header.Set("Content-Type", tt.rctype)
			}
			err := v.Validate(req, []byte(tt.body), tt.status, header, []byte(tt.respBody))
			if len(tt.wantErrs) == 0 {
				if err != nil {
					t.Fatalf("want valid, got:\n%v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("want %d violations, got none", len(tt.wantErrs))
			}
			got := strings.Split(err.Error(), "\n")
			if len(got) != len(tt.wantErrs) {
				t.Fatalf("want %d violations, got %d:\n%v", len(tt.wantErrs), len(got), err)
			}
			for i, want := range tt.wantErrs {
				if !strings.Contains(got[i], want) {
					t.Errorf("violation %d is %q, want it to contain %q", i, got[i], want)
				}
			}
			var ce *Error
			if !errors.As(err, &ce) {
				t.Errorf("%T is not a *Error", err)
			}
		})
	}
}

func TestValidateRequest(t *testing.T) {
	ref := encode(t, fixture(t, "git-ref"))
	comment := encode(t, fixture(t, "issue-comment"))
	checkRun := encode(t, fixture(t, "check-run"))
	annotations := make([]any, 51)
	for i := range annotations {
		annotations[i] = map[string]any{"path": "a.yaml", "start_line": 1, "end_line": 1, "annotation_level": "warning", "message": "m"}
	}
	merged := `{"sha":"6dcb09b5b57875f334f61aebed695e2e4193db5e","merged":true,"message":"Pull Request successfully merged"}`
	tests := []exchange{
		{name: "create ref", method: "POST", url: "/repos/o/r/git/refs", ctype: "application/json",
			body: `{"ref":"refs/heads/stagehand/web/prod","sha":"aa218f56b14c9653891f9e74264a383fa43fefbd"}`, status: 201, respBody: ref},
		{name: "create ref without sha", method: "POST", url: "/repos/o/r/git/refs", ctype: "application/json",
			body: `{"ref":"refs/heads/x"}`, status: 201, respBody: ref,
			wantErrs: []string{`(git/create-ref): request body /sha: property "sha" is missing`}},
		{name: "update ref with force as a string", method: "PATCH", url: "/repos/o/r/git/refs/heads/main", ctype: "application/json",
			body: `{"sha":"aa218f56b14c9653891f9e74264a383fa43fefbd","force":"false"}`, status: 200, respBody: ref,
			wantErrs: []string{`request body /force: value must be a boolean`}},
		{name: "update ref with a slash in the ref", method: "PATCH", url: "/repos/o/r/git/refs/heads/stagehand/web/prod", ctype: "application/json",
			body: `{"sha":"aa218f56b14c9653891f9e74264a383fa43fefbd","force":false}`, status: 200, respBody: ref},
		{name: "JSON body without a Content-Type", method: "PATCH", url: "/repos/o/r/git/refs/heads/main",
			body: `{"sha":"aa218f56b14c9653891f9e74264a383fa43fefbd"}`, status: 200, respBody: ref},
		{name: "body that is not JSON", method: "POST", url: "/repos/o/r/git/refs", ctype: "application/json",
			body: `ref=x`, status: 201, respBody: ref,
			wantErrs: []string{`request body: failed to decode request body`}},
		{name: "missing required body", method: "POST", url: "/repos/o/r/git/blobs", ctype: "application/json",
			status: 201, respBody: `{"url":"u","sha":"s"}`,
			wantErrs: []string{`(git/create-blob): request body: value is required but missing`}},
		{name: "access token without a body", method: "POST", url: "/app/installations/1/access_tokens",
			status: 201, respBody: `{"token":"ghs_x","expires_at":"2026-11-24T06:00:00Z"}`},
		{name: "query enum", method: "GET", url: "/repos/o/r/pulls?state=merged&head=o:stagehand/web/prod",
			status: 200, respBody: `[]`,
			wantErrs: []string{`request query parameter state: value is not one of the allowed values ["open","closed","all"]`}},
		{name: "query integer", method: "GET", url: "/repos/o/r/pulls?per_page=many",
			status: 200, respBody: `[]`,
			wantErrs: []string{`request query parameter per_page: value many: an invalid integer`}},
		{name: "path parameter integer", method: "GET", url: "/repos/o/r/pulls/seven",
			status: 200, respBody: encode(t, validPull(t)),
			wantErrs: []string{`request path parameter pull_number: value seven: an invalid integer`}},
		{name: "merge with a sha pin", method: "PUT", url: "/repos/o/r/pulls/1/merge", ctype: "application/json",
			body: `{"sha":"6dcb09b5b57875f334f61aebed695e2e4193db5e","merge_method":"squash"}`, status: 200, respBody: merged},
		{name: "merge with an unknown method", method: "PUT", url: "/repos/o/r/pulls/1/merge", ctype: "application/json",
			body: `{"merge_method":"fast-forward"}`, status: 200, respBody: merged,
			wantErrs: []string{`request body /merge_method: value is not one of the allowed values`}},
		{name: "comment", method: "POST", url: "/repos/o/r/issues/1/comments", ctype: "application/json",
			body: `{"body":"<!-- stagehand -->\nPromoted"}`, status: 201, respBody: comment},
		{name: "labels", method: "POST", url: "/repos/o/r/issues/1/labels", ctype: "application/json",
			body: `{"labels":["stagehand/hold"]}`, status: 200, respBody: `[]`},
		{name: "51 annotations", method: "POST", url: "/repos/o/r/check-runs", ctype: "application/json",
			body:   encode(t, map[string]any{"name": "stagehand", "head_sha": "a", "output": map[string]any{"title": "t", "summary": "s", "annotations": annotations}}),
			status: 201, respBody: checkRun,
			wantErrs: []string{`request body /output/annotations: maximum number of items is 50`}},
		{name: "body where the operation takes none", method: "POST", url: "/app/hook/deliveries/12/attempts", ctype: "application/json",
			body: `{"id":12}`, status: 202, respBody: `{}`,
			wantErrs: []string{"(apps/redeliver-webhook-delivery): request: request body not allowed for this request"}},
		{name: "unknown operation", method: "POST", url: "/repos/o/r/git/tags", ctype: "application/json",
			body: `{}`, status: 201, respBody: `{}`,
			wantErrs: []string{`POST /repos/o/r/git/tags (no operation): route: operation not in contract`}},
		{name: "several violations in a stable order", method: "PATCH", url: "/repos/o/r/git/refs/heads/main", ctype: "application/json",
			body: `{"force":1}`, status: 200, respBody: `{"ref":1}`,
			wantErrs: []string{"request body /force: value must be a boolean", `request body /sha: property "sha" is missing`,
				`response body /node_id: property "node_id" is missing`, `response body /object: property "object" is missing`,
				"response body /ref: value must be a string", `response body /url: property "url" is missing`}},
	}
	runExchanges(t, tests)
}

// TestValidateConcurrently shares one validator between goroutines, as the
// simulator's handlers do; run with -race.
func TestValidateConcurrently(t *testing.T) {
	v, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	pull := []byte(encode(t, validPull(t)))
	ref := []byte(encode(t, fixture(t, "git-ref")))
	header := http.Header{"Content-Type": {"application/json"}}
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for i := range 8 {
		wg.Go(func() {
			for range 10 {
				var err error
				if i%2 == 0 {
					err = v.Validate(httptest.NewRequest("GET", "/repos/o/r/pulls/1", nil), nil, 200, header, pull)
				} else {
					body := []byte(`{"sha":"aa218f56b14c9653891f9e74264a383fa43fefbd","force":"no"}`)
					err = v.Validate(httptest.NewRequest("PATCH", "/repos/o/r/git/refs/heads/main", nil), body, 200, header, ref)
					want := "PATCH /repos/o/r/git/refs/heads/main (git/update-ref): request body /force: value must be a boolean"
					if err != nil && err.Error() == want {
						err = nil
					} else if err == nil {
						err = errors.New("invalid force was accepted")
					}
				}
				if err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
