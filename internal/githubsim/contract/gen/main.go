// Command gen trims GitHub's REST API description to the operations the
// simulated GitHub serves. Point -spec at generated/api.github.com.json of the
// pinned npm package (contract.SpecPackage); `make openapi` does that.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/stagehand-gitops/stagehand/internal/githubsim/contract"
)

func main() {
	spec := flag.String("spec", "", "path of the full api.github.com.json description")
	out := flag.String("out", "internal/githubsim/contract/testdata/api.github.com.json", "where to write the trimmed description")
	flag.Parse()
	if err := run(*spec, *out); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(spec, out string) error {
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
