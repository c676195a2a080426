package queue

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

// heldSleep stands in for the timer: each backoff blocks until the test
// releases it, so a job can be held in backoff for as long as a test needs
// without any real wait.
type heldSleep struct {
	started chan time.Duration
	release chan struct{}
}

func newHeldSleep() *heldSleep {
	return &heldSleep{started: make(chan time.Duration, 16), release: make(chan struct{})}
}

func (s *heldSleep) sleep(ctx context.Context, d time.Duration) error {
	s.started <- d
	select {
	case <-s.release:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// TestBackoffReleasesWorker: a job waiting out its backoff does not hold a
// worker, so with one worker a job of another key runs meanwhile, while the
// jobs behind it on its own key still wait their turn.
func TestBackoffReleasesWorker(t *testing.T) {
	s := newHeldSleep()
	h := newHarness(t, Options{Workers: 1, Sleep: s.sleep})
	var mu sync.Mutex
	var order []string
	record := func(name string) {
		mu.Lock()
		defer mu.Unlock()
		order = append(order, name)
	}
	attempts := 0
	mustEnqueue(t, h.q, Job{Key: "acme/a", ID: "a1", Event: "push", Run: func(context.Context) error {
		attempts++
		record("a1")
		if attempts == 1 {
			return Retryable(errors.New("502 from GitHub"))
		}
		return nil
	}})
	mustEnqueue(t, h.q, Job{Key: "acme/a", ID: "a2", Event: "push", Run: func(context.Context) error {
		record("a2")
		return nil
	}})
	select {
	case <-s.started:
	case <-time.After(guard):
		t.Fatal("a1 never went into backoff")
	}
	bRan := make(chan struct{})
	mustEnqueue(t, h.q, Job{Key: "acme/b", ID: "b1", Event: "push", Run: func(context.Context) error {
		record("b1")
		close(bRan)
		return nil
	}})
	wait(t, bRan, "b1 to run on the worker a1's backoff left free")
	close(s.release)
	h.drain(t)
	want := []string{"a1", "b1", "a1", "a2"}
	if len(order) != len(want) {
		t.Fatalf("ran %v, want %v", order, want)
	}
	for i := range want {
		if order[i] != want[i] {
			t.Fatalf("ran %v, want %v: a2 must wait for a1's retry", order, want)
		}
	}
	if n := h.jobs(t, "push", ResultSuccess); n != 3 {
		t.Errorf("stagehand_jobs_total{push,success} = %v, want 3", n)
	}
}

// TestShutdownAbortsBackoff: a drain that times out while a job waits out
// its backoff ends the wait, counts the job as aborted and returns.
func TestShutdownAbortsBackoff(t *testing.T) {
	s := newHeldSleep()
	h := newHarness(t, Options{Workers: 1, Sleep: s.sleep})
	mustEnqueue(t, h.q, Job{Key: "acme/a", ID: "a1", Event: "push", Run: func(context.Context) error {
		return Retryable(errors.New("rate limited"))
	}})
	select {
	case <-s.started:
	case <-time.After(guard):
		t.Fatal("a1 never went into backoff")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := h.q.Shutdown(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Shutdown = %v, want the context's error", err)
	}
	if n := h.jobs(t, "push", ResultAborted); n != 1 {
		t.Errorf("stagehand_jobs_total{push,aborted} = %v, want 1", n)
	}
}
