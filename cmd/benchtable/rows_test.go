package main

import (
	"os"
	"strings"
	"testing"
	"time"
)

// rowCases are the table's Go-benchmark rows, each on output captured
// from its `go test -bench` run: the cells the row must show, and the
// metrics it reads, each of which, renamed, must fail the row.
var rowCases = []struct {
	name   string
	sample string
	rows   goRows
	want   []string
	needs  []string
}{
	{"overlay edit", "overlay.txt", overlayEdit,
		[]string{"29 corpus cases", "median 193 µs in process; 45 lines changed in all", "`kustomize edit set image` process: median 17.7 ms; 177 lines changed", "92× faster, 3.9× fewer lines"},
		[]string{"ns/op", "lines-changed"}},
	{"Helm values edit", "source.txt", helmValues,
		[]string{"corpus cases", "lines changed in all", "yaml.Node decode/encode: median"},
		[]string{"ns/op", "lines-changed"}},
	{"explain", "explain.txt", explainTags,
		[]string{"`stagehand explain` over 10,000 tags (staging)", "22.4 ms, 18408 allocs", "channel 17.0 ms, newest-build 25.3 ms, semver 34.9 ms, semver-listed-order 44.7 ms"},
		[]string{"ns/op"}},
	{"webhook ingest in process", "server.txt", inProcessIngest,
		[]string{"unique delivery IDs", "3888/s, p50 6.74 ms, p99 36.70 ms", "request path alone 6 allocs, 200 B per delivery; the worker's decode of a push 118 µs, 181 allocs; dedupe set 1 entries, 1.6 MiB when full"},
		[]string{"deliveries/s", "p50-ms", "p99-ms", "dedupe-entries", "dedupe-full-MiB", "allocs/op"}},
	{"calls per promotion", "forge.txt", promotionCalls,
		[]string{"cold 6 (4 writes), warm 2 (0 writes), no-op 3 (0 writes)", "takes 322 ms"},
		[]string{"calls/op", "writes/op", "ms/promotion"}},
	{"event to PR", "event.txt", eventToPR,
		[]string{"event → PR, 50 ms per GitHub call (sandbox)", "386 ms, 7 GitHub calls", "0.96× the budget"},
		[]string{"ms/event", "calls/event"}},
	{"5,000 apps", "large.txt", largeRepo,
		[]string{"plan 8199 µs; 135.2 RSS-MiB, 0 calls/op, 5007 index-calls", "tree in memory (bot): plan 9993 µs", "0.8× the in-memory plan"},
		[]string{"ns/op"}},
}

func TestGoRows(t *testing.T) {
	for _, c := range rowCases {
		t.Run(c.name, func(t *testing.T) {
			sample := readSample(t, c.sample)
			got := tableOf(t, c.rows, sample)
			for _, w := range c.want {
				if !strings.Contains(got, w) {
					t.Errorf("the rows lack %q:\n%s", w, got)
				}
			}
			for _, unit := range c.needs {
				renamed := strings.ReplaceAll(sample, " "+unit, " renamed-"+unit)
				if renamed == sample {
					t.Fatalf("the sample reports no %s", unit)
				}
				res, err := parseBench(strings.NewReader(renamed))
				if err != nil {
					t.Fatal(err)
				}
				if rows, err := c.rows.rows(res); err == nil {
					t.Errorf("with %s renamed the rows are %v, want an error", unit, rows)
				}
			}
		})
	}
}

// TestLargeRepoShowsNewFigures: a figure the benchmark starts to report
// reaches the table without a change to the row.
func TestLargeRepoShowsNewFigures(t *testing.T) {
	sample := strings.Replace(readSample(t, "large.txt"), " ns/op", " ns/op\t 9 refresh-calls", 1)
	if got := tableOf(t, largeRepo, sample); !strings.Contains(got, "9 refresh-calls") {
		t.Errorf("the new figure is not in the row:\n%s", got)
	}
}

func TestParseWrk(t *testing.T) {
	st, err := parseWrk(strings.NewReader(readSample(t, "wrk.txt")))
	if err != nil {
		t.Fatal(err)
	}
	if st.rate != 22928.01 || st.p50 != 1230*time.Microsecond || st.p99 != 6710*time.Microsecond || st.requests != 45939 {
		t.Errorf("parsed %+v", st)
	}
	if _, err := parseWrk(strings.NewReader(strings.Replace(readSample(t, "wrk.txt"), "99%", "99th", 1))); err == nil {
		t.Error("a summary without its 99% line parsed")
	}
}

// TestWrkRow: the row is made only when the intake's answers add up.
func TestWrkRow(t *testing.T) {
	st := wrkStats{rate: 1000, p50: time.Millisecond, p99: 2 * time.Millisecond, requests: 10}
	for _, c := range []struct {
		mode   string
		counts intakeCounts
		ok     bool
	}{
		{"unique", intakeCounts{accepted: 10, handled: 10}, true},
		{"unique", intakeCounts{accepted: 12, handled: 12}, true}, // in flight when wrk stopped
		{"unique", intakeCounts{accepted: 9, handled: 9}, false},
		{"unique", intakeCounts{accepted: 10 + loadClients + 1, handled: 10 + loadClients + 1}, false},
		{"unique", intakeCounts{accepted: 10, handled: 9}, false},
		{"unique", intakeCounts{accepted: 9, other: 1, handled: 9}, false},
		{"duplicate", intakeCounts{accepted: 1, duplicate: 9, handled: 1}, true},
		{"duplicate", intakeCounts{accepted: 2, duplicate: 8, handled: 2}, false},
	} {
		if _, err := wrkRow(c.mode, st, c.counts, "pinned"); (err == nil) != c.ok {
			t.Errorf("%s %+v: error %v, want ok %v", c.mode, c.counts, err, c.ok)
		}
	}
}

func readSample(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func tableOf(t *testing.T, g goRows, sample string) string {
	t.Helper()
	res, err := parseBench(strings.NewReader(sample))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := g.rows(res)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	printTable(&b, rows)
	return b.String()
}

// TestSpeed: a ratio below 1 reads as slower, never as "0.4× faster".
func TestSpeed(t *testing.T) {
	for _, c := range []struct {
		own, peer float64
		want      string
	}{{10, 21, "2.1× faster"}, {23, 10, "2.3× slower"}, {5, 5, "1.0× faster"}} {
		if got := speed(c.own, c.peer); got != c.want {
			t.Errorf("speed(%v, %v) = %q, want %q", c.own, c.peer, got, c.want)
		}
	}
}
