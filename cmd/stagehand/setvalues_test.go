package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSetValuesCmd(t *testing.T) {
	const values = "# prod\nimage:\n  repository: ghcr.io/acme/web # built by CI\n  tag: \"1.4.2\"\n"
	const release = "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: web\nspec:\n  values:\n    image: {repository: ghcr.io/acme/web, tag: 1.4.2}\n"
	const deploy = "kind: Deployment\nspec:\n  template:\n    spec:\n      containers:\n      - name: web\n        image: ghcr.io/acme/web:1.4.2 # {\"$imagepolicy\": \"flux-system:web\"}\n"
	const params = "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: web}\nspec:\n  source:\n    helm:\n      parameters:\n      - {name: image.repository, value: ghcr.io/acme/web}\n      - {name: image.tag, value: '1.4.2'}\n"
	cases := []struct {
		name   string
		data   string
		args   []string
		code   int
		want   string // file content afterwards
		stdout string
		stderr string
	}{
		{name: "inferred values", data: values, args: []string{"ghcr.io/acme/web:1.5.0"}, want: strings.Replace(values, "1.4.2", "1.5.0", 1), stdout: "values.yaml:4: ghcr.io/acme/web:1.4.2 -> ghcr.io/acme/web:1.5.0\n"},
		{name: "declared path", data: values, args: []string{"--path", "image.tag=1.10"}, want: strings.Replace(values, "1.4.2", "1.10", 1), stdout: "values.yaml:4: 1.4.2 -> 1.10\n"},
		{name: "float-looking tag is quoted", data: release, args: []string{"ghcr.io/acme/web:1.10"}, want: strings.Replace(release, "tag: 1.4.2", `tag: "1.10"`, 1), stdout: "values.yaml:7: ghcr.io/acme/web:1.4.2 -> ghcr.io/acme/web:1.10"},
		{name: "argo parameters", data: params, args: []string{"ghcr.io/acme/web:1.5.0"}, want: strings.Replace(params, "'1.4.2'", "'1.5.0'", 1)},
		{name: "manifest tag and digest", data: deploy, args: []string{"ghcr.io/acme/web:1.5.0@sha256:ab"}, want: strings.Replace(deploy, "1.4.2", "1.5.0@sha256:ab", 1)},
		{name: "setter", data: deploy, args: []string{"--setter", "flux-system:web", "ghcr.io/acme/web:1.5.0"}, want: strings.Replace(deploy, "1.4.2", "1.5.0", 1)},
		{name: "nothing to change", data: values, args: []string{"ghcr.io/acme/web:1.4.2"}, want: values, stdout: "values.yaml: unchanged\n"},
		{name: "image not there", data: values, args: []string{"ghcr.io/acme/api:1.5.0"}, code: 1, want: values, stderr: "values.yaml: no value holds the image ghcr.io/acme/api"},
		{name: "path not there", data: values, args: []string{"--path", "api.image.tag=1"}, code: 1, want: values, stderr: `values.yaml:2: no key "api": image not found, looking for api.image.tag`},
		{name: "malformed file", data: "image: [\n", args: []string{"a:1"}, code: 1, want: "image: [\n", stderr: "values.yaml:1: did not find expected node content"},
		{name: "alias", data: "t: &t v1\nimage:\n  repository: a\n  tag: *t\n", args: []string{"a:v2"}, code: 1, want: "t: &t v1\nimage:\n  repository: a\n  tag: *t\n", stderr: "reached through the alias *t at line 4"},
		{name: "no tag", data: values, args: []string{"ghcr.io/acme/web"}, code: 1, want: values, stderr: "give a tag or a digest"},
		{name: "both forms", data: values, args: []string{"--path", "image.tag=1", "a:1"}, code: 1, want: values, stderr: "give either IMAGE:TAG or --path"},
		{name: "path on a manifest", data: deploy, args: []string{"--path", "image.tag=1"}, code: 1, want: deploy, stderr: "is a manifest"},
		{name: "help", args: []string{"--help"}, stdout: "stagehand set-values apps/web/values-prod.yaml ghcr.io/acme/web:1.5.0"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "values.yaml")
			if err := os.WriteFile(file, []byte(tc.data), 0o640); err != nil {
				t.Fatal(err)
			}
			args := append([]string{"set-values", file}, tc.args...)
			if tc.data == "" {
				args = []string{"set-values", "--help"}
			}
			code, stdout, stderr := runCLI(t, "", args...)
			if code != tc.code {
				t.Fatalf("exit code = %d, want %d\nstdout: %s\nstderr: %s", code, tc.code, stdout, stderr)
			}
			stdout = strings.ReplaceAll(stdout, filepath.Dir(file)+string(filepath.Separator), "")
			stderr = strings.ReplaceAll(stderr, filepath.Dir(file)+string(filepath.Separator), "")
			if !strings.Contains(stderr, tc.stderr) || !strings.Contains(stdout, tc.stdout) {
				t.Errorf("stdout %q, stderr %q; want them to hold %q and %q", stdout, stderr, tc.stdout, tc.stderr)
			}
			if tc.data == "" {
				return
			}
			got, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tc.want {
				t.Errorf("file is\n%s\nwant\n%s", got, tc.want)
			}
			if info, err := os.Stat(file); err != nil || info.Mode().Perm() != 0o640 {
				t.Errorf("mode changed: %v %v", info.Mode(), err)
			}
		})
	}
}
