package checks

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/stagehand-gitops/stagehand/internal/golden"
)

// now is the evaluation time of the tests: outside every freeze window.
var now = time.Date(2026, 11, 24, 7, 0, 0, 0, time.UTC)

const artifactPolicy = `version: 1
environments:
  - name: dev
  - name: staging
    soak: 1h
  - name: prod
    dir: production
    soak: 2h
    promoters: ["alice", "@acme/sre"]
    freeze:
      - from: "2026-12-20T00:00:00Z"
        to: "2027-01-04T00:00:00Z"
apps:
  web:
    images:
      - name: ghcr.io/acme/web
        constraint: ">=1.0.0 <3.0.0"
        ignoreTags: ["*-debug"]
`

// channelPolicy carries the version through tag channels, as the
// textbook repository does.
const channelPolicy = `version: 1
environments:
  - name: dev
    dir: development
    prerelease: true
    allowTags: '^v\d+\.\d+\.\d+-dev$'
  - name: staging
    prerelease: true
    allowTags: '^v\d+\.\d+\.\d+-rc\d+$'
    carry: version
  - name: prod
    dir: production
    allowTags: '^v\d+\.\d+\.\d+$'
    carry: version
`

const baseDir = "apps/web/base"

// baseDeployment is the web app's base Deployment.
const baseDeployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: ghcr.io/acme/web:latest
`

// repo builds a config repository: the policy, the web app's base, and
// one overlay per environment directory with the given tag.
func repo(policy string, tags map[string]string) fstest.MapFS {
	m := fstest.MapFS{
		".stagehand.yaml":               {Data: []byte(policy)},
		"README.md":                     {Data: []byte("# config\n")},
		baseDir + "/kustomization.yaml": {Data: []byte("resources:\n  - deployment.yaml\n")},
		baseDir + "/deployment.yaml":    {Data: []byte(baseDeployment)},
	}
	for dir, tag := range tags {
		setTag(m, dir, tag)
	}
	return m
}

func overlayFile(dir string) string { return "apps/web/overlays/" + dir + "/kustomization.yaml" }

// setTag writes the overlay of dir with the web image at tag; the images
// entry is on line 4.
func setTag(m fstest.MapFS, dir, tag string) {
	m[overlayFile(dir)] = &fstest.MapFile{Data: []byte(fmt.Sprintf(`resources:
  - ../../base
images:
  - name: ghcr.io/acme/web
    newTag: %s
`, tag))}
}

func clone(m fstest.MapFS) fstest.MapFS {
	out := fstest.MapFS{}
	for k, v := range m {
		c := *v
		out[k] = &c
	}
	return out
}

// dump renders a report for a golden file: each check's state and
// summary, then its annotations.
func dump(r Report) string {
	var b strings.Builder
	for _, v := range r.Verdicts {
		fmt.Fprintf(&b, "=== %s: %s", v.Name, v.Status)
		if v.Conclusion != "" {
			fmt.Fprintf(&b, " %s", v.Conclusion)
		}
		if !v.Due.IsZero() {
			fmt.Fprintf(&b, " due %s", v.Due.Format(time.RFC3339))
		}
		fmt.Fprintf(&b, "\n%s", v.Summary)
		for _, a := range v.Annotations {
			fmt.Fprintf(&b, "annotation %s:%d:%d %s %q: %s\n", a.Path, a.Line, a.Col, a.Level, a.Title, a.Message)
		}
		b.WriteString("\n")
	}
	return b.String()
}

// states summarises a report as "name=conclusion" (or "name=in_progress").
func states(r Report) []string {
	var out []string
	for _, v := range r.Verdicts {
		s := string(v.Conclusion)
		if v.Status == InProgress {
			s = string(InProgress)
		}
		out = append(out, v.Name+"="+s)
	}
	return out
}

// notes lists a report's annotations as "path:line".
func notes(r Report) []string {
	var out []string
	for _, v := range r.Verdicts {
		for _, a := range v.Annotations {
			out = append(out, fmt.Sprintf("%s:%d", a.Path, a.Line))
		}
	}
	return out
}

// goldenText compares got with testdata/name, or rewrites it with -update.
func goldenText(t *testing.T, name, got string) {
	t.Helper()
	golden.CheckString(t, filepath.Join("testdata", name), got)
}

// expectReport evaluates in and compares the checks' states and
// annotations (see states and notes) with the wanted ones, and the report
// with the golden file testdata/name.
func expectReport(t *testing.T, in Input, wantStates, wantNotes []string, name string) {
	t.Helper()
	rep, err := Evaluate(in)
	if err != nil {
		t.Fatal(err)
	}
	if got := states(rep); !slices.Equal(got, wantStates) {
		t.Errorf("checks = %v, want %v", got, wantStates)
	}
	if got := notes(rep); !slices.Equal(got, wantNotes) {
		t.Errorf("annotations = %v, want %v", got, wantNotes)
	}
	goldenText(t, name, dump(rep))
}
