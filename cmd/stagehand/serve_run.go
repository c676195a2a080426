package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/stagehand-gitops/stagehand/internal/event"
	"github.com/stagehand-gitops/stagehand/internal/forge"
	"github.com/stagehand-gitops/stagehand/internal/queue"
	"github.com/stagehand-gitops/stagehand/internal/server"
)

// runServe wires the App credentials, the queue and the HTTP server, serves
// until ctx ends, then stops taking webhooks and drains the queue.
func runServe(ctx context.Context, o serveOptions, stderr io.Writer) error {
	log := newLogger(o, stderr)
	defer func() { _ = log.Sync() }()

	key, err := forge.ParsePrivateKey(o.keyPEM)
	if err != nil {
		return userErrorf("--private-key-file %s: %v", o.keyFile, err)
	}
	app, err := forge.NewApp(o.appID, key, o.githubURL, http.DefaultTransport)
	if err != nil {
		return userErrorf("GitHub App: %v", err)
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	q, err := queue.New(queue.Options{Workers: o.workers, Size: o.queueSize, Logger: log, Registerer: reg})
	if err != nil {
		return fmt.Errorf("start queue: %w", err)
	}
	srv, err := server.New(server.Config{
		Secrets:  o.secrets,
		Queue:    q,
		Handler:  logHandler{log: log},
		Ready:    readiness(app, q),
		Logger:   log,
		Registry: reg,
	})
	if err != nil {
		return fmt.Errorf("start server: %w", err)
	}

	ln, err := net.Listen("tcp", o.listen)
	if err != nil {
		return userErrorf("--listen %s: %v", o.listen, err)
	}
	if o.onListen != nil {
		o.onListen(ln.Addr())
	}
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: time.Minute, IdleTimeout: 2 * time.Minute}
	served := make(chan error, 1)
	go func() { served <- hs.Serve(ln) }()
	log.Info("serving", zap.String("addr", ln.Addr().String()), zap.Int64("app_id", app.ID()),
		zap.String("github_url", app.APIURL().String()), zap.String("version", version), zap.Int("webhook_secrets", len(o.secrets)))

	select {
	case err := <-served:
		return fmt.Errorf("serve %s: %w", ln.Addr(), err)
	case <-ctx.Done():
	}
	log.Info("shutting down: no new webhooks, draining the queue", zap.Int("queued", q.Depth()), zap.Duration("deadline", o.drainTimeout))
	drain, cancel := context.WithTimeout(context.Background(), o.drainTimeout)
	defer cancel()
	httpErr := hs.Shutdown(drain)
	if errors.Is(httpErr, http.ErrServerClosed) {
		httpErr = nil
	}
	if err := errors.Join(httpErr, q.Shutdown(drain)); err != nil {
		return fmt.Errorf("shut down: %w", err)
	}
	log.Info("stopped")
	return nil
}

// readiness answers /readyz: ready once the App's credentials are loaded and
// while the queue can take work.
func readiness(app *forge.App, q *queue.Queue) func() error {
	return func() error {
		switch {
		case app == nil:
			return errors.New("GitHub App credentials not loaded")
		case q.Saturated():
			return errors.New("work queue is full")
		}
		return nil
	}
}

func newLogger(o serveOptions, w io.Writer) *zap.Logger {
	enc := zap.NewProductionEncoderConfig()
	enc.EncodeTime = zapcore.ISO8601TimeEncoder
	var encoder zapcore.Encoder = zapcore.NewJSONEncoder(enc)
	if o.logFormat == "console" {
		enc = zap.NewDevelopmentEncoderConfig()
		encoder = zapcore.NewConsoleEncoder(enc)
	}
	core := zapcore.NewCore(encoder, zapcore.Lock(zapcore.AddSync(w)), o.level)
	return zap.New(core, zap.ErrorOutput(zapcore.Lock(zapcore.AddSync(w))))
}

// logHandler is the handler serve runs until promotion handlers arrive: it
// records each delivery as one decision line and changes nothing on GitHub.
type logHandler struct{ log *zap.Logger }

var _ server.Handler = logHandler{}

// Handle logs the delivery.
func (h logHandler) Handle(_ context.Context, d event.Delivery) error {
	h.log.Info("delivery handled",
		zap.String("delivery_id", d.ID), zap.String("event", d.Event), zap.String("action", d.Action),
		zap.String("repo", d.Repo), zap.Int64("installation_id", d.InstallationID),
		zap.String("decision", "logged only: no promotion handler is installed yet"))
	return nil
}
