// Command benchtable runs the benchmarks users feel and prints one markdown
// table: Stagehand beside the tool or target it is measured against. It is
// what `make bench` runs.
//
// Each row comes from a measurement in the measurements list; a new row is
// one more function there that returns rows.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"
)

// row is one line of the table.
type row struct {
	benchmark, stagehand, peer, ratio, notes string
}

// setup is what every measurement may use.
type setup struct {
	stagehand string // the production binary
	sandbox   string // the same program with the sandbox in
	kustomize string
	runs      int // whole-process runs per command
	work      string
	only      map[string]bool // measurements to run; empty: all
}

// measurement produces rows, or fails with why.
type measurement struct {
	name string
	run  func(*setup) ([]row, error)
}

// measurements are the table's rows, in order.
var measurements = []measurement{
	{"process", wholeProcess},
	{"checklarge", largeCheck},
	{"edit", overlayEdit.run},
	{"init", packageInit},
	{"ingest", inProcessIngest.run},
	{"wrk", wrkIngest},
	{"calls", promotionCalls.run},
	{"profile", promotionProfile},
	{"event", eventToPR.run},
	{"large", largeRepo.run},
	{"explain", explainTags.run},
	{"helm", helmValues.run},
	{"index", indexLargeRepo.run},
}

func main() {
	s := &setup{}
	flag.StringVar(&s.stagehand, "stagehand", "bin/stagehand", "the production binary")
	flag.StringVar(&s.sandbox, "sandbox", "bin/stagehand-sandbox", "the binary with the sandbox in, to compare init with")
	flag.StringVar(&s.kustomize, "kustomize", ".tools/bin/kustomize", "the kustomize CLI")
	flag.IntVar(&s.runs, "runs", 21, "runs of each command, alternating with kustomize")
	only := flag.String("only", "", "comma-separated measurements to run (default all): "+names())
	intake := flag.String("serve-webhook", "", "serve the webhook intake on loopback for wrk (unique or duplicate delivery IDs) and exit when stdin closes; the wrk rows run it")
	flag.Parse()
	if *intake != "" {
		if err := serveIntake(*intake, os.Stdin, os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, "benchtable: intake:", err)
			os.Exit(1)
		}
		return
	}
	if *only != "" {
		s.only = map[string]bool{}
		for _, n := range strings.Split(*only, ",") {
			s.only[strings.TrimSpace(n)] = true
		}
	}
	for _, p := range []*string{&s.stagehand, &s.sandbox, &s.kustomize} {
		if abs, err := filepath.Abs(*p); err == nil {
			*p = abs // the commands run in other directories
		}
	}
	dir, err := os.MkdirTemp("", "benchtable")
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchtable:", err)
		os.Exit(1)
	}
	defer os.RemoveAll(dir)
	s.work = dir
	os.Exit(run(s, os.Stdout, os.Stderr))
}

// run measures everything it can and prints the table; a failed
// measurement becomes a row that says so, and exit code 1.
func run(s *setup, out, errs io.Writer) int {
	code := 0
	var rows []row
	for _, m := range measurements {
		if len(s.only) > 0 && !s.only[m.name] {
			continue
		}
		fmt.Fprintf(errs, "benchtable: %s …\n", m.name)
		start := time.Now()
		rs, err := m.run(s)
		if err != nil {
			fmt.Fprintf(errs, "benchtable: %s: %v\n", m.name, err)
			rows = append(rows, row{benchmark: m.name, notes: "failed: " + oneLine(err.Error())})
			code = 1
			continue
		}
		fmt.Fprintf(errs, "benchtable: %s took %v\n", m.name, time.Since(start).Round(time.Second))
		rows = append(rows, rs...)
	}
	printTable(out, rows)
	fmt.Fprintf(out, "\n%d cores, %s, %s/%s, measured %s\n", runtime.NumCPU(), runtime.Version(), runtime.GOOS, runtime.GOARCH,
		time.Now().UTC().Format(time.RFC3339))
	return code
}

func names() string {
	var n []string
	for _, m := range measurements {
		n = append(n, m.name)
	}
	return strings.Join(n, ", ")
}

func printTable(w io.Writer, rows []row) {
	fmt.Fprintln(w, "| benchmark | stagehand | peer | ratio | notes |")
	fmt.Fprintln(w, "|---|---|---|---|---|")
	for _, r := range rows {
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s |\n", cell(r.benchmark), cell(r.stagehand), cell(r.peer), cell(r.ratio), cell(r.notes))
	}
}

func cell(s string) string { return strings.ReplaceAll(oneLine(s), "|", `\|`) }

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
