//go:build !noserver

package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/cenkalti/backoff/v5"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/stagehand-gitops/stagehand/internal/board"
	"github.com/stagehand-gitops/stagehand/internal/bot"
	"github.com/stagehand-gitops/stagehand/internal/forge"
	"github.com/stagehand-gitops/stagehand/internal/queue"
	"github.com/stagehand-gitops/stagehand/internal/registry"
	"github.com/stagehand-gitops/stagehand/internal/server"
	"github.com/stagehand-gitops/stagehand/internal/verify"
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
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	// One transport for the process: its ETag cache varies by Authorization.
	rt, err := forge.NewTransport(forge.TransportOptions{Registerer: reg})
	if err != nil {
		return fmt.Errorf("GitHub client: %w", err)
	}
	app, err := forge.NewApp(o.appID, key, o.githubURL, rt)
	if err != nil {
		return userErrorf("GitHub App: %v", err)
	}
	q, err := queue.New(queue.Options{Workers: o.workers, Size: o.queueSize, Logger: log, Registerer: reg})
	if err != nil {
		return fmt.Errorf("start queue: %w", err)
	}
	forges := &bot.AppForges{App: app, Options: forge.Options{Objects: forge.NewObjectCache(64 << 20)}}
	charts, err := chartRenderer(o.helmRenderer)
	if err != nil {
		log.Warn("charts in config repositories will be reported as not rendered", zap.Error(err))
	}
	// One pass over every repository lists each image once.
	cfg := bot.Config{Forges: forges, Installations: forges.Installations, Queue: q, Logger: log, Registerer: reg,
		PollInterval: o.resyncInterval / 2, Charts: charts}
	if err := registry.CheckKeychain(ctx, o.keychain); err != nil {
		log.Warn("registry credentials cannot be read: every registry read will fail until they can", zap.Error(err))
	}
	res := registry.NewResolver(registry.WithKeychain(o.keychain))
	cfg.Tags, cfg.Labels, cfg.Digests = res, res, res
	cfg.Verifier = &verify.Checker{Remote: []remote.Option{remote.WithAuthFromKeychain(o.keychain)}, Root: o.trustedRoot, Helper: o.sigstoreHelper}
	if o.registryConfig != "" {
		// Only when asked: a registry that refuses anonymous access would
		// otherwise stop every signed event it sends.
		cfg.Resolver = res
	}
	b, err := bot.New(cfg)
	if err != nil {
		return fmt.Errorf("start bot: %w", err)
	}
	started := &startState{}
	var brd http.Handler
	if o.boardClientID != "" {
		// The board asks GitHub with people's own tokens: a client of its
		// own, not the App's transport and its ETag cache.
		brd, err = board.New(board.Config{Source: b, ClientID: o.boardClientID, ClientSecret: o.boardSecret, Key: o.boardKey,
			WebURL: o.boardWebURL, APIURL: app.APIURL().String(), HTTPClient: &http.Client{Timeout: 30 * time.Second}})
		if err != nil {
			return userErrorf("board: %v", err)
		}
	}
	srv, err := server.New(server.Config{
		Board:        brd,
		Secrets:      o.secrets,
		Queue:        q,
		Handler:      b,
		Ready:        readiness(app, q, started),
		Logger:       log,
		Registry:     reg,
		RegistryAuth: o.registryAuth,
		Routes:       b.Index(),
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
		zap.String("github_url", app.APIURL().String()), zap.String("version", version), zap.Int("webhook_secrets", len(o.secrets)),
		zap.Strings("registry_sources", o.registryAuth.Configured()), zap.Bool("registry_confirm", o.registryConfig != ""), zap.Bool("board", brd != nil))
	go started.run(ctx, b, app, log, o)

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

// readiness answers /readyz: ready once the App's credentials are loaded
// and the routing index is built, and while the queue can take work.
func readiness(app *forge.App, q *queue.Queue, started *startState) func() error {
	return func() error {
		switch {
		case app == nil:
			return errors.New("GitHub App credentials not loaded")
		case !started.done.Load():
			return errors.New("routing index not built yet")
		case q.Saturated():
			return errors.New("work queue is full")
		}
		return nil
	}
}

// startState builds the routing index in the background, so that serving
// starts at once. It is ready after the first pass over the installations:
// a repository that could not be read is retried by the bot on its own.
// Only when the installations cannot be listed at all is the pass tried
// again, with backoff.
type startState struct{ done atomic.Bool }

func (s *startState) run(ctx context.Context, b *bot.Bot, app *forge.App, log *zap.Logger, o serveOptions) {
	wait := backoff.NewExponentialBackOff()
	wait.MaxInterval = time.Minute
	_, err := backoff.Retry(ctx, func() (struct{}, error) { return struct{}{}, b.Start(ctx) }, backoff.WithBackOff(wait),
		backoff.WithMaxElapsedTime(0), backoff.WithNotify(func(err error, in time.Duration) {
			log.Error("routing index not built; retrying", zap.Error(err), zap.Duration("in", in))
		}))
	if err != nil {
		return // ctx ended
	}
	s.done.Store(true)
	log.Info("routing index built", zap.Strings("repositories", b.Index().Repos()))
	redeliver(ctx, app, log, o.redeliverWindow)
	bot.ResyncLoop{Interval: o.resyncInterval, Logger: log,
		Pass: func(ctx context.Context) { redeliver(ctx, app, log, o.redeliverWindow) }}.Run(ctx, b)
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

// redeliver asks GitHub to send again the deliveries of the last window
// that failed, most likely while Stagehand was down: GitHub does not retry
// by itself. It runs at start and after each resync pass; what was
// redelivered before is read from GitHub's own list (see
// forge.FailedDeliveries): a delivery is asked for again on each pass
// until one attempt succeeds or it leaves the window, and never once one
// has. Handling is idempotent, so a delivery handled before is harmless.
func redeliver(ctx context.Context, app *forge.App, log *zap.Logger, window time.Duration) {
	if window == 0 {
		return
	}
	n, err := forge.RedeliverFailed(ctx, app.Client(), time.Now().Add(-window))
	if err != nil {
		log.Warn("failed deliveries not redelivered", zap.Error(err))
		return
	}
	log.Info("failed deliveries redelivered", zap.Int("count", n))
}
