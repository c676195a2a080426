package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSetImageCmd(t *testing.T) {
	const kust = "resources:\n- deployment.yaml # app\nimages:\n  - name: ghcr.io/acme/web # web\n    newTag: v1.0.0\n"
	cases := []struct {
		name   string
		file   string // kustomization file name; "" for none
		data   string
		args   []string
		code   int
		want   string // file content afterwards
		stderr string
		stdout string
		link   bool // the kustomization is a symbolic link to target.yaml
	}{
		{name: "tag", file: "kustomization.yaml", data: kust, args: []string{"ghcr.io/acme/web:v1.1.0"}, want: strings.Replace(kust, "v1.0.0", "v1.1.0", 1)},
		{name: "tag and digest", file: "kustomization.yml", data: kust, args: []string{"ghcr.io/acme/web:v2@sha256:ab"}, want: strings.Replace(kust, "v1.0.0\n", "v2\n    digest: sha256:ab\n", 1)},
		{name: "new entry, several arguments", file: "Kustomization", data: kust, args: []string{"redis=docker.io/redis:7", "ghcr.io/acme/web:v3"},
			want: strings.Replace(kust, "v1.0.0\n", "v3\n", 1) + "  - name: redis\n    newName: docker.io/redis\n    newTag: \"7\"\n"},
		{name: "nothing to change", file: "kustomization.yaml", data: kust, args: []string{"ghcr.io/acme/web:v1.0.0"}, want: kust},
		{name: "bad argument", file: "kustomization.yaml", data: kust, args: []string{"ghcr.io/acme/web"}, code: 1, want: kust, stderr: "invalid image edit: use one of the following forms"},
		{name: "no argument", file: "kustomization.yaml", data: kust, code: 1, want: kust, stderr: "requires at least 1 arg"},
		{name: "no kustomization", args: []string{"a:v1"}, code: 1, stderr: "no kustomization file in "},
		{name: "malformed kustomization", file: "kustomization.yaml", data: "images: [\n", args: []string{"a:v1"}, code: 1, want: "images: [\n", stderr: "kustomization.yaml: set image a: parse kustomization"},
		{name: "unsupported form", file: "kustomization.yaml", data: "images:\n- name: a\n  newTag: &t v1\n", args: []string{"a:v2"}, code: 1, want: "images:\n- name: a\n  newTag: &t v1\n", stderr: "unsupported for a byte-exact edit"},
		{name: "through a symbolic link", file: "kustomization.yaml", link: true, data: kust, args: []string{"ghcr.io/acme/web:v1.1.0"}, want: strings.Replace(kust, "v1.0.0", "v1.1.0", 1)},
		{name: "help", args: []string{"--help"}, stdout: "stagehand set-image ghcr.io/acme/web:v1.4.3@sha256:"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			files := 1
			if tc.file != "" {
				target := filepath.Join(dir, tc.file)
				if tc.link {
					target, files = filepath.Join(dir, "target.yaml"), 2
					if err := os.Symlink("target.yaml", filepath.Join(dir, tc.file)); err != nil {
						t.Fatal(err)
					}
				}
				if err := os.WriteFile(target, []byte(tc.data), 0o640); err != nil {
					t.Fatal(err)
				}
			}
			code, stdout, stderr := runCLI(t, "", append([]string{"set-image", "--dir", dir}, tc.args...)...)
			if code != tc.code {
				t.Fatalf("exit code = %d, want %d\nstdout: %s\nstderr: %s", code, tc.code, stdout, stderr)
			}
			if !strings.Contains(stderr, tc.stderr) || !strings.Contains(stdout, tc.stdout) {
				t.Errorf("stdout %q, stderr %q; want them to hold %q and %q", stdout, stderr, tc.stdout, tc.stderr)
			}
			if tc.file == "" {
				return
			}
			got, err := os.ReadFile(filepath.Join(dir, tc.file))
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tc.want {
				t.Errorf("file is\n%s\nwant\n%s", got, tc.want)
			}
			if info, err := os.Stat(filepath.Join(dir, tc.file)); err != nil || info.Mode().Perm() != 0o640 {
				t.Errorf("mode changed: %v %v", info.Mode(), err)
			}
			if info, err := os.Lstat(filepath.Join(dir, tc.file)); err != nil || (info.Mode()&os.ModeSymlink != 0) != tc.link {
				t.Errorf("symbolic link not kept: %v %v", info.Mode(), err)
			}
			if entries, _ := os.ReadDir(dir); len(entries) != files {
				t.Errorf("left files behind: %v", entries)
			}
		})
	}
}
