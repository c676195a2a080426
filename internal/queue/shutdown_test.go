package queue

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync/atomic"
	"testing"
)

func TestShutdownDrains(t *testing.T) {
	h := newHarness(t, Options{Workers: 2})
	started := make(chan struct{})
	release := make(chan struct{})
	var ran atomic.Int32
	mustEnqueue(t, h.q, Job{Key: "a", ID: "first", Run: func(context.Context) error {
		close(started)
		<-release
		ran.Add(1)
		return nil
	}})
	for i := range 5 {
		mustEnqueue(t, h.q, Job{Key: "a", ID: fmt.Sprint(i), Run: func(context.Context) error {
			ran.Add(1)
			return nil
		}})
	}
	wait(t, started, "the first job")

	shutdown := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), guard)
		defer cancel()
		shutdown <- h.q.Shutdown(ctx)
	}()
	// Once shutting down, the queue refuses new work but keeps what it holds.
	for !h.q.Saturated() {
		runtime.Gosched()
	}
	if err := h.q.Enqueue(Job{Key: "b", Run: func(context.Context) error { return nil }}); !errors.Is(err, ErrClosed) {
		t.Errorf("Enqueue during shutdown = %v, want ErrClosed", err)
	}
	close(release)
	if err := <-shutdown; err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if n := ran.Load(); n != 6 {
		t.Errorf("%d of 6 enqueued jobs ran before Shutdown returned", n)
	}
}

func TestShutdownDeadline(t *testing.T) {
	h := newHarness(t, Options{Workers: 1})
	started := make(chan struct{})
	var cancelled, ranLater atomic.Bool
	mustEnqueue(t, h.q, Job{Key: "a", ID: "stuck", Run: func(ctx context.Context) error {
		close(started)
		<-ctx.Done()
		cancelled.Store(true)
		return ctx.Err()
	}})
	mustEnqueue(t, h.q, Job{Key: "a", ID: "later", Run: func(context.Context) error {
		ranLater.Store(true)
		return nil
	}})
	wait(t, started, "the stuck job")

	ctx, cancel := context.WithCancel(context.Background())
	cancel() // the deadline has passed
	err := h.q.Shutdown(ctx)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Shutdown = %v, want the context's error", err)
	}
	if !cancelled.Load() {
		t.Error("the running job's context was not cancelled")
	}
	if ranLater.Load() {
		t.Error("a waiting job ran after the drain deadline")
	}
	if n := value(t, h.q.metrics.jobs.WithLabelValues("", ResultAborted)); n != 1 {
		t.Errorf("stagehand_jobs_total{result=aborted} = %v, want 1", n)
	}
}

func TestFull(t *testing.T) {
	h := newHarness(t, Options{Workers: 1, Size: 2})
	started := make(chan struct{})
	release := make(chan struct{})
	mustEnqueue(t, h.q, Job{Key: "a", ID: "running", Run: func(context.Context) error {
		close(started)
		<-release
		return nil
	}})
	wait(t, started, "the first job")
	noop := func(context.Context) error { return nil }
	mustEnqueue(t, h.q, Job{Key: "a", ID: "w1", Run: noop})
	mustEnqueue(t, h.q, Job{Key: "b", ID: "w2", Run: noop})
	if !h.q.Saturated() || h.q.Depth() != 2 {
		t.Errorf("Saturated, Depth = %v, %d; want true, 2", h.q.Saturated(), h.q.Depth())
	}
	if got := value(t, h.q.metrics.depth); got != 2 {
		t.Errorf("stagehand_queue_depth = %v, want 2", got)
	}
	if err := h.q.Enqueue(Job{Key: "c", ID: "w3", Run: noop}); !errors.Is(err, ErrFull) {
		t.Errorf("Enqueue on a full queue = %v, want ErrFull", err)
	}
	close(release)
	h.drain(t)
	if got := value(t, h.q.metrics.depth); got != 0 {
		t.Errorf("stagehand_queue_depth after drain = %v, want 0", got)
	}
}
