package promote

import (
	"os"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stagehand-gitops/stagehand/internal/policy"
	"github.com/stagehand-gitops/stagehand/internal/source"
)

// TestSourcePlanChangesOnlyTheTag plans a push for each source app of the
// mixed repository: the dev proposal rewrites only the tag bytes of the
// values file (or HelmRelease), and Current reads what each environment
// runs from the same files.
func TestSourcePlanChangesOnlyTheTag(t *testing.T) {
	pol, tree := load(t, os.DirFS("../../testdata/mixed-repo"))
	for _, tc := range []struct {
		app, image, file, from, line string
	}{
		{"payment-service", "registry.demo.local/acme/payment-service", "apps/payment-service/values-dev.yaml", "v2.3.0", `  tag: "v2.4.0"   # set by Stagehand`},
		{"web", "registry.demo.local/acme/web", "clusters/dev/web.yaml", "v0.9.2", `      tag: v0.10.0 # set by Stagehand`},
	} {
		t.Run(tc.app, func(t *testing.T) {
			d, err := Current(pol, tree, tc.app, tc.image, "prod")
			if err != nil || d.Version.Tag != tc.from || len(d.Lines) != 1 || d.Lines[0] == 0 {
				t.Fatalf("Current in prod = %+v, %v; want %s with a line", d, err, tc.from)
			}
			tag := strings.Fields(strings.Trim(strings.TrimSpace(tc.line), `"`))[1]
			tag = strings.Trim(tag, `"`)
			plan, err := PlanPush(pol, tree, Request{Push: Push{Image: tc.image, Tag: tag}})
			if err != nil {
				t.Fatal(err)
			}
			if len(plan.Proposals) != 1 {
				t.Fatalf("plan %+v, want one proposal", plan)
			}
			p := plan.Proposals[0]
			if p.Env != "dev" || p.From.Tag != tc.from || p.To.Tag != tag || len(p.Files) != 1 || p.Files[0].Path != tc.file {
				t.Fatalf("proposal %s %s→%s files %v", p.Env, p.From, p.To, p.Files)
			}
			before, after := string(p.Files[0].Before), string(p.Files[0].After)
			if want := strings.Replace(before, tc.from, tag, 1); after != want {
				t.Errorf("the edit changed more than the tag:\n%s", after)
			}
			if lines := source.ChangedLines(p.Files[0].Before, p.Files[0].After); len(lines) != 1 || strings.Split(after, "\n")[lines[0]-1] != tc.line {
				t.Errorf("changed lines %v, want only %q", lines, tc.line)
			}
		})
	}
}

// TestSourceCurrentProblems: an environment without its file has no
// overlay; a file that does not hold the image is missing it; a file that
// does not parse is an error naming its line, and so is a plan into it.
func TestSourceCurrentProblems(t *testing.T) {
	pol, _ := load(t, os.DirFS("../../testdata/mixed-repo"))
	tree := fstest.MapFS{}
	for _, f := range []string{".stagehand.yaml", "apps/payment-service/values-dev.yaml"} {
		data, err := os.ReadFile("../../testdata/mixed-repo/" + f)
		if err != nil {
			t.Fatal(err)
		}
		tree[f] = &fstest.MapFile{Data: data}
	}
	tree["apps/payment-service/values-staging.yaml"] = &fstest.MapFile{Data: []byte("replicaCount: 2\n")}
	tree["apps/payment-service/values-prod.yaml"] = &fstest.MapFile{Data: []byte("replicaCount: 3\nimage:\n  tag: v1\n   pullPolicy: Always\n")}
	const img = "registry.demo.local/acme/payment-service"
	app, _ := pol.App("payment-service")
	if _, err := Current(pol, tree, "web", "registry.demo.local/acme/web", "dev"); err == nil || !strings.Contains(err.Error(), "no overlay") {
		t.Errorf("web without its HelmRelease: %v, want no overlay", err)
	}
	if d, err := Current(pol, tree, "payment-service", img, "staging"); err != nil || len(d.Missing) != 1 || !d.Version.IsZero() {
		t.Errorf("values without the image: %+v, %v", d, err)
	}
	if _, err := Current(pol, tree, "payment-service", img, "prod"); err == nil || !strings.Contains(err.Error(), "apps/payment-service/values-prod.yaml:4") {
		t.Errorf("a broken values file: %v, want its file:line", err)
	}
	if line, err := ValuesProblem(pol, tree, app, img, "apps/payment-service/values-prod.yaml"); err == nil || line != 4 {
		t.Errorf("ValuesProblem = %d, %v; want line 4", line, err)
	}
	if _, err := Edits(pol, tree, policy.ImageRef{App: "payment-service", Image: img}, "staging", Version{Tag: "v9.0.0"}); err == nil || !strings.Contains(err.Error(), "does not hold") {
		t.Errorf("an edit of a file without the image: %v", err)
	}
}
