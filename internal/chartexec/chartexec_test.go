package chartexec

import (
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
)

func TestRequestCarriesTheChartAndValues(t *testing.T) {
	tree := fstest.MapFS{
		"apps/pay/Chart.yaml":              {Data: []byte("apiVersion: v2\nname: pay\nversion: 0.1.0\n")},
		"apps/pay/templates/a.yaml":        {Data: []byte("kind: A\n")},
		"apps/pay/values-dev.yaml":         {Data: []byte("x: 1\n")},
		"envs/prod/values.yaml":            {Data: []byte("x: 2\n")},
		"apps/other/templates/secret.yaml": {Data: []byte("not sent\n")},
	}
	for _, tc := range []struct {
		values string
		files  []string
	}{
		{"apps/pay/values-dev.yaml", []string{"apps/pay/Chart.yaml", "apps/pay/templates/a.yaml", "apps/pay/values-dev.yaml"}},
		{"envs/prod/values.yaml", []string{"apps/pay/Chart.yaml", "apps/pay/templates/a.yaml", "apps/pay/values-dev.yaml", "envs/prod/values.yaml"}},
	} {
		req, err := request(tree, "apps/pay", tc.values)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for name := range req.Files {
			got = append(got, name)
		}
		if strings.Join(slices.Sorted(slices.Values(got)), ",") != strings.Join(tc.files, ",") {
			t.Errorf("%s: files %v, want %v", tc.values, got, tc.files)
		}
		data, _ := json.Marshal(req)
		back, sub, err := DecodeRequest(data)
		if err != nil {
			t.Fatalf("decode what request made: %v", err)
		}
		if b, err := fs.ReadFile(sub, tc.values); err != nil || string(b) != string(tree[tc.values].Data) || back.Chart != "apps/pay" {
			t.Errorf("round trip: %q, %v, chart %q", b, err, back.Chart)
		}
	}
	if _, err := request(tree, "apps/pay", "apps/pay/nope.yaml"); err == nil || !strings.Contains(err.Error(), "read apps/pay/nope.yaml") {
		t.Errorf("missing values file: %v", err)
	}
}

func TestDecodeRequestRefuses(t *testing.T) {
	chart := `"c/Chart.yaml":"YQ=="`
	for _, tc := range []struct{ body, want string }{
		{`{`, "read the request"},
		{`{"chart":"c","values":"v.yaml","files":{` + chart + `,"../v.yaml":"YQ=="}}`, `file "../v.yaml" is not a clean relative path`},
		{`{"chart":"/c","values":"v.yaml","files":{` + chart + `,"v.yaml":"YQ=="}}`, `chart "/c" is not a clean relative path`},
		{`{"chart":"c","values":"v.yaml","files":{` + chart + `}}`, `the values file "v.yaml" is not among the files`},
		{`{"chart":"d","values":"v.yaml","files":{` + chart + `,"v.yaml":"YQ=="}}`, "d/Chart.yaml is not among the files"},
	} {
		if _, _, err := DecodeRequest([]byte(tc.body)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.body, err, tc.want)
		}
	}
}

func TestLocate(t *testing.T) {
	t.Setenv(Env, "")
	t.Setenv("PATH", t.TempDir())
	if _, err := Locate(""); !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "not on PATH; set --helm-renderer or "+Env) {
		t.Errorf("nowhere: %v", err)
	}
	if _, err := Locate("/no/such/stagehand-render"); !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "/no/such/stagehand-render") {
		t.Errorf("explicit, missing: %v", err)
	}
	dir := t.TempDir()
	prog := filepath.Join(dir, Program)
	if err := os.WriteFile(prog, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir)
	if got, err := Locate(""); err != nil || got != prog {
		t.Errorf("on PATH: %q, %v", got, err)
	}
	t.Setenv(Env, prog)
	t.Setenv("PATH", "")
	if got, err := Locate(""); err != nil || got != prog {
		t.Errorf("from %s: %q, %v", Env, got, err)
	}
	n, err := Renderer("", ErrNotFound)(nil, "c", "v.yaml")
	if n != 0 || !errors.Is(err, ErrNotFound) {
		t.Errorf("renderer without a program: %d, %v", n, err)
	}
}

// FuzzDecodeRequest: any bytes decode to a request whose files are all
// clean paths in the tree, or to an error; never a panic.
func FuzzDecodeRequest(f *testing.F) {
	f.Add([]byte(`{"chart":"c","values":"c/v.yaml","files":{"c/Chart.yaml":"YQ==","c/v.yaml":"YQ=="}}`))
	f.Add([]byte(`{"chart":".","values":"v.yaml","files":{"Chart.yaml":"","v.yaml":""}}`))
	f.Add([]byte(`{"files":{"../x":""}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		req, tree, err := DecodeRequest(data)
		if err != nil {
			return
		}
		for name := range req.Files {
			if !fs.ValidPath(name) {
				t.Fatalf("accepted %q", name)
			}
			if _, err := fs.Stat(tree, name); err != nil {
				t.Fatalf("%s not in the tree: %v", name, err)
			}
		}
	})
}
