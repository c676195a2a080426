package helmrelease

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stagehand-gitops/stagehand/internal/source"
)

func TestCharts(t *testing.T) {
	const flux = "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: web}\nspec:\n  chart:\n    spec:\n"
	const argo = "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: api}\nspec:\n"
	for _, tc := range []struct {
		name, file string
		want       []string
	}{
		{"flux git path", flux + "      chart: ./charts/web/\n      sourceRef: {kind: GitRepository, name: config}\n      valuesFiles: [charts/web/values-prod.yaml]\n  values: {replicas: 2}\n",
			[]string{"HelmRelease web line 7: dir charts/web, files [charts/web/values-prod.yaml], values yes"}},
		{"flux helm repository", flux + "      chart: web\n      sourceRef: {kind: HelmRepository, name: acme}\n",
			[]string{"HelmRelease web line 7: elsewhere chart `web` from the HelmRepository acme"}},
		{"flux oci", "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: web}\nspec:\n  chartRef: {kind: OCIRepository, name: web}\n",
			[]string{"HelmRelease web line 5: elsewhere spec.chartRef: the OCIRepository web"}},
		{"flux path leaves the repository", flux + "      chart: ../other/chart\n      sourceRef: {kind: GitRepository, name: config}\n",
			[]string{"HelmRelease web line 7: elsewhere chart `../other/chart` is not a path in the repository"}},
		{"argo path", argo + "  source:\n    path: apps/api\n    helm:\n      valueFiles: [values-prod.yaml]\n      values: |\n        replicas: 2\n",
			[]string{"Application api line 6: dir apps/api, files [apps/api/values-prod.yaml], values text"}},
		{"argo chart", argo + "  source:\n    chart: api\n    repoURL: https://charts.example.com\n",
			[]string{"Application api line 6: elsewhere chart `api` from https://charts.example.com"}},
		{"argo sources", argo + "  sources:\n  - path: apps/api\n    helm: {valuesObject: {a: 1}}\n  - path: apps/other\n",
			[]string{"Application api line 6: dir apps/api, files [], values yes"}},
		{"other kinds", "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\n", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			docs, err := source.Documents("f.yaml", []byte(tc.file))
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, c := range Charts(docs, "") {
				got = append(got, describe(c))
			}
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
		})
	}
}

func describe(c Chart) string {
	head := fmt.Sprintf("%s %s line %d: ", c.Kind, c.Name, c.Line)
	if c.Elsewhere != "" {
		return head + "elsewhere " + c.Elsewhere
	}
	vals := "none"
	switch {
	case c.Values != nil:
		vals = "yes"
	case c.ValuesText != "":
		vals = "text"
	}
	return head + fmt.Sprintf("dir %s, files %v, values %s", c.Dir, c.ValuesFiles, vals)
}
