package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stagehand-gitops/stagehand/internal/policy"
)

const (
	importFrom = "argocd-image-updater"
	// annotated is the example on the textbook tree's production
	// Application, with one annotation Stagehand has no equivalent for.
	annotated = `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: order-service-production
  annotations:
    argocd-image-updater.argoproj.io/image-list: order=registry.company.com/order-service
    argocd-image-updater.argoproj.io/order.update-strategy: semver
    argocd-image-updater.argoproj.io/order.allow-tags: "regexp:^v\\d+\\.\\d+\\.\\d+$"
    argocd-image-updater.argoproj.io/order.platforms: linux/arm64
spec:
  source:
    path: apps/order-service/overlays/production
`
	plainApp      = "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: plain\nspec:\n  source:\n    path: apps/x/overlays/dev\n"
	importOverlay = "images:\n- name: registry.company.com/order-service\n  newTag: v1.2.4\n"
)

// TestPolicyImportTextbook imports the annotations against the
// textbook repository and checks the exact printed policy (the package's
// golden file, plus the platforms line) and that it is valid for the tree.
func TestPolicyImportTextbook(t *testing.T) {
	apps := filepath.Join(t.TempDir(), "apps.yaml")
	if err := os.WriteFile(apps, []byte(annotated), 0o644); err != nil {
		t.Fatal(err)
	}
	repo := filepath.Join("..", "..", "testdata", "textbook-repo")
	var stdout, stderr bytes.Buffer
	code := run([]string{"policy", "import", "--from", importFrom, apps, "--dir", repo}, strings.NewReader(""), &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit %d\nstderr:\n%s", code, &stderr)
	}
	want, err := os.ReadFile(filepath.Join("..", "..", "internal", "argoimport", "testdata", "textbook", "stagehand.yaml.golden"))
	if err != nil {
		t.Fatal(err)
	}
	if stdout.String() != string(want) {
		t.Errorf("stdout:\n%s\nwant:\n%s", &stdout, want)
	}
	p, err := policy.Parse(policy.FileName, stdout.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Discover(os.DirFS(repo)); err != nil {
		t.Fatal(err)
	}
	rule, ok := p.Rule("order-service", "registry.company.com/order-service", "prod")
	if !ok || rule.Filters[len(rule.Filters)-1].AllowTags != `^v\d+\.\d+\.\d+$` {
		t.Errorf("prod rule %+v, want the override's allowTags last", rule)
	}
	for _, line := range []string{
		apps + ":9: order-service-production: argocd-image-updater.argoproj.io/order.platforms=linux/arm64: not translated: Stagehand has no platform filter",
		"imported 1 apps (1 images) from 1 of 1 Applications; 1 not translated\n",
	} {
		if !strings.Contains(stderr.String(), line) {
			t.Errorf("stderr lacks %q:\n%s", line, &stderr)
		}
	}
}

func TestPolicyImport(t *testing.T) {
	repoPolicy := "version: 1\nenvironments:\n  - {name: dev, dir: development}\n  - {name: prod, dir: production}\n"
	tests := []struct {
		name      string
		files     map[string]string
		args      []string
		code      int
		stdoutHas string
		stderrHas []string
		written   bool // .stagehand.yaml exists afterwards and validates
	}{
		{"prints a policy", map[string]string{"argo/apps.yaml": annotated}, []string{"argo/apps.yaml"}, 0,
			"environments:\n  - name: production\n",
			[]string{"not translated: Stagehand has no platform filter"}, false},
		{"a directory, recursively", map[string]string{"argo/a/apps.yml": annotated, "argo/b/plain.yaml": plainApp, "argo/README.md": "x"},
			[]string{"argo"}, 0, "name: registry.company.com/order-service", []string{"from 1 of 2 Applications"}, false},
		{"writes into a repository without a policy", map[string]string{"apps.yaml": annotated,
			"apps/order-service/overlays/production/kustomization.yaml": importOverlay}, []string{"apps.yaml", "--write"}, 0,
			"wrote .stagehand.yaml\n", nil, true},
		{"with an existing policy", map[string]string{"apps.yaml": annotated, ".stagehand.yaml": repoPolicy}, []string{"apps.yaml"}, 0,
			repoPolicy + "\n# Imported from", nil, false},
		{"refuses to overwrite", map[string]string{"apps.yaml": annotated, ".stagehand.yaml": repoPolicy}, []string{"apps.yaml", "--write"}, 1,
			"", []string{".stagehand.yaml exists and import does not merge"}, false},
		{"does not merge apps", map[string]string{"apps.yaml": annotated, ".stagehand.yaml": repoPolicy + "apps:\n  web: {image: x/web}\n"},
			[]string{"apps.yaml"}, 1, "", []string{"already has apps:"}, false},
		{"an invalid existing policy", map[string]string{"apps.yaml": annotated, ".stagehand.yaml": "version: 2\n"}, []string{"apps.yaml"}, 1,
			"", []string{".stagehand.yaml is invalid"}, false},
		{"no annotation", map[string]string{"apps.yaml": plainApp}, []string{"apps.yaml"}, 1, "",
			[]string{"stagehand: no argocd-image-updater.argoproj.io annotations found in 1 Argo CD Applications read from apps.yaml\n"}, false},
		{"no Application", map[string]string{"cm.yaml": "apiVersion: v1\nkind: ConfigMap\n"}, []string{"cm.yaml"}, 1, "",
			[]string{"annotations found in 0 Argo CD Applications"}, false},
		{"nothing translated", map[string]string{"apps.yaml": strings.Replace(annotated, "apps/order-service/overlays/production", "charts/order", 1)},
			[]string{"apps.yaml"}, 1, "", []string{"path charts/order matches no overlays template", "stagehand: no image could be translated"}, false},
		{"invalid YAML", map[string]string{"apps.yaml": "kind: [\n"}, []string{"apps.yaml"}, 1, "", []string{"apps.yaml: "}, false},
		{"missing file", nil, []string{"nope.yaml"}, 1, "", []string{"read nope.yaml"}, false},
		{"unknown source", map[string]string{"apps.yaml": annotated}, []string{"apps.yaml", "--from", "flux"}, 1, "",
			[]string{`--from "flux": the only source is argocd-image-updater`}, false},
		{"no file", nil, nil, 1, "", []string{"requires at least 1 arg"}, false},
		{"an unreadable existing policy", map[string]string{"apps.yaml": annotated, ".stagehand.yaml/x": "x"}, []string{"apps.yaml"}, 2, "",
			[]string{"stagehand: existing policy: read .stagehand.yaml: is a directory\n"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Chdir(writeTree(t, tt.files))
			args := append([]string{"policy", "import", "--from", importFrom}, tt.args...)
			var stdout, stderr bytes.Buffer
			code := run(args, strings.NewReader(""), &stdout, &stderr)
			if code != tt.code {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.code, &stdout, &stderr)
			}
			if !strings.Contains(stdout.String(), tt.stdoutHas) || (tt.stdoutHas == "" && stdout.Len() != 0) {
				t.Errorf("stdout lacks %q:\n%s", tt.stdoutHas, &stdout)
			}
			for _, s := range tt.stderrHas {
				if !strings.Contains(stderr.String(), s) {
					t.Errorf("stderr lacks %q:\n%s", s, &stderr)
				}
			}
			if tt.written {
				var vout, verr bytes.Buffer
				if code := run([]string{"policy", "validate"}, strings.NewReader(""), &vout, &verr); code != 0 {
					t.Errorf("validate exits %d:\n%s", code, &verr)
				}
			}
		})
	}
}
