package server

import (
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

// Values of the event label of stagehand_webhook_deliveries_total besides
// the names of handled events and ping.
const (
	labelUnverified = "unverified" // refused before the sender was verified
	labelOther      = "other"      // an event Stagehand does not handle
)

// Values of its result label.
const (
	resultAccepted     = "accepted"
	resultDuplicate    = "duplicate"
	resultIgnored      = "ignored"
	resultPing         = "ping"
	resultUnauthorized = "unauthorized"
	resultBadRequest   = "bad_request"
	resultTooLarge     = "too_large"
	resultQueueFull    = "queue_full"
	resultError        = "error"
	resultNotFound     = "not_found"
	resultUntracked    = "untracked"
	resultRateLimited  = "rate_limited"
)

type metrics struct {
	deliveries *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "stagehand_webhook_deliveries_total",
			Help: "Webhook deliveries answered, by event and result.",
		}, []string{"event", "result"}),
	}
	if err := reg.Register(m.deliveries); err != nil {
		return nil, fmt.Errorf("register server metrics: %w", err)
	}
	return m, nil
}
