package queue

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/cenkalti/backoff/v5"
	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"
)

// Results a job ends with, as the result label of stagehand_jobs_total.
const (
	ResultSuccess = "success"
	ResultFailure = "failure"
	ResultTimeout = "timeout"
	ResultPanic   = "panic"
	ResultAborted = "aborted"
)

// retryable marks an error worth another attempt.
type retryable struct{ err error }

func (e retryable) Error() string { return e.err.Error() }
func (e retryable) Unwrap() error { return e.err }

// Retryable marks err as transient (a rate limit, a 5xx, a ref that moved):
// the queue runs the job again after a backoff. Other errors end the job.
func Retryable(err error) error {
	if err == nil {
		return nil
	}
	return retryable{err}
}

// IsRetryable reports whether err, or an error it wraps, was marked with
// Retryable.
func IsRetryable(err error) bool {
	var r retryable
	return errors.As(err, &r)
}

// errPanic is what an attempt that panicked returns.
var errPanic = errors.New("job panicked")

// task is a job with the state its attempts carry.
type task struct {
	Job
	attempt int // attempts made
	backoff backoff.BackOff
	start   time.Time
	log     *zap.Logger
}

// process makes one attempt at a job. It returns the backoff to wait before
// the next attempt, or records how the job ended and returns false.
func (q *Queue) process(t *task) (time.Duration, bool) {
	if t.attempt == 0 {
		t.start = time.Now()
		t.log = q.log.With(zap.String("delivery_id", t.ID), zap.String("event", t.Event), zap.String("key", t.Key))
		t.backoff = q.opts.NewBackOff()
	}
	t.attempt++
	err := q.attempt(t.Job, t.log)
	if err == nil {
		q.record(t, ResultSuccess)
		return 0, false
	}
	result := classify(err)
	if result == ResultPanic {
		q.record(t, result)
		return 0, false
	}
	wait := t.backoff.NextBackOff()
	if !IsRetryable(err) || t.attempt >= q.opts.MaxAttempts || wait == backoff.Stop {
		t.log.Error("job failed", zap.Int("attempt", t.attempt), zap.Error(err))
		q.record(t, result)
		return 0, false
	}
	t.log.Warn("job failed, will retry", zap.Int("attempt", t.attempt), zap.Duration("backoff", wait), zap.Error(err))
	return wait, true
}

// record counts how a job ended and how long it took, retries included.
func (q *Queue) record(t *task, result string) {
	q.metrics.jobs.WithLabelValues(t.Event, result).Inc()
	q.metrics.duration.WithLabelValues(t.Event).Observe(time.Since(t.start).Seconds())
}

func classify(err error) string {
	switch {
	case errors.Is(err, errPanic):
		return ResultPanic
	case errors.Is(err, context.DeadlineExceeded):
		return ResultTimeout
	case errors.Is(err, context.Canceled):
		return ResultAborted
	default:
		return ResultFailure
	}
}

// attempt runs a job once under its timeout, turning a panic into an error.
func (q *Queue) attempt(j Job, log *zap.Logger) (err error) {
	ctx, cancel := context.WithTimeout(q.ctx, q.opts.Timeout)
	defer cancel()
	defer func() {
		if v := recover(); v != nil {
			log.Error("job panicked", zap.Any("panic", v), zap.StackSkip("stack", 1))
			err = fmt.Errorf("%w: %v", errPanic, v)
		}
	}()
	if err := j.Run(ctx); err != nil {
		if ctx.Err() != nil && !errors.Is(err, ctx.Err()) {
			return fmt.Errorf("%w: %w", ctx.Err(), err)
		}
		return err
	}
	return nil
}

type metrics struct {
	depth    prometheus.Gauge
	jobs     *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		depth: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "stagehand_queue_depth",
			Help: "Jobs waiting in the work queue to start.",
		}),
		jobs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "stagehand_jobs_total",
			Help: "Jobs that ended, by event and result (success, failure, timeout, panic, aborted).",
		}, []string{"event", "result"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "stagehand_job_duration_seconds",
			Help:    "Time from a job's first attempt to its end, retries included.",
			Buckets: prometheus.ExponentialBuckets(0.01, 4, 8),
		}, []string{"event"}),
	}
	for _, c := range []prometheus.Collector{m.depth, m.jobs, m.duration} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("register queue metrics: %w", err)
		}
	}
	return m, nil
}
