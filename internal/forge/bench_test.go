package forge

import (
	"context"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/stagehand-gitops/stagehand/internal/githubsim"
)

// BenchmarkPromotion reports what one promotion of one app into one
// environment costs, cold (a new process) and as a warm repeat, in calls to
// GitHub, and how long a cold one takes when every call has 50 ms of latency.
// noop-cold is a new process asked for a tag the environment already has.
func BenchmarkPromotion(b *testing.B) {
	for _, bc := range []struct {
		name    string
		latency time.Duration
		warm    bool
		noop    bool
	}{
		{"cold", 0, false, false},
		{"warm-repeat", 0, true, false},
		{"noop-cold", 0, false, true},
		{"cold-50ms-per-call", 50 * time.Millisecond, false, false},
	} {
		b.Run(bc.name, func(b *testing.B) {
			// Many iterations on one token would run into the primary rate limit.
			e := newEnv(b, envOptions{latency: bc.latency, sim: githubsim.Options{RateLimit: math.MaxInt32}})
			ctx := context.Background()
			warm := e.coldForge(b)
			res, err := warm.Propose(ctx, testRepo, promotion("v1.1.0"))
			if err != nil {
				b.Fatal(err)
			}
			if bc.noop {
				if _, err := warm.Merge(ctx, testRepo, res.PR.GetNumber(), res.Commit, MergeOptions{Method: "squash"}); err != nil {
					b.Fatal(err)
				}
			}
			e.calls()
			b.ResetTimer()
			for i := range b.N {
				f, p := warm, promotion("v1.1.0")
				switch {
				case bc.noop:
					f = e.coldForge(b)
				case !bc.warm:
					f, p = e.coldForge(b), promotion(fmt.Sprintf("v1.%d.0", i+2))
					p.Branch = fmt.Sprintf("stagehand/dev/web-%d", i)
				}
				got, err := f.Propose(ctx, testRepo, p)
				if err != nil {
					b.Fatal(err)
				}
				if bc.noop && got.Written {
					b.Fatal("a promotion to the tag the environment has wrote something")
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
