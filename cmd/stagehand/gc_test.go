package main

import (
	"runtime"
	"runtime/debug"
	"testing"
	"time"
)

func TestCollectLateCommands(t *testing.T) {
	env := func(vars map[string]string) func(string) string {
		return func(k string) string { return vars[k] }
	}
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want bool
	}{
		{"check", []string{"check", "--dir", "."}, nil, true},
		{"set-image", []string{"set-image", "a:1"}, nil, true},
		{"serve runs for days", []string{"serve"}, nil, false},
		{"no command", nil, nil, false},
		{"flag first", []string{"--help"}, nil, false},
		{"GOGC set", []string{"check"}, map[string]string{"GOGC": "200"}, false},
		{"GOMEMLIMIT set", []string{"plan"}, map[string]string{"GOMEMLIMIT": "1GiB"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := oneShotRun(tt.args, env(tt.env)); got != tt.want {
				t.Errorf("oneShotRun(%q) = %v, want %v", tt.args, got, tt.want)
			}
		})
	}
}

// TestCollectLateRestores: with the collector off, the first collection
// puts the defaults back.
func TestCollectLateRestores(t *testing.T) {
	before := debug.SetGCPercent(100)
	debug.SetGCPercent(before)
	collectLate()
	if p := debug.SetGCPercent(-1); p != -1 {
		t.Fatalf("GC percent %d after collectLate, want -1 (off)", p)
	}
	if l := debug.SetMemoryLimit(-1); l != lateCollection {
		t.Fatalf("memory limit %d, want %d", l, lateCollection)
	}
	for deadline := time.Now().Add(10 * time.Second); ; {
		runtime.GC()
		if p := debug.SetGCPercent(-1); p == before {
			debug.SetGCPercent(before)
			break
		}
		if time.Now().After(deadline) {
			debug.SetGCPercent(before)
			t.Fatal("the first collection did not put the GC percent back")
		}
		time.Sleep(time.Millisecond)
	}
	if l := debug.SetMemoryLimit(-1); l == lateCollection {
		t.Error("the memory limit stayed at lateCollection")
	}
}
