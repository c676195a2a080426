// Package inittrace reads what the Go runtime prints with
// GODEBUG=inittrace=1: one line per package initialised before main runs.
// The benchmark table and the start-up regression test sum those lines.
package inittrace

import (
	"bufio"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Init is one package's initialisation.
type Init struct {
	Package string
	Clock   time.Duration
	Bytes   int64
	Allocs  int64
}

// Trace is every package initialised before main, in the order printed.
type Trace []Init

// Parse reads the init lines from r (a process's stderr) and skips every
// other line.
func Parse(r io.Reader) (Trace, error) {
	var t Trace
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		if in, ok := parseLine(sc.Text()); ok {
			t = append(t, in)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read init trace: %w", err)
	}
	return t, nil
}

// parseLine reads a line of the form
// "init net/http @1.2 ms, 0.08 ms clock, 4712 bytes, 49 allocs".
func parseLine(line string) (Init, bool) {
	rest, ok := strings.CutPrefix(line, "init ")
	if !ok {
		return Init{}, false
	}
	f := strings.Fields(rest)
	if len(f) != 10 || !strings.HasPrefix(f[1], "@") || f[2] != "ms," || f[4] != "ms" || f[5] != "clock," ||
		f[7] != "bytes," || f[9] != "allocs" {
		return Init{}, false
	}
	ms, err1 := strconv.ParseFloat(f[3], 64)
	bytes, err2 := strconv.ParseInt(f[6], 10, 64)
	allocs, err3 := strconv.ParseInt(f[8], 10, 64)
	if err1 != nil || err2 != nil || err3 != nil || !(ms >= 0 && ms < 1e9) || bytes < 0 || allocs < 0 {
		return Init{}, false
	}
	return Init{Package: f[0], Clock: time.Duration(ms * float64(time.Millisecond)), Bytes: bytes, Allocs: allocs}, true
}

// Clock is the time every package's initialisation took, summed.
func (t Trace) Clock() time.Duration {
	var d time.Duration
	for _, in := range t {
		d += in.Clock
	}
	return d
}

// Bytes is what every package's initialisation allocated, summed. Unlike
// the clock it does not vary with the machine's load.
func (t Trace) Bytes() int64 {
	var n int64
	for _, in := range t {
		n += in.Bytes
	}
	return n
}

// Heaviest returns the n packages that allocated most, heaviest first.
func (t Trace) Heaviest(n int) Trace {
	s := append(Trace(nil), t...)
	sort.SliceStable(s, func(i, j int) bool { return s[i].Bytes > s[j].Bytes })
	return s[:min(n, len(s))]
}
