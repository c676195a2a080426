package queue

import (
	"testing"
	"time"
)

// TestDefaultBackOff checks the policy a queue uses when Options leave it
// unset: exponential from 1s, capped at 1m, each wait jittered by ±50%.
func TestDefaultBackOff(t *testing.T) {
	newBackOff := withDefaults(Options{}).NewBackOff
	const jobs = 20
	firsts := map[time.Duration]bool{}
	for range jobs {
		b := newBackOff()
		base := time.Second
		for i := range 15 {
			d := b.NextBackOff()
			if d < base/2 || d > base*3/2 {
				t.Fatalf("wait %d = %v, want within ±50%% of %v", i+1, d, base)
			}
			if i == 0 {
				firsts[d] = true
			}
			base = min(time.Duration(float64(base)*1.5), time.Minute)
		}
	}
	if len(firsts) < jobs/2 {
		t.Errorf("%d jobs drew only %d distinct first waits: no jitter", jobs, len(firsts))
	}
}
