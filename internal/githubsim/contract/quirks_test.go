package contract

import "testing"

// TestQuirks covers where GitHub's description and GitHub disagree: overlapping
// oneOf alternatives, and the custom media types documented only in prose.
func TestQuirks(t *testing.T) {
	blob := "/repos/o/r/git/blobs/bf30bca55fc724714a058572ba97c5686dbbaa21"
	tests := []exchange{
		{name: "409 that matches both oneOf alternatives", method: "PUT", url: "/repos/o/r/contents/a.yaml", ctype: "application/json",
			body: `{"message":"update a","content":"YQ==","sha":"aa218f56b14c9653891f9e74264a383fa43fefbd"}`, status: 409,
			respBody: `{"message":"a.yaml does not match aa218f56b14c9653891f9e74264a383fa43fefbd","documentation_url":"https://docs.github.com/rest/repos/contents#create-or-update-file-contents","status":"409"}`},
		{name: "content that matches no alternative", method: "GET", url: "/repos/o/r/contents/a.yaml", status: 200,
			respBody: `{"type":5}`, wantErrs: []string{`response body: value of discriminator property "type" is not a string`}},
		{name: "labels as a bare array, as the prose allows", method: "POST", url: "/repos/o/r/issues/1/labels",
			ctype: "application/json", body: `["stagehand","env:dev"]`, status: 200, respBody: `[]`},
		{name: "labels as an empty bare array", method: "POST", url: "/repos/o/r/issues/1/labels",
			ctype: "application/json", body: `[]`, status: 200, respBody: `[]`,
			wantErrs: []string{`request body: doesn't match any schema from "anyOf"; 0: value must be an object; 1: minimum number of items is 1`}},
		{name: "set labels to none with a bare array", method: "PUT", url: "/repos/o/r/issues/1/labels",
			ctype: "application/json", body: `[]`, status: 200, respBody: `[]`},
		{name: "set labels to a single label", method: "PUT", url: "/repos/o/r/issues/1/labels",
			ctype: "application/json", body: `"stagehand/hold"`, status: 200, respBody: `[]`},
		{name: "labels as numbers", method: "PUT", url: "/repos/o/r/issues/1/labels",
			ctype: "application/json", body: `{"labels":[1]}`, status: 200, respBody: `[]`,
			wantErrs: []string{`request body: doesn't match any schema from "anyOf"`}},
		{name: "JSON null body, as ghinstallation sends for a token", method: "POST", url: "/app/installations/1/access_tokens",
			ctype: "application/json", body: `null`, status: 201, respBody: `{"token":"ghs_x","expires_at":"2026-11-24T06:00:00Z"}`},
		{name: "JSON null where a body is required", method: "POST", url: "/repos/o/r/git/refs",
			ctype: "application/json", body: `null`, status: 201, respBody: encode(t, fixture(t, "git-ref")),
			wantErrs: []string{`request body: value is required but missing`}},
		{name: "error body that matches no alternative", method: "PUT", url: "/repos/o/r/contents/a.yaml", ctype: "application/json",
			body: `{"message":"m","content":"YQ=="}`, status: 409, respBody: `{"message":7}`,
			wantErrs: []string{`response body: doesn't match any schema from "anyOf"; basic-error: /message value must be a string; ` +
				`repository-rule-violation-error: /message value must be a string`}},
		{name: "raw blob asked for", method: "GET", url: blob, accept: "application/vnd.github.v3.raw", status: 200,
			rctype: "application/vnd.github.raw", respBody: "kind: Kustomization\n"},
		{name: "raw blob not asked for", method: "GET", url: blob, status: 200,
			rctype: "application/vnd.github.raw", respBody: "kind: Kustomization\n",
			wantErrs: []string{"response header Content-Type: media type application/vnd.github.raw was not asked for in Accept"}},
		{name: "raw where GitHub serves none", method: "GET", url: "/repos/o/r/git/ref/heads/main", accept: "application/vnd.github.raw", status: 200,
			rctype: "application/vnd.github.raw", respBody: "x",
			wantErrs: []string{"media type application/vnd.github.raw is not one GitHub serves for this operation"}},
		{name: "raw+json is checked as JSON", method: "GET", url: blob, accept: "application/vnd.github.raw+json", status: 200,
			rctype:   "application/vnd.github.raw+json; charset=utf-8",
			respBody: `{"content":"a2luZDogS3VzdG9taXphdGlvbgo=","encoding":"base64","url":"u","sha":5,"size":20,"node_id":"n"}`,
			wantErrs: []string{"response body /sha: value must be a string"}},
		{name: "diff of a pull", method: "GET", url: "/repos/o/r/pulls/1", accept: "application/vnd.github.diff", status: 200,
			rctype: "application/vnd.github.diff; charset=utf-8", respBody: "diff --git a/a b/a\n"},
	}
	runExchanges(t, tests)
}
