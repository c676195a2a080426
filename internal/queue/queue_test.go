package queue

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cenkalti/backoff/v5"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
)

// guard bounds how long a test waits for something that must happen; it is
// never a measure of speed.
const guard = 10 * time.Second

// harness is a queue with its metrics registry and captured logs.
type harness struct {
	q    *Queue
	reg  *prometheus.Registry
	logs *observer.ObservedLogs
}

func newHarness(t *testing.T, o Options) *harness {
	t.Helper()
	core, logs := observer.New(zapcore.DebugLevel)
	reg := prometheus.NewRegistry()
	o.Logger = zap.New(core)
	o.Registerer = reg
	q, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), guard)
		defer cancel()
		_ = q.Shutdown(ctx)
	})
	return &harness{q: q, reg: reg, logs: logs}
}

// drain shuts the queue down and fails the test if it does not drain.
func (h *harness) drain(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), guard)
	defer cancel()
	if err := h.q.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
}

func (h *harness) jobs(t *testing.T, event, result string) float64 {
	t.Helper()
	return value(t, h.q.metrics.jobs.WithLabelValues(event, result))
}

// value reads a counter or gauge.
func value(t *testing.T, m prometheus.Metric) float64 {
	t.Helper()
	var d dto.Metric
	if err := m.Write(&d); err != nil {
		t.Fatal(err)
	}
	if d.Counter != nil {
		return d.Counter.GetValue()
	}
	return d.Gauge.GetValue()
}

func mustEnqueue(t *testing.T, q *Queue, j Job) {
	t.Helper()
	if err := q.Enqueue(j); err != nil {
		t.Fatalf("Enqueue(%s): %v", j.ID, err)
	}
}

func wait(t *testing.T, ch <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(guard):
		t.Fatalf("gave up waiting for %s", what)
	}
}

func TestPerKeyOrder(t *testing.T) {
	h := newHarness(t, Options{Workers: 4})
	keys := []string{"acme/a", "acme/b", "acme/c"}
	var mu sync.Mutex
	got := map[string][]int{}
	running := map[string]*atomic.Int32{}
	for _, k := range keys {
		running[k] = &atomic.Int32{}
	}
	var overlap atomic.Bool
	const perKey = 40
	for i := range perKey {
		for _, k := range keys {
			mustEnqueue(t, h.q, Job{Key: k, ID: fmt.Sprintf("%s-%d", k, i), Event: "push", Run: func(context.Context) error {
				if running[k].Add(1) > 1 {
					overlap.Store(true)
				}
				defer running[k].Add(-1)
				mu.Lock()
				got[k] = append(got[k], i)
				mu.Unlock()
				return nil
			}})
		}
	}
	h.drain(t)
	if overlap.Load() {
		t.Error("two jobs of one key ran at the same time")
	}
	for _, k := range keys {
		t.Run(k, func(t *testing.T) {
			if len(got[k]) != perKey {
				t.Fatalf("ran %d jobs, want %d", len(got[k]), perKey)
			}
			for i, n := range got[k] {
				if n != i {
					t.Fatalf("job order %v, want 0..%d in order", got[k], perKey-1)
				}
			}
		})
	}
	if n := h.jobs(t, "push", ResultSuccess); n != perKey*float64(len(keys)) {
		t.Errorf("stagehand_jobs_total{push,success} = %v", n)
	}
}

func TestParallelAcrossKeys(t *testing.T) {
	tests := []struct {
		name          string
		workers, keys int
		wantMax       int32
	}{
		{name: "one worker per key", workers: 3, keys: 3, wantMax: 3},
		{name: "more keys than workers", workers: 2, keys: 5, wantMax: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, Options{Workers: tt.workers})
			var active, peak atomic.Int32
			full := make(chan struct{})
			release := make(chan struct{})
			var once sync.Once
			for i := range tt.keys {
				mustEnqueue(t, h.q, Job{Key: fmt.Sprint("repo-", i), ID: fmt.Sprint(i), Run: func(context.Context) error {
					n := active.Add(1)
					defer active.Add(-1)
					for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
					}
					if n == tt.wantMax {
						once.Do(func() { close(full) })
					}
					<-release
					return nil
				}})
			}
			wait(t, full, fmt.Sprintf("%d jobs of different keys to run at once", tt.wantMax))
			close(release)
			h.drain(t)
			if p := peak.Load(); p != tt.wantMax {
				t.Errorf("peak concurrency %d, want %d", p, tt.wantMax)
			}
		})
	}
}

// recordedSleep replaces the timer: it records each backoff and returns at
// once, so retries cost no time.
type recordedSleep struct {
	mu    sync.Mutex
	waits []time.Duration
}

func (s *recordedSleep) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.waits = append(s.waits, d)
	return ctx.Err()
}

func TestRetry(t *testing.T) {
	transient := Retryable(errors.New("503 from GitHub"))
	tests := []struct {
		name         string
		failures     int   // attempts that fail before one succeeds
		err          error // what a failing attempt returns
		wantAttempts int
		wantResult   string
	}{
		{name: "retryable then success", failures: 3, err: transient, wantAttempts: 4, wantResult: ResultSuccess},
		{name: "retryable until the limit", failures: 100, err: transient, wantAttempts: 5, wantResult: ResultFailure},
		{name: "permanent error is not retried", failures: 100, err: errors.New("bad policy"), wantAttempts: 1, wantResult: ResultFailure},
		{name: "wrapped retryable", failures: 1, err: fmt.Errorf("bump: %w", transient), wantAttempts: 2, wantResult: ResultSuccess},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &recordedSleep{}
			h := newHarness(t, Options{Workers: 1, MaxAttempts: 5, Sleep: s.sleep, NewBackOff: func() backoff.BackOff {
				return &backoff.ExponentialBackOff{InitialInterval: time.Second, RandomizationFactor: 0.5, Multiplier: 2, MaxInterval: time.Hour}
			}})
			attempts := 0
			mustEnqueue(t, h.q, Job{Key: "k", ID: "d1", Event: "push", Run: func(context.Context) error {
				attempts++
				if attempts <= tt.failures {
					return tt.err
				}
				return nil
			}})
			h.drain(t)
			if attempts != tt.wantAttempts {
				t.Errorf("attempts = %d, want %d", attempts, tt.wantAttempts)
			}
			if len(s.waits) != tt.wantAttempts-1 {
				t.Fatalf("backoffs %v, want %d", s.waits, tt.wantAttempts-1)
			}
			for i, d := range s.waits {
				base := time.Second << i // exponential: 1s, 2s, 4s, …
				if d < base/2 || d > base*3/2 {
					t.Errorf("backoff %d = %v, want within ±50%% jitter of %v", i+1, d, base)
				}
			}
			if n := h.jobs(t, "push", tt.wantResult); n != 1 {
				t.Errorf("stagehand_jobs_total{push,%s} = %v, want 1", tt.wantResult, n)
			}
		})
	}
}

func TestPanicRecovery(t *testing.T) {
	h := newHarness(t, Options{Workers: 1})
	ranAfter := make(chan struct{})
	mustEnqueue(t, h.q, Job{Key: "acme/config", ID: "delivery-boom", Event: "push", Run: func(context.Context) error {
		panic("nil map")
	}})
	mustEnqueue(t, h.q, Job{Key: "acme/config", ID: "delivery-next", Event: "push", Run: func(context.Context) error {
		close(ranAfter)
		return nil
	}})
	wait(t, ranAfter, "the job after the panic")
	h.drain(t)
	entries := h.logs.FilterMessage("job panicked").All()
	if len(entries) != 1 {
		t.Fatalf("%d panic log lines, want 1", len(entries))
	}
	fields := entries[0].ContextMap()
	if fields["delivery_id"] != "delivery-boom" || fields["panic"] != "nil map" {
		t.Errorf("panic logged with %v, want delivery_id delivery-boom and the panic value", fields)
	}
	if n := h.jobs(t, "push", ResultPanic); n != 1 {
		t.Errorf("stagehand_jobs_total{push,panic} = %v, want 1", n)
	}
}

func TestTimeout(t *testing.T) {
	h := newHarness(t, Options{Workers: 1, Timeout: time.Millisecond})
	mustEnqueue(t, h.q, Job{Key: "k", ID: "slow", Event: "push", Run: func(ctx context.Context) error {
		<-ctx.Done()
		return fmt.Errorf("read tree: %w", ctx.Err())
	}})
	h.drain(t)
	if n := h.jobs(t, "push", ResultTimeout); n != 1 {
		t.Errorf("stagehand_jobs_total{push,timeout} = %v, want 1", n)
	}
}

// BenchmarkThroughput measures enqueue-to-completion of trivial jobs spread
// over 16 keys.
func BenchmarkThroughput(b *testing.B) {
	q, err := New(Options{Workers: 4, Size: b.N + 1})
	if err != nil {
		b.Fatal(err)
	}
	noop := func(context.Context) error { return nil }
	b.ResetTimer()
	for i := range b.N {
		if err := q.Enqueue(Job{Key: fmt.Sprint("repo-", i%16), Run: noop}); err != nil {
			b.Fatal(err)
		}
	}
	if err := q.Shutdown(context.Background()); err != nil {
		b.Fatal(err)
	}
}

// TestWorkerYieldsBetweenJobs: a worker with a backlog of busy jobs lets
// another goroutine run after each job, instead of keeping its thread
// until the scheduler preempts it 10 ms later. On one core, that other
// goroutine is the webhook handler waiting to answer. The test counts
// jobs, not time: on GOMAXPROCS=1, the goroutine the first job wakes must
// run before the third job ends.
func TestWorkerYieldsBetweenJobs(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	h := newHarness(t, Options{Workers: 1, Size: 1000})
	var done atomic.Int64
	started := make(chan struct{})
	seen := make(chan int64, 1)
	go func() {
		<-started
		seen <- done.Load()
	}()
	buf := make([]byte, 16<<10)
	for i := range 200 {
		err := h.q.Enqueue(Job{Key: fmt.Sprint("k", i), ID: fmt.Sprint(i), Event: "push", Run: func(context.Context) error {
			if i == 0 {
				close(started)
			}
			for range 20 {
				sha256.Sum256(buf) // busy, never blocking
			}
			done.Add(1)
			return nil
		}})
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := <-seen; n > 2 {
		t.Errorf("the goroutine the first job woke ran after %d jobs; want at most 2", n)
	}
	h.drain(t)
}
