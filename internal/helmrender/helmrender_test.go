package helmrender

import (
	"errors"
	"os"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
)

const chartDir = "apps/payment-service"

// mixed is the mixed repository's payment-service chart, with files
// replaced or added by over.
func mixed(t testing.TB, over map[string]string) fstest.MapFS {
	t.Helper()
	m := fstest.MapFS{}
	for _, f := range []string{"Chart.yaml", "values.yaml", "values-dev.yaml", "templates/deployment.yaml", "templates/service.yaml"} {
		data, err := os.ReadFile("../../testdata/mixed-repo/" + chartDir + "/" + f)
		if err != nil {
			t.Fatal(err)
		}
		m[chartDir+"/"+f] = &fstest.MapFile{Data: data}
	}
	for f, data := range over {
		m[f] = &fstest.MapFile{Data: []byte(data)}
	}
	return m
}

func TestRender(t *testing.T) {
	for _, tc := range []struct {
		name   string
		over   map[string]string
		values string
		n      int
		at     string // file:line of the *Error
		msg    string
		remote bool
	}{
		{name: "renders", values: chartDir + "/values-dev.yaml", n: 2},
		{name: "helmignore", over: map[string]string{chartDir + "/.helmignore": "broken.yaml\n", chartDir + "/templates/broken.yaml": "{{ .Values.nope.deeper }}\n"}, values: chartDir + "/values-dev.yaml", n: 2},
		{name: "required value missing", over: map[string]string{chartDir + "/values-qa.yaml": "image:\n  tag: \"\"\n"}, values: chartDir + "/values-qa.yaml",
			at: chartDir + "/templates/deployment.yaml:23", msg: "image.tag is required"},
		{name: "template parse error", over: map[string]string{chartDir + "/templates/service.yaml": "kind: Service\nmetadata:\n  name: {{ .Release.Name \n"}, values: chartDir + "/values-dev.yaml",
			at: chartDir + "/templates/service.yaml:4", msg: "unclosed action"},
		{name: "renders no YAML", over: map[string]string{chartDir + "/templates/service.yaml": "kind: Service\n  name: [x\n"}, values: chartDir + "/values-dev.yaml",
			at: chartDir + "/templates/service.yaml:1", msg: "YAML parse error"},
		{name: "values do not parse", over: map[string]string{chartDir + "/values-qa.yaml": "image:\n  tag: v1\n   pull: x\n"}, values: chartDir + "/values-qa.yaml",
			at: chartDir + "/values-qa.yaml:3"},
		{name: "dependency not vendored", over: map[string]string{chartDir + "/Chart.yaml": "apiVersion: v2\nname: payment-service\nversion: 0.1.0\ndependencies:\n  - name: redis\n    version: 19.x\n    repository: https://charts.example.com\n"},
			values: chartDir + "/values-dev.yaml", remote: true, msg: "redis"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n, err := Render(mixed(t, tc.over), chartDir, tc.values)
			if tc.at == "" && !tc.remote {
				if err != nil || n != tc.n {
					t.Fatalf("Render = %d, %v; want %d manifests", n, err, tc.n)
				}
				return
			}
			if err == nil {
				t.Fatalf("Render = %d, nil; want an error", n)
			}
			if !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("error %q lacks %q", err, tc.msg)
			}
			if tc.remote {
				if !errors.Is(err, ErrNotRendered) {
					t.Errorf("error %v is not ErrNotRendered", err)
				}
				return
			}
			var re *Error
			if !errors.As(err, &re) {
				t.Fatalf("error %v is no *Error", err)
			}
			if got := re.File + ":" + itoa(re.Line); got != tc.at {
				t.Errorf("error at %s, want %s (%v)", got, tc.at, err)
			}
		})
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// FuzzRender renders the mixed repository's chart with any values file:
// it never panics, and every failure is located or says not rendered.
func FuzzRender(f *testing.F) {
	for _, s := range []string{"image:\n  tag: v1\n", "image: {tag: \"\"}\n", "replicaCount: [\n", "podAnnotations: 3\n", "resources: null\n", "image:\n  tag: &a v1\nx: *a\n"} {
		f.Add(s)
	}
	base := mixed(f, nil)
	f.Fuzz(func(t *testing.T, values string) {
		tree := fstest.MapFS{}
		for k, v := range base {
			tree[k] = v
		}
		tree[chartDir+"/values-fuzz.yaml"] = &fstest.MapFile{Data: []byte(values)}
		_, err := Render(tree, chartDir, chartDir+"/values-fuzz.yaml")
		var re *Error
		if err != nil && !errors.As(err, &re) && !errors.Is(err, ErrNotRendered) {
			t.Fatalf("unlocated error: %v", err)
		}
	})
}
