package checks

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stagehand-gitops/stagehand/internal/helmrender"
	"github.com/stagehand-gitops/stagehand/internal/policy"
)

// TestRenderRelease renders HelmReleases and Applications whose chart is
// in the repository. The chart's template fails unless x is "own" (the
// object's own values, or a parameter, won) and y is "file" (its values
// file was merged under them), so a pass proves the merge order.
func TestRenderRelease(t *testing.T) {
	const flux = "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: t}\nspec:\n  chart:\n    spec:\n      chart: ./charts/t\n"
	const argo = "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: t}\nspec:\n  source:\n    path: charts/t\n    helm:\n"
	git := "      sourceRef: {kind: GitRepository, name: config}\n"
	for _, tc := range []struct {
		name, release string
		// want is what a pass says; at is where a failure is annotated
		// ("" for not rendered), with msg in its message.
		want, at, msg string
	}{
		{"flux values files then values", flux + git + "      valuesFiles: [charts/t/values-prod.yaml]\n  values: {x: own}\n",
			"the HelmRelease `t` renders with the chart `charts/t` (1 manifests)", "", ""},
		{"argo value files, object, parameters", argo + "      valueFiles: [values-prod.yaml]\n      valuesObject: {x: object}\n      parameters:\n        - {name: x, value: own}\n",
			"the Application `t` renders with the chart `charts/t` (1 manifests)", "", ""},
		{"argo values text", argo + "      valueFiles: [values-prod.yaml]\n      values: |\n        x: own\n",
			"the Application `t` renders with the chart `charts/t` (1 manifests)", "", ""},
		{"flux values fail the template", flux + git + "      valuesFiles: [charts/t/values-prod.yaml]\n  values: {x: other}\n",
			"", "charts/t/templates/cm.yaml:1", "x is other"},
		{"flux values file does not parse", flux + git + "      valuesFiles: [charts/t/broken.yaml]\n",
			"", "charts/t/broken.yaml:2", "charts/t/broken.yaml:2"},
		{"argo parameter with an index", argo + "      parameters:\n        - {name: \"a[0]\", value: own}\n",
			"", "", "parameter \"a[0]\""},
		{"flux chart from a helm repository", flux + "      sourceRef: {kind: HelmRepository, name: acme}\n",
			"", "", "chart `./charts/t` from the HelmRepository acme, not in the repository"},
		{"argo chart from elsewhere", "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: t}\nspec:\n  source: {chart: t, repoURL: https://charts.example.com}\n",
			"", "", "chart `t` from https://charts.example.com"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tree := fstest.MapFS{
				"charts/t/Chart.yaml":        {Data: []byte("apiVersion: v2\nname: t\nversion: 0.1.0\n")},
				"charts/t/values.yaml":       {Data: []byte("x: default\ny: default\n")},
				"charts/t/values-prod.yaml":  {Data: []byte("x: file\ny: file\n")},
				"charts/t/broken.yaml":       {Data: []byte("x: 1\n  y: [\n")},
				"charts/t/templates/cm.yaml": {Data: []byte(`{{ if ne (toString .Values.x) "own" }}{{ fail (printf "x is %v" .Values.x) }}{{ end }}{{ if ne (toString .Values.y) "file" }}{{ fail (printf "y is %v" .Values.y) }}{{ end }}apiVersion: v1` + "\nkind: ConfigMap\nmetadata: {name: t}\n")},
				"release.yaml":               {Data: []byte(tc.release)},
			}
			said, err := renderRelease(helmrender.Render, tree, &policy.Source{Kind: policy.SourceHelmRelease, File: "release.yaml"}, "release.yaml")
			var at located
			switch {
			case tc.want != "":
				if err != nil || said != "`release.yaml`: "+tc.want {
					t.Fatalf("got %q, %v; want %q", said, err, tc.want)
				}
			case tc.at != "":
				if !errors.As(err, &at) {
					t.Fatalf("got %q, %v; want a failure at %s", said, err, tc.at)
				}
				if f, l := at.Location(); fmt.Sprintf("%s:%d", f, l) != tc.at || !strings.Contains(err.Error(), tc.msg) {
					t.Errorf("failure at %s:%d: %v; want at %s with %q", f, l, err, tc.at, tc.msg)
				}
			default:
				if err == nil || errors.As(err, &at) || !strings.Contains(err.Error(), tc.msg) {
					t.Errorf("got %q, %v; want not rendered with %q", said, err, tc.msg)
				}
			}
		})
	}
}
