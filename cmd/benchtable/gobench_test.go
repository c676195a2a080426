package main

import (
	"strings"
	"testing"
)

func TestParseBench(t *testing.T) {
	out := `goos: linux
BenchmarkWebhookIngest/unique-2   	   20000	   1481765 ns/op	     10000 dedupe-entries	       674.9 deliveries/s	   19234 B/op	     293 allocs/op
BenchmarkSetImage/several-images-2 	1000	  52000 ns/op
BenchmarkBroken-2 	x	  1 ns/op
PASS
`
	res, err := parseBench(strings.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 2 {
		t.Fatalf("parsed %v, want 2 benchmarks", res)
	}
	if v, err := need(res, "BenchmarkWebhookIngest/unique", "deliveries/s"); err != nil || v != 674.9 {
		t.Errorf("deliveries/s = %v, %v", v, err)
	}
	if _, err := need(res, "BenchmarkSetImage/several-images", "allocs/op"); err == nil {
		t.Error("a figure that was not reported was found")
	}
}

// FuzzParseBench: any output parses without error, and names never keep
// the GOMAXPROCS suffix.
func FuzzParseBench(f *testing.F) {
	f.Add("BenchmarkX-2 \t 10 \t 5 ns/op\n")
	f.Add("BenchmarkX-a 1 2 x/op 3")
	f.Fuzz(func(t *testing.T, s string) {
		res, err := parseBench(strings.NewReader(s))
		if err != nil {
			t.Fatal(err)
		}
		for name := range res {
			if !strings.HasPrefix(name, "Benchmark") {
				t.Fatalf("name %q", name)
			}
		}
	})
}
