package bot

import (
	"errors"
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

type metrics struct {
	handled   *prometheus.CounterVec
	decisions *prometheus.CounterVec
	repos     prometheus.Gauge
	images    prometheus.Gauge

	resyncs       *prometheus.CounterVec
	resyncSeconds prometheus.Histogram
	converged     *prometheus.CounterVec
	resyncErrors  *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		handled: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "stagehand_bot_deliveries_total",
			Help: "Deliveries the bot handled, by event and result (ok or error).",
		}, []string{"event", "result"}),
		decisions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "stagehand_bot_decisions_total",
			Help: "Decisions the bot made, by kind (proposed, merged, waiting, skipped, …).",
		}, []string{"decision"}),
		repos: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "stagehand_routing_repositories",
			Help: "Config repositories in the routing index.",
		}),
		images: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "stagehand_routing_images",
			Help: "Distinct images the routing index routes.",
		}),
		resyncs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "stagehand_resync_runs_total",
			Help: "Resyncs of one config repository, by result (ok or error).",
		}, []string{"result"}),
		resyncSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "stagehand_resync_duration_seconds",
			Help:    "How long the resync of one config repository took.",
			Buckets: prometheus.ExponentialBuckets(0.01, 4, 8),
		}),
		converged: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "stagehand_resync_converged_total",
			Help: "What resyncs converged that no event had: tag (a registry tag found by polling), stale (a pull request closed), branch (a branch left behind deleted).",
		}, []string{"kind"}),
		resyncErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "stagehand_resync_errors_total",
			Help: "Failures inside resyncs, by where: registry (a tag list) or github.",
		}, []string{"where"}),
	}
	if reg == nil {
		return m, nil
	}
	var err error
	if m.handled, err = register(reg, m.handled); err != nil {
		return nil, err
	}
	if m.decisions, err = register(reg, m.decisions); err != nil {
		return nil, err
	}
	if m.repos, err = register(reg, m.repos); err != nil {
		return nil, err
	}
	if m.images, err = register(reg, m.images); err != nil {
		return nil, err
	}
	if m.resyncs, err = register(reg, m.resyncs); err != nil {
		return nil, err
	}
	if m.resyncSeconds, err = register(reg, m.resyncSeconds); err != nil {
		return nil, err
	}
	if m.converged, err = register(reg, m.converged); err != nil {
		return nil, err
	}
	if m.resyncErrors, err = register(reg, m.resyncErrors); err != nil {
		return nil, err
	}
	return m, nil
}

// register registers c, or returns the collector registered before under
// its name: a second Bot on one registry (a restart in-process) must
// update what the registry exposes, not a copy nobody reads.
func register[C prometheus.Collector](reg prometheus.Registerer, c C) (C, error) {
	err := reg.Register(c)
	if err == nil {
		return c, nil
	}
	var already prometheus.AlreadyRegisteredError
	if errors.As(err, &already) {
		if old, ok := already.ExistingCollector.(C); ok {
			return old, nil
		}
	}
	return c, fmt.Errorf("register bot metrics: %w", err)
}

// setIndex sets the routing gauges; the index calls it on every change.
func (m *metrics) setIndex(repos, images int) {
	m.repos.Set(float64(repos))
	m.images.Set(float64(images))
}
