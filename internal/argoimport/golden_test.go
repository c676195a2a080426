package argoimport

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stagehand-gitops/stagehand/internal/golden"
	"github.com/stagehand-gitops/stagehand/internal/policy"
)

// TestGolden translates each testdata case and compares the printed policy
// and the report with the case's golden files (go test -update rewrites
// them). A case with a base file appends to that existing policy.
func TestGolden(t *testing.T) {
	cases := []struct {
		name string
		base string // existing policy; "" for none
	}{
		{name: "textbook", base: "../../testdata/textbook-repo/.stagehand.yaml"},
		{name: "inferred"},
		{name: "append", base: "testdata/append/policy.yaml"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join("testdata", tc.name)
			data, err := os.ReadFile(filepath.Join(dir, "applications.yaml"))
			if err != nil {
				t.Fatal(err)
			}
			apps, err := ReadApplications("applications.yaml", data)
			if err != nil {
				t.Fatal(err)
			}
			layout, base := DefaultLayout(), (*Base)(nil)
			if tc.base != "" {
				base = readBase(t, tc.base)
				layout = LayoutOf(base.Policy)
			}
			tr, err := Translate(apps, layout)
			if err != nil {
				t.Fatal(err)
			}
			out, err := Render(tr, base)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := policy.Parse(policy.FileName, out); err != nil {
				t.Fatalf("the printed policy does not parse: %v", err)
			}
			var report strings.Builder
			for _, n := range tr.Notes {
				report.WriteString(n.String() + "\n")
			}
			golden.Check(t, filepath.Join(dir, "stagehand.yaml.golden"), out)
			golden.Check(t, filepath.Join(dir, "report.golden"), []byte(report.String()))
		})
	}
}

func readBase(t *testing.T, file string) *Base {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	p, err := policy.Parse(file, data)
	if err != nil {
		t.Fatal(err)
	}
	return &Base{Data: data, Policy: p}
}
