package forge

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// BenchmarkPromotion reports what one promotion of one app into one
// environment costs, cold (a new process) and as a warm repeat, in calls to
// GitHub, and how long a cold one takes when every call has 50 ms of latency.
func BenchmarkPromotion(b *testing.B) {
	for _, bc := range []struct {
		name    string
		latency time.Duration
		warm    bool
	}{
		{"cold", 0, false},
		{"warm-repeat", 0, true},
		{"cold-50ms-per-call", 50 * time.Millisecond, false},
	} {
		b.Run(bc.name, func(b *testing.B) {
			e := newEnv(b, envOptions{latency: bc.latency})
			ctx := context.Background()
			warm := e.coldForge(b)
			if _, err := warm.Propose(ctx, testRepo, promotion("v1.1.0")); err != nil {
				b.Fatal(err)
			}
			e.calls()
			b.ResetTimer()
			for i := range b.N {
				f, p := warm, promotion("v1.1.0")
				if !bc.warm {
					f, p = e.coldForge(b), promotion(fmt.Sprintf("v1.%d.0", i+2))
					p.Branch = fmt.Sprintf("stagehand/dev/web-%d", i)
				}
				if _, err := f.Propose(ctx, testRepo, p); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			c := e.calls()
			b.ReportMetric(float64(c.Total())/float64(b.N), "calls/op")
			b.ReportMetric(float64(c.Writes)/float64(b.N), "writes/op")
			b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/promotion")
		})
	}
}
