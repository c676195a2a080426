package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func writeTree(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, data := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestPolicyValidate(t *testing.T) {
	overlay := "resources: [../../base]\nimages:\n- name: registry.company.com/order-service\n  newTag: v1.2.4\n"
	valid := "version: 1\nenvironments:\n  - {name: dev, dir: development}\n  - {name: prod, dir: production}\napps:\n  payment-service:\n    image: registry.company.com/payment-service\ndiscover: true\n"
	invalid := "version: 1\nenvironments:\n  - name: dev\n    promotoin: auto\n    soak: 5 minutes\n"
	tests := []struct {
		name       string
		files      map[string]string
		code       int
		stdout     string
		stderrHas  []string
		stderrNone bool
	}{
		{"valid, with discovery", map[string]string{
			".stagehand.yaml": valid,
			"apps/order-service/overlays/development/kustomization.yaml": overlay,
			"apps/order-service/overlays/production/kustomization.yaml":  overlay,
		}, 0, ".stagehand.yaml: ok: environments dev -> prod; 2 apps (1 listed, 1 discovered)\n", nil, true},
		{"invalid", map[string]string{".stagehand.yaml": invalid}, 1, "", []string{
			".stagehand.yaml:4:5: unknown field \"promotoin\" in environment; did you mean \"promotion\"?\n" +
				".stagehand.yaml:5:11: soak: invalid duration \"5 minutes\"; use a Go duration such as 30m, 1h30m or 48h\n",
			"stagehand: .stagehand.yaml is invalid: 2 problems\n",
		}, false},
		{"broken overlay", map[string]string{
			".stagehand.yaml": valid,
			"apps/order-service/overlays/development/kustomization.yaml": "images: [\n",
		}, 1, "", []string{
			"apps/order-service/overlays/development/kustomization.yaml:1:1: invalid YAML:",
			"is invalid: 1 problem\n",
		}, false},
		{"missing verify key", map[string]string{
			".stagehand.yaml": "version: 1\nenvironments:\n  - name: prod\n    verify:\n      key: keys/cosign.pub\n",
		}, 1, "", []string{
			".stagehand.yaml:5:12: verify: key file \"keys/cosign.pub\" is not in the repository\n",
			"is invalid: 1 problem\n",
		}, false},
		{"layout of two kinds", map[string]string{
			".stagehand.yaml": "version: 1\nenvironments:\n  - name: dev\nlayout:\n  values: {file: \"envs/{env}/{app}/values.yaml\"}\n  setter: {file: \"c/{env}/{app}.yaml\", policy: \"flux-system:a\"}\n",
		}, 1, "", []string{
			".stagehand.yaml:6:3: layout: set one of values, helmRelease, manifest, setter, not both values and setter\n",
			"is invalid: 1 problem\n",
		}, false},
		{"missing", map[string]string{"README.md": "x"}, 1, "", []string{".stagehand.yaml: no policy file"}, false},
		{"unreadable", map[string]string{".stagehand.yaml/x": "x"}, 2, "", []string{"read .stagehand.yaml"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeTree(t, tt.files)
			// Run from the repository root, as people do, so that
			// file names in messages are relative.
			t.Chdir(dir)
			var stdout, stderr bytes.Buffer
			code := run([]string{"policy", "validate"}, strings.NewReader(""), &stdout, &stderr)
			if code != tt.code {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.code, &stdout, &stderr)
			}
			if stdout.String() != tt.stdout {
				t.Errorf("stdout:\n%s\nwant:\n%s", &stdout, tt.stdout)
			}
			for _, s := range tt.stderrHas {
				if !strings.Contains(stderr.String(), s) {
					t.Errorf("stderr lacks %q:\n%s", s, &stderr)
				}
			}
			if tt.stderrNone && stderr.Len() != 0 {
				t.Errorf("stderr: %s", &stderr)
			}
		})
	}
}

func TestPolicyValidateDirFlag(t *testing.T) {
	dir := writeTree(t, map[string]string{".stagehand.yaml": "version: 1\nenvironments: [{name: dev}]\n"})
	var stdout, stderr bytes.Buffer
	code := run([]string{"policy", "validate", "--dir", dir}, strings.NewReader(""), &stdout, &stderr)
	want := filepath.Join(dir, ".stagehand.yaml") + ": ok: environments dev; 0 apps (0 listed, 0 discovered)\n"
	if code != 0 || stdout.String() != want {
		t.Errorf("exit %d, stdout %q, want 0 and %q (stderr %s)", code, &stdout, want, &stderr)
	}
}

func TestPolicyValidateExamples(t *testing.T) {
	files, err := filepath.Glob("../../policies/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no example policies: %v", err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			files := map[string]string{".stagehand.yaml": string(data)}
			// The public keys verify: blocks name live beside the policy.
			for _, m := range regexp.MustCompile(`(?m)^\s+key: (\S+)`).FindAllStringSubmatch(string(data), -1) {
				files[m[1]] = "-----BEGIN PUBLIC KEY-----\n-----END PUBLIC KEY-----\n"
			}
			dir := writeTree(t, files)
			var stdout, stderr bytes.Buffer
			if code := run([]string{"policy", "validate", "--dir", dir}, strings.NewReader(""), &stdout, &stderr); code != 0 {
				t.Errorf("exit %d\n%s", code, &stderr)
			}
		})
	}
}
