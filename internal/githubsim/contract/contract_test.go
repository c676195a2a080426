package contract

import (
	"bytes"
	"context"
	"encoding/json"
	"sort"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

// TestDescriptionMatchesOperations keeps the committed description and the
// operation list in step: every listed operation is in the file with its
// operationId, and the file holds nothing else.
func TestDescriptionMatchesOperations(t *testing.T) {
	var doc struct {
		Info  struct{ Version string }
		Paths map[string]map[string]json.RawMessage
	}
	if err := json.Unmarshal(trimmedSpec, &doc); err != nil {
		t.Fatal(err)
	}
	if want := SpecPackage[strings.LastIndex(SpecPackage, "@")+1:]; doc.Info.Version != want {
		t.Errorf("description version %q, pinned package %s; run make openapi", doc.Info.Version, SpecPackage)
	}
	inFile := map[string]string{}
	for path, item := range doc.Paths {
		for method, raw := range item {
			if method == "parameters" {
				continue
			}
			var op struct{ OperationID string }
			if err := json.Unmarshal(raw, &op); err != nil {
				t.Fatalf("%s %s: %v", method, path, err)
			}
			inFile[strings.ToUpper(method)+" "+path] = op.OperationID
		}
	}
	listed := map[string]bool{}
	for _, op := range Operations {
		key := op.Method + " " + op.Path
		listed[key] = true
		id, ok := inFile[key]
		switch {
		case !ok:
			t.Errorf("%s is listed but not in the description; run make openapi", key)
		case id != op.ID:
			t.Errorf("%s: description says %s, list says %s", key, id, op.ID)
		}
	}
	var extra []string
	for key := range inFile {
		if !listed[key] {
			extra = append(extra, key)
		}
	}
	sort.Strings(extra)
	for _, key := range extra {
		t.Errorf("%s is in the description but not listed; run make openapi", key)
	}
}

// TestTrimIsStable trims the committed file again: the result must be the
// same bytes, which shows the output is deterministic and self-contained.
func TestTrimIsStable(t *testing.T) {
	again, err := Trim(trimmedSpec, Operations)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(again, trimmedSpec) {
		t.Errorf("trimming the committed description changes it (%d bytes, was %d); run make openapi", len(again), len(trimmedSpec))
	}
}

// TestDescriptionIsValid checks the trimmed file is a valid OpenAPI document
// on its own; examples are not validated, as GitHub's own are partly invalid.
func TestDescriptionIsValid(t *testing.T) {
	v, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	if err := v.doc.Validate(context.Background(), openapi3.DisableExamplesValidation()); err != nil {
		t.Fatal(err)
	}
}

const miniSpec = `{
  "openapi": "3.0.3",
  "info": {"title": "mini", "version": "1"},
  "paths": {
    "/things/{id}": {
      "get": {
        "operationId": "things/get",
        "parameters": [{"$ref": "#/components/parameters/id"}],
        "responses": {"200": {"description": "ok", "content": {"application/json": {
          "schema": {"$ref": "#/components/schemas/thing"},
          "examples": {"default": {"$ref": "#/components/examples/thing"}}}}}},
        "x-github": {"category": "things"}
      },
      "delete": {"operationId": "things/delete", "responses": {"204": {"description": "gone"}}}
    },
    "/orgs/{org}/attestations/{attestation_id}": {"get": {"operationId": "orgs/get-attestation", "responses": {}}},
    "/broken": {"get": {"operationId": "broken/get", "responses": {"200": {"$ref": "#/components/responses/missing"}}}}
  },
  "components": {
    "parameters": {"id": {"name": "id", "in": "path", "required": true, "schema": {"type": "string"}, "x-multi-segment": true}},
    "schemas": {
      "thing": {"type": "object", "properties": {"example": {"type": "string", "example": "x"}, "owner": {"$ref": "#/components/schemas/user"}}},
      "user": {"type": "object", "properties": {"login": {"type": "string"}}},
      "unused": {"type": "string"}
    },
    "examples": {"thing": {"value": {"example": "x"}}}
  }
}`

func TestTrim(t *testing.T) {
	get := Operation{"GET", "/things/{id}", "things/get"}
	tests := []struct {
		name    string
		ops     []Operation
		want    []string // substrings of the output
		notWant []string
		wantErr string
	}{
		{
			name: "keeps listed operations and referenced components",
			ops:  []Operation{get},
			want: []string{`"things/get"`, `"thing": {`, `"user": {`, `"x-multi-segment": true`,
				`"example": {` /* a property named example survives */},
			notWant: []string{`"things/delete"`, `"unused"`, `"examples"`, `"x-github"`, `"example": "x"`, `attestation`},
		},
		{name: "unknown path", ops: []Operation{{"GET", "/nope", "nope/get"}}, wantErr: "GET /nope: path not in description"},
		{name: "unknown method", ops: []Operation{{"PUT", "/things/{id}", "things/put"}}, wantErr: "method not in description"},
		{name: "renamed operation", ops: []Operation{{"GET", "/things/{id}", "things/fetch"}}, wantErr: `operationId is things/get, list says "things/fetch"`},
		{name: "listed twice", ops: []Operation{get, get}, wantErr: "listed twice"},
		{name: "dangling reference", ops: []Operation{{"GET", "/broken", "broken/get"}}, wantErr: "#/components/responses/missing: no such component"},
		{
			name:    "conflicting attestation paths are dropped",
			ops:     []Operation{{"GET", "/orgs/{org}/attestations/{attestation_id}", "orgs/get-attestation"}},
			wantErr: "path not in description",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := Trim([]byte(miniSpec), tt.ops)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want it to contain %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range tt.want {
				if !bytes.Contains(out, []byte(s)) {
					t.Errorf("output lacks %s:\n%s", s, out)
				}
			}
			for _, s := range tt.notWant {
				if bytes.Contains(out, []byte(s)) {
					t.Errorf("output has %s:\n%s", s, out)
				}
			}
			if _, err := load(out, tt.ops); err != nil {
				t.Errorf("trimmed output does not load: %v", err)
			}
		})
	}
}

// FuzzTrim trims arbitrary documents: Trim must fail cleanly or produce a
// document that trims to itself.
func FuzzTrim(f *testing.F) {
	f.Add(miniSpec)
	f.Add(`{"paths":{"/things/{id}":{"get":{"operationId":"things/get","responses":{"200":{"$ref":"#/components/responses/x~1y"}}}}},"components":{"responses":{"x/y":{"description":"d"}}}}`)
	f.Add(`{"paths":{"/things/{id}":{"get":{"operationId":"things/get","parameters":[{"$ref":"other.json#/p"}]}}}}`)
	f.Add(`[]`)
	ops := []Operation{{"GET", "/things/{id}", "things/get"}}
	f.Fuzz(func(t *testing.T, doc string) {
		out, err := Trim([]byte(doc), ops)
		if err != nil {
			return
		}
		again, err := Trim(out, ops)
		if err != nil {
			t.Fatalf("trimmed output does not trim: %v\n%s", err, out)
		}
		if !bytes.Equal(again, out) {
			t.Fatalf("trim is not stable:\n%s\nthen\n%s", out, again)
		}
	})
}
