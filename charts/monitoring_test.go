package charts

import (
	"encoding/json"
	"io/fs"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

var (
	// metricRef is a Stagehand metric named in a query.
	metricRef = regexp.MustCompile(`\bstagehand_[a-z_]+`)
	// metricDef is a metric defined in the Go source.
	metricDef = regexp.MustCompile(`Name:\s+"(stagehand_[a-z_]+)"`)
	// alertRow is a row of the alert table of docs/operations.md.
	alertRow = regexp.MustCompile("(?m)^\\| `(Stagehand[A-Za-z]+)` \\|")
	// metricRow is a row of the metric table of docs/operations.md.
	metricRow = regexp.MustCompile("(?m)^\\| `(stagehand_[a-z_]+)` \\|")
)

// definedMetrics reads the metric names the binary registers from the Go
// source under internal/.
func definedMetrics(t *testing.T) []string {
	t.Helper()
	var names []string
	err := filepath.WalkDir(filepath.Join("..", "internal"), func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		for _, m := range metricDef.FindAllStringSubmatch(repoFile(t, strings.TrimPrefix(path, "../")), -1) {
			names = append(names, m[1])
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(names)
	return slices.Compact(names)
}

// checkQueriesUseDefinedMetrics fails for a query naming a metric the
// binary does not export (histogram series suffixes allowed).
func checkQueriesUseDefinedMetrics(t *testing.T, what string, queries []string) {
	t.Helper()
	defined := definedMetrics(t)
	for _, q := range queries {
		for _, name := range metricRef.FindAllString(q, -1) {
			base := strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(name, "_bucket"), "_sum"), "_count")
			if !slices.Contains(defined, base) {
				t.Errorf("%s queries %s, which the binary does not export (it exports %v)", what, name, defined)
			}
		}
	}
}

// checkAlerts asserts the PrometheusRule holds exactly the alerts of
// docs/operations.md, each on metrics the binary exports.
func checkAlerts(t *testing.T, rule prometheusRule) {
	t.Helper()
	var names, exprs []string
	for _, g := range rule.Spec.Groups {
		for _, r := range g.Rules {
			names = append(names, r.Alert)
			exprs = append(exprs, r.Expr)
			if r.Labels["severity"] == "" || r.Annotations["summary"] == "" {
				t.Errorf("alert %s has no severity or summary", r.Alert)
			}
		}
	}
	var documented []string
	for _, m := range alertRow.FindAllStringSubmatch(repoFile(t, "docs/operations.md"), -1) {
		documented = append(documented, m[1])
	}
	slices.Sort(names)
	slices.Sort(documented)
	if !slices.Equal(names, documented) {
		t.Errorf("PrometheusRule alerts %v, docs/operations.md documents %v", names, documented)
	}
	checkQueriesUseDefinedMetrics(t, "PrometheusRule", exprs)
}

// checkDashboard asserts the dashboard ConfigMap holds valid JSON whose
// panels query metrics the binary exports.
func checkDashboard(t *testing.T, r *rendered) {
	t.Helper()
	var data string
	for _, cm := range r.configMaps {
		if d, ok := cm.Data["stagehand.json"]; ok {
			data = d
			if cm.Labels["grafana_dashboard"] != "1" {
				t.Errorf("dashboard ConfigMap labels = %v, want the sidecar's grafana_dashboard", cm.Labels)
			}
		}
	}
	var dash struct {
		Panels []struct {
			Title   string `json:"title"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	if err := json.Unmarshal([]byte(data), &dash); err != nil {
		t.Fatalf("dashboard: %v", err)
	}
	var exprs []string
	for _, p := range dash.Panels {
		for _, tg := range p.Targets {
			exprs = append(exprs, tg.Expr)
		}
	}
	if len(exprs) == 0 {
		t.Fatal("dashboard has no queries")
	}
	checkQueriesUseDefinedMetrics(t, "dashboard", exprs)
}

// TestOperationsDocListsEveryMetric keeps the metric table of
// docs/operations.md and the metrics the binary registers the same.
func TestOperationsDocListsEveryMetric(t *testing.T) {
	var documented []string
	for _, m := range metricRow.FindAllStringSubmatch(repoFile(t, "docs/operations.md"), -1) {
		documented = append(documented, m[1])
	}
	slices.Sort(documented)
	if defined := definedMetrics(t); !slices.Equal(documented, defined) {
		t.Errorf("docs/operations.md lists %v, the binary registers %v", documented, defined)
	}
}
