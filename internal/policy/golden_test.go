package policy

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stagehand-gitops/stagehand/internal/golden"
)

// TestGoldenErrors checks the full validation output for each file under
// testdata/invalid against its .golden file (go test -update rewrites them).
func TestGoldenErrors(t *testing.T) {
	files, err := filepath.Glob("testdata/invalid/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden inputs: %v", err)
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			_, err = Parse(filepath.Base(file), data)
			if err == nil {
				t.Fatal("Parse accepts an invalid policy")
			}
			got := err.Error() + "\n"
			golden.CheckString(t, strings.TrimSuffix(file, ".yaml")+".golden", got)
		})
	}
}
