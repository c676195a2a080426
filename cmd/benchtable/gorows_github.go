package main

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// promotionCalls: GitHub calls for one promotion of one app into one
// environment, from a new process, as a warm repeat, and when the
// environment has the tag already.
var promotionCalls = goRows{
	pkg: "./internal/forge", pattern: "^BenchmarkPromotion$", args: []string{"-benchtime", "3x"},
	rows: func(res map[string]result) ([]row, error) {
		var parts []string
		for _, c := range []struct{ name, label string }{{"cold", "cold"}, {"warm-repeat", "warm"}, {"noop-cold", "no-op"}} {
			name := "forge.BenchmarkPromotion/" + c.name
			calls, err := need(res, name, "calls/op")
			if err != nil {
				return nil, err
			}
			writes, err := need(res, name, "writes/op")
			if err != nil {
				return nil, err
			}
			parts = append(parts, fmt.Sprintf("%s %s (%s writes)", c.label, num(calls), num(writes)))
		}
		slow, err := need(res, "forge.BenchmarkPromotion/cold-50ms-per-call", "ms/promotion")
		if err != nil {
			return nil, err
		}
		return []row{{
			benchmark: "GitHub calls per promotion (forge.Propose)",
			stagehand: strings.Join(parts, ", "),
			notes:     fmt.Sprintf("one app into one environment on githubsim; a cold one with 50 ms per call takes %.0f ms", slow),
		}}, nil
	},
}

// eventToPR: a registry event to its open dev pull request with 50 ms
// added to every GitHub call, end to end in the sandbox: a push to the
// in-process registry, its notification, and Stagehand's calls.
// internal/bot has a BenchmarkEventToPR too, from the bot's registry
// webhook; it is left out because it starts a simulator per event and took
// over a minute on two cores, of the ten the table may take.
var eventToPR = goRows{
	pkg: "./internal/sandbox", pattern: "^BenchmarkEventToPR$", args: []string{"-benchtime", "3x"},
	rows: func(res map[string]result) ([]row, error) {
		fig, err := needAll(res, "sandbox.BenchmarkEventToPR", "ms/event", "calls/event")
		if err != nil {
			return nil, err
		}
		return []row{{
			benchmark: "event → PR, 50 ms per GitHub call (sandbox)",
			stagehand: fmt.Sprintf("%.0f ms, %s GitHub calls", fig[0], num(fig[1])),
			peer:      "budget: 8 sequential calls (400 ms)",
			ratio:     fmt.Sprintf("%.2f× the budget", fig[0]/400),
			notes:     "a push to the in-process registry, its notification, Stagehand's calls until the pull request exists; 3 events, each the first of its app",
		}}, nil
	},
}

// largeRepo: a config repository of 5,000 apps × 3 environments in
// githubsim. Every figure the benchmark reports is printed, so one added
// to it shows up without a change here.
var largeRepo = goRows{
	pkg: "./internal/sandbox ./internal/bot", pattern: "^BenchmarkRouteAndPlan(LargeRepo)?$", args: []string{"-benchtime", "5x"},
	rows: func(res map[string]result) ([]row, error) {
		sb, err := need(res, "sandbox.BenchmarkRouteAndPlanLargeRepo", "ns/op")
		if err != nil {
			return nil, err
		}
		mem, err := need(res, "bot.BenchmarkRouteAndPlan", "ns/op")
		if err != nil {
			return nil, err
		}
		return []row{{
			benchmark: "5,000-app repository: index, route and plan (sandbox)",
			stagehand: fmt.Sprintf("plan %.0f µs; %s", sb/1e3, figures(res["sandbox.BenchmarkRouteAndPlanLargeRepo"])),
			peer:      fmt.Sprintf("tree in memory (bot): plan %.0f µs", mem/1e3),
			ratio:     fmt.Sprintf("%.1f× the in-memory plan", sb/mem),
			notes:     "15,000 overlays in githubsim; index-calls is what building the routing index cost at start, calls/op what a warm plan costs",
		}}, nil
	},
}

// figures lists every figure of a benchmark but the standard three, by
// name, so that a figure added to the benchmark reaches the table.
func figures(r result) string {
	var parts []string
	for _, unit := range slices.Sorted(maps.Keys(r)) {
		switch unit {
		case "ns/op", "B/op", "allocs/op":
			continue
		}
		parts = append(parts, num(r[unit])+" "+unit)
	}
	return strings.Join(parts, ", ")
}

// num prints a figure without trailing zeros: 6, 2.5, 0.333.
func num(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
