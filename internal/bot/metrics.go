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
	}
	if reg == nil {
		return m, nil
	}
	for _, c := range []prometheus.Collector{m.handled, m.decisions, m.repos, m.images} {
		if err := reg.Register(c); err != nil {
			var already prometheus.AlreadyRegisteredError
			if !errors.As(err, &already) {
				return nil, fmt.Errorf("register bot metrics: %w", err)
			}
		}
	}
	return m, nil
}
