// Package server is Stagehand's HTTP front door: it takes webhooks, verifies
// them, turns them into typed deliveries and hands them to the work queue,
// answering within milliseconds. It never calls GitHub.
//
// Routes are registered in one place (routes). A new intake, such as a
// registry webhook, adds a route whose handler authenticates the request,
// builds an event.Delivery and passes it to submit, which deduplicates,
// enqueues and answers the way every intake answers (or, for a request that
// yields several deliveries, calls enqueue for each and answers once).
package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.uber.org/zap"
	"golang.org/x/time/rate"

	"github.com/stagehand-gitops/stagehand/internal/event"
	"github.com/stagehand-gitops/stagehand/internal/queue"
)

// MaxBody is the largest webhook body accepted: GitHub caps payloads at
// 25 MiB.
const MaxBody = 25 << 20

// Handler handles one delivery. The queue calls it, one delivery at a time
// per repository; an error marked with queue.Retryable is retried.
type Handler interface {
	Handle(ctx context.Context, d event.Delivery) error
}

// Enqueuer takes jobs; *queue.Queue is one. It returns queue.ErrFull or
// queue.ErrClosed when it cannot take more.
type Enqueuer interface {
	Enqueue(j queue.Job) error
}

// Config configures a Server.
type Config struct {
	// Secrets are the webhook secrets; a delivery signed with any of them is
	// accepted, so a secret can be rotated. At least one is required.
	Secrets [][]byte
	// Queue receives accepted deliveries. Required.
	Queue Enqueuer
	// Handler is what each queued job calls. Required.
	Handler Handler
	// Ready reports why the service cannot take work (nil: it can). It
	// answers /readyz; nil means always ready.
	Ready func() error
	// Logger receives one line per decision (default: none).
	Logger *zap.Logger
	// Registry receives the server's metrics and is served on /metrics
	// (default: a private registry).
	Registry *prometheus.Registry
	// MaxBody bounds a webhook body in bytes (default MaxBody).
	MaxBody int64
	// Dedup is how many recent delivery IDs are remembered to drop
	// duplicates (default 10,000).
	Dedup int
	// RegistryAuth authenticates registry webhooks, and Routes says which
	// config repositories track an image. Without both,
	// /webhooks/registry/{source} answers 404 for every source.
	RegistryAuth RegistryAuth
	Routes       Routes
	// RejectRate and RejectBurst are the token bucket of each source
	// address for requests refused before their sender is verified; past
	// it they are answered 429 (defaults: 1 a second, a burst of 20).
	// Verified deliveries never spend it. RejectSources bounds how many
	// addresses are tracked (default 10,000).
	RejectRate    rate.Limit
	RejectBurst   int
	RejectSources int
	// Board, when set, serves the promotion board under /board/ and its
	// JSON API under /api/v1/; it owns its sign-in and headers.
	Board http.Handler
}

// ErrNoSecret is returned by New without a webhook secret: accepting
// unsigned webhooks would let anyone drive promotions.
var ErrNoSecret = errors.New("no webhook secret configured")

// Server serves Stagehand's HTTP endpoints. It is an http.Handler.
type Server struct {
	cfg     Config
	log     *zap.Logger
	echo    *echo.Echo
	seen    *lru.Cache[string, struct{}]
	macs    []*macPool // one per secret, in order
	rejects *rejectLimiter
	metrics *metrics
}

// New builds a Server and registers its metrics.
func New(cfg Config) (*Server, error) {
	if len(cfg.Secrets) == 0 {
		return nil, ErrNoSecret
	}
	for i, s := range cfg.Secrets {
		if len(s) == 0 {
			return nil, fmt.Errorf("webhook secret %d is empty: %w", i+1, ErrNoSecret)
		}
	}
	if cfg.Queue == nil || cfg.Handler == nil {
		return nil, errors.New("server needs a queue and a handler")
	}
	cfg = withDefaults(cfg)
	seen, err := lru.New[string, struct{}](cfg.Dedup)
	if err != nil {
		return nil, fmt.Errorf("delivery ID cache: %w", err)
	}
	m, err := newMetrics(cfg.Registry)
	if err != nil {
		return nil, err
	}
	rejects, err := newRejectLimiter(cfg.RejectRate, cfg.RejectBurst, cfg.RejectSources)
	if err != nil {
		return nil, fmt.Errorf("rejected-request limiter: %w", err)
	}
	s := &Server{cfg: cfg, log: cfg.Logger, seen: seen, metrics: m, rejects: rejects}
	for _, secret := range cfg.Secrets {
		s.macs = append(s.macs, newMACPool(secret))
	}
	s.echo = echo.New()
	s.echo.HideBanner = true
	s.echo.HidePort = true
	s.echo.HTTPErrorHandler = s.httpError
	s.routes()
	return s, nil
}

func withDefaults(cfg Config) Config {
	if cfg.Ready == nil {
		cfg.Ready = func() error { return nil }
	}
	if cfg.Logger == nil {
		cfg.Logger = zap.NewNop()
	}
	if cfg.Registry == nil {
		cfg.Registry = prometheus.NewRegistry()
	}
	if cfg.MaxBody <= 0 {
		cfg.MaxBody = MaxBody
	}
	if cfg.Dedup <= 0 {
		cfg.Dedup = 10_000
	}
	if cfg.RejectRate <= 0 {
		cfg.RejectRate = defaultRejectRate
	}
	if cfg.RejectBurst <= 0 {
		cfg.RejectBurst = defaultRejectBurst
	}
	if cfg.RejectSources <= 0 {
		cfg.RejectSources = defaultRejectSources
	}
	return cfg
}

// routes registers every endpoint.
func (s *Server) routes() {
	s.echo.POST("/webhooks/github", s.githubWebhook)
	s.echo.POST("/webhooks/registry/:source", s.registryWebhook)
	s.echo.POST("/webhooks/registry/:source/:token", s.registryWebhook)
	s.echo.GET("/healthz", s.healthz)
	s.echo.GET("/readyz", s.readyz)
	s.echo.GET("/metrics", echo.WrapHandler(promhttp.HandlerFor(s.cfg.Registry, promhttp.HandlerOpts{})))
	if s.cfg.Board != nil {
		board := echo.WrapHandler(s.cfg.Board)
		for _, path := range []string{"/board", "/board/*", "/api/v1/*"} {
			s.echo.Any(path, board)
		}
	}
}

// ServeHTTP serves a request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.echo.ServeHTTP(w, r)
}

// status is the body of every successful answer.
type status struct {
	Status string `json:"status"`
}

// rejection is the body of every refused request: a short reason.
type rejection struct {
	Error string `json:"error"`
}

func (s *Server) healthz(c echo.Context) error {
	return c.JSON(http.StatusOK, status{"ok"})
}

func (s *Server) readyz(c echo.Context) error {
	if err := s.cfg.Ready(); err != nil {
		return c.JSON(http.StatusServiceUnavailable, rejection{err.Error()})
	}
	return c.JSON(http.StatusOK, status{"ready"})
}

// httpError answers errors from echo itself (unknown path, wrong method)
// with the same JSON shape as every other rejection.
func (s *Server) httpError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	code, msg := http.StatusInternalServerError, "internal error"
	var he *echo.HTTPError
	if errors.As(err, &he) {
		code, msg = he.Code, fmt.Sprint(he.Message)
	}
	if code == http.StatusInternalServerError {
		s.log.Error("request failed", zap.String("path", c.Path()), zap.Error(err))
	}
	if err := c.JSON(code, rejection{msg}); err != nil {
		s.log.Debug("write error response", zap.Error(err))
	}
}

// outcome is what became of a delivery handed to enqueue.
type outcome int

const (
	queued    outcome = iota // enqueued
	duplicate                // seen recently, dropped
	refused                  // the queue is full or shutting down
	failed                   // the queue failed otherwise
)

// enqueue deduplicates a delivery and queues a job that hands it to the
// Handler. It answers nothing, so that an intake that turns one request into
// several deliveries can answer once; submit answers for one delivery.
func (s *Server) enqueue(d event.Delivery) (outcome, error) {
	h := s.cfg.Handler
	return s.admit(queue.Job{Key: d.Key(), ID: d.ID, Event: d.Event, Run: func(ctx context.Context) error {
		return h.Handle(ctx, d)
	}})
}

// admit queues a job unless its delivery ID was seen recently.
func (s *Server) admit(j queue.Job) (outcome, error) {
	if seen, _ := s.seen.ContainsOrAdd(j.ID, struct{}{}); seen {
		if ce := s.log.Check(zap.InfoLevel, "duplicate delivery dropped"); ce != nil {
			ce.Write(jobFields(j)...)
		}
		return duplicate, nil
	}
	if err := s.cfg.Queue.Enqueue(j); err != nil {
		// Forget the ID: GitHub redelivers with the same one, and that
		// redelivery must be taken.
		s.seen.Remove(j.ID)
		s.log.Warn("delivery refused", append(jobFields(j), zap.Error(err))...)
		if errors.Is(err, queue.ErrFull) || errors.Is(err, queue.ErrClosed) {
			return refused, err
		}
		return failed, err
	}
	if ce := s.log.Check(zap.InfoLevel, "delivery queued"); ce != nil {
		ce.Write(jobFields(j)...)
	}
	return queued, nil
}

// jobFields are the log fields that name a queued delivery.
func jobFields(j queue.Job) []zap.Field {
	return []zap.Field{zap.String("delivery_id", j.ID), zap.String("event", j.Event), zap.String("key", j.Key)}
}

// submit enqueues one delivery and answers the request.
func (s *Server) submit(c echo.Context, label string, d event.Delivery) error {
	o, err := s.enqueue(d)
	return s.answerOutcome(c, label, o, err)
}

// answerOutcome answers what became of one delivery: 202 when queued, 200
// for a duplicate, 503 when the queue cannot take it.
func (s *Server) answerOutcome(c echo.Context, label string, o outcome, err error) error {
	switch o {
	case duplicate:
		return s.answer(c, label, resultDuplicate, http.StatusOK, status{"duplicate"})
	case refused:
		return s.answer(c, label, resultQueueFull, http.StatusServiceUnavailable, rejection{err.Error()})
	case failed:
		return s.answer(c, label, resultError, http.StatusInternalServerError, rejection{"cannot queue delivery"})
	default:
		return s.answer(c, label, resultAccepted, http.StatusAccepted, status{"accepted"})
	}
}

// answer writes a JSON answer and counts it.
func (s *Server) answer(c echo.Context, eventLabel, result string, code int, body any) error {
	s.metrics.deliveries.WithLabelValues(eventLabel, result).Inc()
	return c.JSON(code, body)
}
