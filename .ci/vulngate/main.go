// Command vulngate reads govulncheck's JSON stream on standard input and
// decides what fails the build: a vulnerability the code reaches in a
// required module for which a fixed version exists. Those are upgrades
// waiting to be made. It prints, without failing, what no dependency
// upgrade can fix: findings in the standard library (they need a newer Go
// toolchain, named in the output) and findings with no fixed release.
package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
)

type frame struct {
	Module   string `json:"module"`
	Version  string `json:"version"`
	Package  string `json:"package"`
	Function string `json:"function"`
}

type finding struct {
	OSV          string  `json:"osv"`
	FixedVersion string  `json:"fixed_version"`
	Trace        []frame `json:"trace"`
}

type osvEntry struct {
	ID      string `json:"id"`
	Summary string `json:"summary"`
}

type message struct {
	OSV     *osvEntry `json:"osv"`
	Finding *finding  `json:"finding"`
}

// row is one vulnerability the code reaches, in one module.
type row struct {
	id, module, found, fixed, summary string
}

func main() {
	rows, err := read(os.Stdin)
	if err != nil {
		fmt.Fprintln(os.Stderr, "vulngate:", err)
		os.Exit(2)
	}
	failed := 0
	for _, r := range rows {
		verdict := "upgrade needed"
		switch {
		case r.module == "stdlib":
			verdict = "needs Go " + strings.TrimPrefix(r.fixed, "v") + " (toolchain, not a dependency)"
		case r.fixed == "":
			verdict = "no fixed release (reported, not failed)"
		default:
			failed++
		}
		fmt.Printf("%s %s@%s: %s — %s\n", r.id, r.module, r.found, verdict, r.summary)
	}
	if failed > 0 {
		fmt.Printf("vulngate: %d reachable vulnerabilities have a fixed release; upgrade those modules\n", failed)
		os.Exit(1)
	}
	fmt.Printf("vulngate: no reachable vulnerability with a fixed release in a dependency (%d reported)\n", len(rows))
}

// read collects the called findings (the trace's first frame names a
// function) once per vulnerability and module.
func read(r io.Reader) ([]row, error) {
	dec := json.NewDecoder(r)
	summaries := map[string]string{}
	seen := map[[2]string]*row{}
	for {
		var m message
		err := dec.Decode(&m)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("decode govulncheck output: %w", err)
		}
		if m.OSV != nil {
			summaries[m.OSV.ID] = m.OSV.Summary
		}
		f := m.Finding
		if f == nil || len(f.Trace) == 0 || f.Trace[0].Function == "" {
			continue
		}
		key := [2]string{f.OSV, f.Trace[0].Module}
		if seen[key] == nil {
			seen[key] = &row{id: f.OSV, module: f.Trace[0].Module, found: f.Trace[0].Version, fixed: f.FixedVersion}
		}
	}
	out := make([]row, 0, len(seen))
	for _, r := range seen {
		r.summary = summaries[r.id]
		out = append(out, *r)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].module != out[j].module {
			return out[i].module < out[j].module
		}
		return out[i].id < out[j].id
	})
	return out, nil
}
