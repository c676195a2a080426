// Package queue is Stagehand's keyed work queue.
//
// Jobs with the same key (a repository) run one at a time, in the order they
// were enqueued; jobs with different keys run in parallel on a bounded set of
// workers. Each attempt has a timeout, a panic is recovered and logged, and an
// error marked Retryable is retried with exponential backoff and jitter. A job
// waiting out its backoff holds its key but not a worker. On shutdown the
// queue stops taking jobs and drains what it holds, up to a deadline.
package queue

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"time"

	"github.com/cenkalti/backoff/v5"
	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"
)

// ErrFull is returned by Enqueue when the queue holds its maximum number of
// waiting jobs.
var ErrFull = errors.New("queue is full")

// ErrClosed is returned by Enqueue once Shutdown has begun.
var ErrClosed = errors.New("queue is shutting down")

// Job is one unit of work.
type Job struct {
	// Key orders jobs: jobs with the same key never run at the same time.
	Key string
	// ID identifies the job in logs (a webhook delivery ID).
	ID string
	// Event labels the job in metrics and logs (a webhook event name).
	Event string
	// Run does the work. Its context ends at the attempt's timeout or when
	// the queue is stopped.
	Run func(ctx context.Context) error
}

// Options configure a Queue. Zero values take the defaults.
type Options struct {
	// Workers is how many jobs may run at once (default 4).
	Workers int
	// Size is how many jobs may wait to start (default 1000).
	Size int
	// Timeout bounds each attempt of a job (default 5m).
	Timeout time.Duration
	// MaxAttempts bounds the attempts of a job that keeps failing with a
	// retryable error (default 5).
	MaxAttempts int
	// NewBackOff returns the backoff policy for one job (default:
	// exponential from 1s to 1m with ±50% jitter).
	NewBackOff func() backoff.BackOff
	// Sleep waits between attempts; it returns early with the context's
	// error (default: a timer). It runs off the workers: a job in backoff
	// keeps the jobs of its key waiting, not those of other keys.
	Sleep func(ctx context.Context, d time.Duration) error
	// Logger receives failures, retries and panics (default: none).
	Logger *zap.Logger
	// Registerer receives the queue's metrics (default: a private registry).
	Registerer prometheus.Registerer
}

// Queue is a keyed work queue. Its methods are safe for concurrent use.
type Queue struct {
	opts    Options
	log     *zap.Logger
	metrics *metrics

	ctx    context.Context // the jobs' parent; cancelled when a drain times out
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu      sync.Mutex
	cond    *sync.Cond
	lanes   map[string]*lane
	ready   []string // keys with a job to start and none running, oldest first
	waiting int      // jobs enqueued and not yet started
	backing int      // jobs waiting out a backoff
	closed  bool
	stopped bool
}

// lane holds the waiting jobs of one key.
type lane struct {
	retry   *task // a job whose backoff ended, due before the others
	jobs    []*task
	running bool // a job of this key runs or waits out its backoff
}

// New starts a queue with its workers. It fails only when its metrics cannot
// be registered.
func New(opts Options) (*Queue, error) {
	opts = withDefaults(opts)
	m, err := newMetrics(opts.Registerer)
	if err != nil {
		return nil, err
	}
	q := &Queue{opts: opts, log: opts.Logger, metrics: m, lanes: map[string]*lane{}}
	q.cond = sync.NewCond(&q.mu)
	q.ctx, q.cancel = context.WithCancel(context.Background())
	for range opts.Workers {
		q.wg.Add(1)
		go q.work()
	}
	return q, nil
}

func withDefaults(o Options) Options {
	if o.Workers <= 0 {
		o.Workers = 4
	}
	if o.Size <= 0 {
		o.Size = 1000
	}
	if o.Timeout <= 0 {
		o.Timeout = 5 * time.Minute
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 5
	}
	if o.NewBackOff == nil {
		o.NewBackOff = func() backoff.BackOff {
			b := backoff.NewExponentialBackOff()
			b.InitialInterval = time.Second
			b.MaxInterval = time.Minute
			return b
		}
	}
	if o.Sleep == nil {
		o.Sleep = sleep
	}
	if o.Logger == nil {
		o.Logger = zap.NewNop()
	}
	if o.Registerer == nil {
		o.Registerer = prometheus.NewRegistry()
	}
	return o
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Enqueue adds a job behind the other jobs of its key. It returns ErrFull
// when Size jobs are already waiting and ErrClosed after Shutdown began.
func (q *Queue) Enqueue(j Job) error {
	if j.Run == nil {
		return fmt.Errorf("enqueue job %s: no Run function", j.ID)
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return ErrClosed
	}
	if q.waiting >= q.opts.Size {
		return ErrFull
	}
	l, ok := q.lanes[j.Key]
	if !ok {
		l = &lane{}
		q.lanes[j.Key] = l
		q.ready = append(q.ready, j.Key)
		q.cond.Signal()
	}
	l.jobs = append(l.jobs, &task{Job: j})
	q.waiting++
	q.metrics.depth.Set(float64(q.waiting))
	return nil
}

// Depth returns how many jobs wait to start.
func (q *Queue) Depth() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.waiting
}

// Saturated reports whether the queue is full, so that Enqueue would fail.
func (q *Queue) Saturated() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.closed || q.waiting >= q.opts.Size
}

// Shutdown stops taking jobs and waits until every job already enqueued has
// run. When ctx ends first, it cancels the running jobs, drops the waiting
// ones, waits for the workers to return and reports how many were dropped.
func (q *Queue) Shutdown(ctx context.Context) error {
	q.mu.Lock()
	q.closed = true
	q.cond.Broadcast()
	q.mu.Unlock()

	done := make(chan struct{})
	go func() {
		q.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		q.cancel()
		return nil
	case <-ctx.Done():
	}
	q.mu.Lock()
	q.stopped = true
	dropped := q.waiting
	q.cond.Broadcast()
	q.mu.Unlock()
	q.cancel()
	<-done
	return fmt.Errorf("drain queue: %d waiting jobs dropped: %w", dropped, ctx.Err())
}

// work runs jobs until the queue is drained or stopped.
func (q *Queue) work() {
	defer q.wg.Done()
	for {
		t, ok := q.next()
		if !ok {
			return
		}
		if wait, again := q.process(t); again {
			q.backOff(t, wait)
			continue
		}
		q.finish(t.Key)
		// A worker with a backlog would otherwise keep its thread for the
		// scheduler's whole time slice (10 ms) while the webhook handlers
		// it shares the cores with wait to answer: on a small machine that
		// wait was the intake's p99.
		runtime.Gosched()
	}
}

// next takes the next job of the key that has waited longest: a retry
// first, then the oldest enqueued. While draining, workers stay as long as
// a job in backoff may still need one.
func (q *Queue) next() (*task, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for len(q.ready) == 0 && !q.stopped && (!q.closed || q.backing > 0) {
		q.cond.Wait()
	}
	if q.stopped || len(q.ready) == 0 {
		return nil, false
	}
	key := q.ready[0]
	q.ready = q.ready[1:]
	l := q.lanes[key]
	l.running = true
	if t := l.retry; t != nil {
		l.retry = nil
		return t, true
	}
	t := l.jobs[0]
	l.jobs = l.jobs[1:]
	q.waiting--
	q.metrics.depth.Set(float64(q.waiting))
	return t, true
}

// backOff waits out a job's backoff off the worker, keeping its key, then
// puts the job back at the head of its key. A wait cut short by a drain
// deadline ends the job as aborted.
func (q *Queue) backOff(t *task, wait time.Duration) {
	q.mu.Lock()
	q.backing++
	q.mu.Unlock()
	q.wg.Add(1)
	go func() {
		defer q.wg.Done()
		err := q.opts.Sleep(q.ctx, wait)
		q.mu.Lock()
		q.backing--
		if err == nil && !q.stopped {
			l := q.lanes[t.Key]
			l.retry, l.running = t, false
			q.ready = append(q.ready, t.Key)
			q.cond.Signal()
			q.mu.Unlock()
			return
		}
		q.cond.Broadcast() // a drain may be waiting for the last backoff
		q.mu.Unlock()
		if err == nil {
			err = ErrClosed
		}
		t.log.Error("job abandoned at shutdown", zap.Int("attempt", t.attempt), zap.Error(err))
		q.record(t, ResultAborted)
		q.finish(t.Key)
	}()
}

// finish hands the key back: its next job, if any, waits behind the others.
func (q *Queue) finish(key string) {
	q.mu.Lock()
	defer q.mu.Unlock()
	l := q.lanes[key]
	l.running = false
	if len(l.jobs) == 0 {
		delete(q.lanes, key)
		return
	}
	q.ready = append(q.ready, key)
	q.cond.Signal()
}
