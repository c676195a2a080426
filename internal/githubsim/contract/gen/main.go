// Command gen trims GitHub's REST API description to the operations the
// simulated GitHub serves. Point -spec at generated/api.github.com.json of the
// pinned npm package (contract.SpecPackage); `make openapi` does that.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/stagehand-gitops/stagehand/internal/githubsim/contract"
)

func main() {
	spec := flag.String("spec", "", "path of the full api.github.com.json description")
	out := flag.String("out", "internal/githubsim/contract/testdata/api.github.com.json", "where to write the trimmed description")
	examples := flag.String("examples", "", "if set, a directory to write GitHub's own example payloads into, as test fixtures")
	pkg := flag.Bool("package", false, "print the pinned npm package (name@version) and exit")
	flag.Parse()
	if *pkg {
		fmt.Println(contract.SpecPackage)
		return
	}
	if err := run(*spec, *out, *examples); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(spec, out, examples string) error {
	if spec == "" {
		return fmt.Errorf("-spec is required")
	}
	full, err := os.ReadFile(spec)
	if err != nil {
		return fmt.Errorf("read description: %w", err)
	}
	if err := checkVersion(full); err != nil {
		return fmt.Errorf("%s: %w", spec, err)
	}
	trimmed, err := contract.Trim(full, contract.Operations)
	if err != nil {
		return fmt.Errorf("trim %s: %w", spec, err)
	}
	if err := os.WriteFile(out, trimmed, 0o644); err != nil {
		return fmt.Errorf("write trimmed description: %w", err)
	}
	fmt.Printf("%s: %d operations, %d bytes (from %d)\n", out, len(contract.Operations), len(trimmed), len(full))
	if examples == "" {
		return nil
	}
	return writeExamples(full, examples)
}

// fixtures are the response examples of the full description that the
// contract tests use as realistic payloads, by component name.
var fixtures = []string{
	"check-run", "combined-commit-status", "commit-comparison", "content-file",
	"git-ref", "git-tree", "issue-comment", "pull-request",
}

// writeExamples writes each fixture's example value as <name>.json, with
// sorted keys so regeneration gives no diff.
func writeExamples(full []byte, dir string) error {
	var doc struct {
		Components struct {
			Examples map[string]struct {
				Value json.RawMessage `json:"value"`
			} `json:"examples"`
		} `json:"components"`
	}
	if err := json.Unmarshal(full, &doc); err != nil {
		return fmt.Errorf("decode examples: %w", err)
	}
	for _, name := range fixtures {
		ex, ok := doc.Components.Examples[name]
		if !ok {
			return fmt.Errorf("example %s: not in description", name)
		}
		var value any
		if err := json.Unmarshal(ex.Value, &value); err != nil {
			return fmt.Errorf("example %s: %w", name, err)
		}
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		if err := enc.Encode(value); err != nil {
			return fmt.Errorf("example %s: %w", name, err)
		}
		if err := os.WriteFile(filepath.Join(dir, name+".json"), buf.Bytes(), 0o644); err != nil {
			return fmt.Errorf("write example %s: %w", name, err)
		}
	}
	fmt.Printf("%s: %d examples\n", dir, len(fixtures))
	return nil
}

// checkVersion refuses a description from another package version than the
// pinned one, so the committed file always matches contract.SpecPackage.
func checkVersion(full []byte) error {
	var doc struct {
		Info struct {
			Version string `json:"version"`
		} `json:"info"`
	}
	if err := json.Unmarshal(full, &doc); err != nil {
		return fmt.Errorf("decode info: %w", err)
	}
	want := contract.SpecPackage[strings.LastIndex(contract.SpecPackage, "@")+1:]
	if doc.Info.Version != want {
		return fmt.Errorf("description version %q, pinned %s", doc.Info.Version, contract.SpecPackage)
	}
	return nil
}
