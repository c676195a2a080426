package checks

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/stagehand-gitops/stagehand/internal/helmrender"
	"github.com/stagehand-gitops/stagehand/internal/promote"
)

const paymentImage = "registry.demo.local/acme/payment-service"

// mixedRepo is testdata/mixed-repo with payment-service's values at the
// given tags, by environment.
func mixedRepo(t *testing.T, tags map[string]string) fstest.MapFS {
	t.Helper()
	m := fstest.MapFS{}
	root := "../../testdata/mixed-repo"
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		rel, _ := filepath.Rel(root, p)
		m[filepath.ToSlash(rel)] = &fstest.MapFile{Data: data}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	for env, tag := range tags {
		setValuesTag(t, m, env, tag)
	}
	return m
}

func valuesFile(env string) string { return "apps/payment-service/values-" + env + ".yaml" }

func setValuesTag(t *testing.T, m fstest.MapFS, env, tag string) {
	t.Helper()
	f := m[valuesFile(env)]
	const seed = `tag: "v2.3.0"`
	if f == nil || !strings.Contains(string(f.Data), seed) {
		t.Fatalf("%s has no %s", valuesFile(env), seed)
	}
	m[valuesFile(env)] = &fstest.MapFile{Data: []byte(strings.Replace(string(f.Data), seed, `tag: "`+tag+`"`, 1))}
}

// TestValuesChecks evaluates pull requests that edit payment-service's
// values files by hand: a prod bump that skips staging fails the order
// rule at the tag's line; a staging bump of what dev runs passes; a
// values file that no longer parses fails the build rule at its line.
func TestValuesChecks(t *testing.T) {
	hist := History{}
	for _, e := range []struct{ env, tag string }{{"dev", "v2.4.0"}, {"staging", "v2.3.0"}, {"prod", "v2.3.0"}} {
		hist[Query{App: "payment-service", Image: paymentImage, Env: e.env, Version: promote.Version{Tag: e.tag}}] = Entry{Commit: "c0ffee0" + e.env, Since: now.Add(-3 * time.Hour)}
	}
	for _, tc := range []struct {
		name   string
		edit   func(fstest.MapFS)
		states []string
		notes  []string
		// noCharts evaluates without a renderer.
		noCharts bool
	}{
		{name: "values-prod-skips-staging", edit: func(m fstest.MapFS) { setValuesTag(t, m, "prod", "v2.4.0") },
			states: []string{"stagehand/prod=failure"}, notes: []string{valuesFile("prod") + ":7"}},
		{name: "values-staging-follows-dev", edit: func(m fstest.MapFS) { setValuesTag(t, m, "staging", "v2.4.0") },
			states: []string{"stagehand/staging=success"}},
		{name: "values-broken", edit: func(m fstest.MapFS) {
			m[valuesFile("staging")] = &fstest.MapFile{Data: []byte("replicaCount: 2\nimage:\n  tag: v2.4.0\n   pullPolicy: Always\n")}
		}, states: []string{"stagehand/staging=failure"}, notes: []string{valuesFile("staging") + ":4"}},
		{name: "values-no-renderer", edit: func(m fstest.MapFS) { setValuesTag(t, m, "staging", "v2.4.0") }, noCharts: true,
			states: []string{"stagehand/staging=success"}},
		{name: "values-render-fails", edit: func(m fstest.MapFS) { setValuesTag(t, m, "staging", "") },
			states: []string{"stagehand/staging=failure"}, notes: []string{"apps/payment-service/templates/deployment.yaml:23"}},
		{name: "helmrelease-not-rendered", edit: func(m fstest.MapFS) {
			f := "clusters/staging/web.yaml"
			m[f] = &fstest.MapFile{Data: []byte(strings.Replace(string(m[f].Data), "tag: v0.9.2", "tag: v0.9.3", 1))}
		}, states: []string{"stagehand/staging=failure"}, notes: []string{"clusters/staging/web.yaml:20"}},
		{name: "helmrelease-local-chart-renders", edit: func(m fstest.MapFS) { localChart(m, "") },
			states: []string{"stagehand/staging=success"}},
		{name: "helmrelease-local-chart-fails", edit: func(m fstest.MapFS) {
			localChart(m, "      pullPolicy: IfNotPresent\n")
			f := "apps/payment-service/templates/deployment.yaml"
			m[f] = &fstest.MapFile{Data: []byte(strings.Replace(string(m[f].Data), "{{ .Values.replicaCount }}", "{{ .Values.replicaCount | nosuchfunc }}", 1))}
		}, // the chart is payment-service's too: each of its environments fails, and web's staging
			states: []string{"stagehand/dev=failure", "stagehand/staging=failure", "stagehand/prod=failure"},
			notes:  []string{"apps/payment-service/templates/deployment.yaml:8", "apps/payment-service/templates/deployment.yaml:8", "apps/payment-service/templates/deployment.yaml:8", "apps/payment-service/templates/deployment.yaml:8"}},
		{name: "helmrelease-values-file-missing", edit: func(m fstest.MapFS) {
			localChart(m, "")
			f := "clusters/staging/web.yaml"
			m[f] = &fstest.MapFile{Data: []byte(strings.Replace(string(m[f].Data), "      sourceRef:", "      valuesFiles: [apps/payment-service/values-nope.yaml]\n      sourceRef:", 1))}
		}, states: []string{"stagehand/staging=failure"}, notes: []string{"clusters/staging/web.yaml:11"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			base := mixedRepo(t, map[string]string{"dev": "v2.4.0"})
			head := clone(base)
			tc.edit(head)
			in := Input{Base: base, Head: head, History: hist, Now: now, PR: PR{Number: 7, Author: "alice"}, Charts: helmrender.Render}
			if tc.noCharts {
				in.Charts = nil
			}
			expectReport(t, in, tc.states, tc.notes, tc.name+".golden")
		})
	}
}

// localChart points staging's web HelmRelease at the chart in
// apps/payment-service, read from the repository through a GitRepository,
// with extra lines added under spec.values.image.
func localChart(m fstest.MapFS, image string) {
	f := "clusters/staging/web.yaml"
	s := strings.Replace(string(m[f].Data), "      chart: web\n", "      chart: ./apps/payment-service\n", 1)
	s = strings.Replace(s, "        kind: HelmRepository\n        name: acme-charts\n", "        kind: GitRepository\n        name: config\n", 1)
	s = strings.Replace(s, "      tag: v0.9.2 # set by Stagehand\n", "      tag: v0.9.2 # set by Stagehand\n"+image, 1)
	m[f] = &fstest.MapFile{Data: []byte(s)}
}
