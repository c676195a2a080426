package main

import (
	"bytes"
	"encoding/json"
	"io/fs"
	"os"
	"strings"
	"testing"

	"github.com/stagehand-gitops/stagehand/internal/chartexec"
)

// TestServe answers requests made from testdata/mixed-repo's chart: one
// that renders, one whose values break a template at its line, one whose
// chart names a dependency that is not vendored (not rendered), and one
// that is no request.
func TestServe(t *testing.T) {
	seed := os.DirFS("../../testdata/mixed-repo")
	files := map[string][]byte{}
	if err := fs.WalkDir(seed, "apps/payment-service", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		files[p], err = fs.ReadFile(seed, p)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	with := func(name, data string) map[string][]byte {
		m := map[string][]byte{name: []byte(data)}
		for k, v := range files {
			if k != name {
				m[k] = v
			}
		}
		return m
	}
	chart := string(files["apps/payment-service/Chart.yaml"])
	for _, tc := range []struct {
		name  string
		files map[string][]byte
		want  chartexec.Response
	}{
		{"renders", files, chartexec.Response{Manifests: 2}},
		{"values break a template", with("apps/payment-service/values-dev.yaml", "image:\n  tag: \"\"\n"),
			chartexec.Response{Error: &chartexec.Fault{File: "apps/payment-service/templates/deployment.yaml", Line: 23}}},
		{"dependency not vendored", with("apps/payment-service/Chart.yaml", chart+"dependencies:\n  - name: redis\n    version: 1.0.0\n    repository: https://charts.example.com\n"),
			chartexec.Response{Error: &chartexec.Fault{NotRendered: true}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body, _ := json.Marshal(chartexec.Request{Chart: "apps/payment-service", Values: "apps/payment-service/values-dev.yaml", Files: tc.files})
			got, err := serve(bytes.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			if got.Manifests != tc.want.Manifests || (got.Error == nil) != (tc.want.Error == nil) {
				t.Fatalf("got %+v %+v, want %+v", got, got.Error, tc.want)
			}
			if w := tc.want.Error; w != nil && (got.Error.File != w.File || got.Error.Line != w.Line || got.Error.NotRendered != w.NotRendered || got.Error.Message == "") {
				t.Errorf("error %+v, want %+v with a message", got.Error, w)
			}
		})
	}
	if _, err := serve(strings.NewReader(`{"chart":"../x"}`)); err == nil || !strings.Contains(err.Error(), "not a clean relative path") {
		t.Errorf("bad request: %v", err)
	}
}
