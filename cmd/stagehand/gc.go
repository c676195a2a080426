package main

import (
	"runtime"
	"runtime/debug"
	"slices"
)

// oneShot lists the offline commands that read a checkout, print and exit.
// On the small repositories CI runs them on they allocate a few megabytes
// and exit before a collection would free anything, yet the collector's
// 4 MB starting goal makes `check` collect twice, and its concurrent mark
// competes with the git processes it waits for (up to a sixth of its wall
// time on two cores, in alternating runs on a loaded machine).
var oneShot = []string{"plan", "explain", "status", "policy", "set-image", "set-values", "check"}

// lateCollection is how much a one-shot command allocates before its first
// collection; from that one on, the collector runs as it would by default,
// so a large repository costs what it did. The small case allocates about
// 5 MB; at 64 MiB, check on 300 apps doubled its peak RSS (32 to 64 MiB)
// and gained nothing.
const lateCollection = 16 << 20

// oneShotRun reports whether args run a one-shot command whose collector
// may start late: not when GOGC or GOMEMLIMIT says how it should run.
func oneShotRun(args []string, getenv func(string) string) bool {
	return len(args) > 0 && slices.Contains(oneShot, args[0]) && getenv("GOGC") == "" && getenv("GOMEMLIMIT") == ""
}

// collectLate turns the collector off until the heap reaches
// lateCollection.
func collectLate() {
	percent := debug.SetGCPercent(-1)
	limit := debug.SetMemoryLimit(lateCollection)
	// The first collection, forced by the limit, frees the sentinel; its
	// cleanup puts the defaults back.
	runtime.AddCleanup(&sentinel{}, func(struct{}) {
		debug.SetGCPercent(percent)
		debug.SetMemoryLimit(limit)
	}, struct{}{})
}

// sentinel holds a pointer so that it is not a tiny allocation, whose
// cleanups may never run.
type sentinel struct{ _ *int }
