package contract

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestValidateResponse(t *testing.T) {
	pull := validPull(t)
	ref := encode(t, fixture(t, "git-ref"))
	updateRef := func(name string, status int, body string, wantErrs ...string) exchange {
		return exchange{name: name, method: "PATCH", url: "/repos/o/r/git/refs/heads/main", ctype: "application/json",
			body: `{"sha":"aa218f56b14c9653891f9e74264a383fa43fefbd"}`, status: status, respBody: body, wantErrs: wantErrs}
	}
	getPull := func(name string, status int, body string, wantErrs ...string) exchange {
		return exchange{name: name, method: "GET", url: "/repos/o/r/pulls/1", status: status, respBody: body, wantErrs: wantErrs}
	}
	tests := []exchange{
		getPull("pull", 200, encode(t, pull)),
		getPull("GitHub's own pull-request example is invalid", 200, encode(t, fixture(t, "pull-request")),
			`response body /requested_teams/0/type: property "type" is missing`),
		getPull("pull without number", 200, encode(t, edit(pull, "number", remove)),
			`(pulls/get): response body /number: property "number" is missing`),
		getPull("mergeable as a string", 200, encode(t, edit(pull, "mergeable", "yes")),
			`response body /mergeable: value must be a boolean`),
		getPull("mergeable still being computed", 200, encode(t, edit(edit(pull, "mergeable", nil), "mergeable_state", "unknown"))),
		getPull("timestamp that is not RFC 3339", 200, encode(t, edit(pull, "merged_at", "2026-11-24 06:00")),
			`response body /merged_at: string doesn't match the format "date-time"`),
		getPull("documented 404", 404, `{"message":"Not Found","documentation_url":"https://docs.github.com/rest/pulls/pulls#get-a-pull-request","status":"404"}`),
		getPull("not modified", 304, ""),
		getPull("not modified with a body", 304, `{}`, `response status 304: must not have a body`),
		getPull("undocumented success status", 201, encode(t, pull), `response status 201: status not documented for this operation`),
		getPull("secondary rate limit", 403, `{"message":"You have exceeded a secondary rate limit.","documentation_url":"https://docs.github.com/rest"}`),
		getPull("undocumented error without a message", 401, `{"error":"bad credentials"}`,
			`response status 401 body (basic-error) /message: property "message" is missing`),
		getPull("server error without a body", 502, ""),
		{name: "HTML instead of JSON", method: "GET", url: "/repos/o/r/pulls/1", status: 200, rctype: "text/html", respBody: "<html></html>",
			wantErrs: []string{`response header Content-Type: response header Content-Type has unexpected value: "text/html"`}},
		{name: "JSON response without a Content-Type", method: "GET", url: "/repos/o/r/git/ref/heads/main",
			status: 200, rctype: "-", respBody: ref},
		updateRef("not a fast forward, as GitHub answers it", 422,
			`{"message":"Update is not a fast forward","documentation_url":"https://docs.github.com/rest/git/refs#update-a-reference","status":"422"}`),
		{name: "delete ref", method: "DELETE", url: "/repos/o/r/git/refs/heads/x", status: 204},
		{name: "delete ref with a body", method: "DELETE", url: "/repos/o/r/git/refs/heads/x", status: 204, respBody: `{}`,
			wantErrs: []string{"response status 204: must not have a body"}},
		{name: "undocumented no content", method: "PATCH", url: "/repos/o/r/git/refs/heads/x", ctype: "application/json",
			body: `{"sha":"aa218f56b14c9653891f9e74264a383fa43fefbd"}`, status: 204,
			wantErrs: []string{"response status 204: status not documented for this operation"}},
		{name: "HEAD has no body to check", method: "HEAD", url: "/repos/o/r/pulls/1", status: 200},
		{name: "merge refused, base moved", method: "PUT", url: "/repos/o/r/pulls/1/merge", ctype: "application/json",
			body: `{"sha":"6dcb09b5b57875f334f61aebed695e2e4193db5e"}`, status: 405,
			respBody: `{"message":"Base branch was modified. Review and try the merge again.","documentation_url":"https://docs.github.com/rest/pulls/pulls#merge-a-pull-request","status":"405"}`},
		{name: "combined status", method: "GET", url: "/repos/o/r/commits/heads/main/status", status: 200,
			respBody: encode(t, fixture(t, "combined-commit-status"))},
		{name: "contents", method: "GET", url: "/repos/o/r/contents/apps/web/kustomization.yaml?ref=main", status: 200,
			respBody: encode(t, fixture(t, "content-file"))},
		{name: "compare", method: "GET", url: "/repos/o/r/compare/main...stagehand/web/prod", status: 200,
			respBody: encode(t, fixture(t, "commit-comparison"))},
		{name: "recursive tree", method: "GET", url: "/repos/o/r/git/trees/9fb037999f264ba9a7fc6274d15fa3ae2ab98312?recursive=1", status: 200,
			respBody: encode(t, fixture(t, "git-tree"))},
		{name: "check run with a bad conclusion", method: "GET", url: "/repos/o/r/check-runs/4", status: 200,
			respBody: encode(t, edit(fixture(t, "check-run"), "conclusion", "green")),
			wantErrs: []string{"response body /conclusion: value is not one of the allowed values"}},
	}
	runExchanges(t, tests)
}

func TestErrorMessage(t *testing.T) {
	v, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	body := `{"sha":"aa218f56b14c9653891f9e74264a383fa43fefbd","force":"yes"}`
	req := httptest.NewRequest("PATCH", "/api/v3/repos/o/r/git/refs/heads/main", nil)
	err = v.WithPrefix("/api/v3").Validate(req, []byte(body), 200, http.Header{}, []byte(encode(t, fixture(t, "git-ref"))))
	want := "PATCH /api/v3/repos/o/r/git/refs/heads/main (git/update-ref): request body /force: value must be a boolean"
	if err == nil || err.Error() != want {
		t.Fatalf("error\n%v\nwant\n%s", err, want)
	}
}
