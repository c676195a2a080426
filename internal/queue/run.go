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

// process runs a job until it succeeds, fails for good or runs out of
// attempts, and records the outcome.
func (q *Queue) process(j Job) {
	start := time.Now()
	log := q.log.With(zap.String("delivery_id", j.ID), zap.String("event", j.Event), zap.String("key", j.Key))
	b := q.opts.NewBackOff()
	var result string
	for attempt := 1; ; attempt++ {
		err := q.attempt(j, log)
		if err == nil {
			result = ResultSuccess
			break
		}
		result = classify(err)
		if result == ResultPanic {
			break
		}
		wait := b.NextBackOff()
		if !IsRetryable(err) || attempt >= q.opts.MaxAttempts || wait == backoff.Stop {
			log.Error("job failed", zap.Int("attempt", attempt), zap.Error(err))
			break
		}
		log.Warn("job failed, will retry", zap.Int("attempt", attempt), zap.Duration("backoff", wait), zap.Error(err))
		if err := q.opts.Sleep(q.ctx, wait); err != nil {
			result = ResultAborted
			log.Error("job abandoned at shutdown", zap.Int("attempt", attempt), zap.Error(err))
			break
		}
	}
	q.metrics.jobs.WithLabelValues(j.Event, result).Inc()
	q.metrics.duration.WithLabelValues(j.Event).Observe(time.Since(start).Seconds())
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
