package sandbox

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap/zapcore"

	"github.com/stagehand-gitops/stagehand/internal/queue"
	"github.com/stagehand-gitops/stagehand/internal/server"
)

// Decision is one decision Stagehand logged: what it did or did not do
// for an app in an environment, and why.
type Decision struct {
	At       time.Time
	App, Env string
	// What is the decision: "proposed", "merged", "waiting: gates not met",
	// "skipped: <reason>", ...
	What string
	// Fields are the decision's other fields (pr, to, gates, ...), as text.
	Fields map[string]string
}

// record is a list that goroutines append to and read a copy of.
type record[T any] struct {
	mu   sync.Mutex
	list []T
}

func (r *record[T]) add(v T) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.list = append(r.list, v)
}

func (r *record[T]) all() []T {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]T(nil), r.list...)
}

// decisionLog keeps the bot's "decision" log lines: the story reports
// them, and says why when a step does not happen.
type decisionLog = record[Decision]

// teeCore sends every entry to out and the decisions to l as well.
func teeCore(out zapcore.Core, l *decisionLog) zapcore.Core {
	return zapcore.NewTee(out, &decisionCore{log: l})
}

// decisionCore is a zapcore.Core that records "decision" entries.
type decisionCore struct {
	log    *decisionLog
	fields []zapcore.Field
}

func (c *decisionCore) Enabled(l zapcore.Level) bool { return l >= zapcore.InfoLevel }

func (c *decisionCore) With(fields []zapcore.Field) zapcore.Core {
	return &decisionCore{log: c.log, fields: append(append([]zapcore.Field(nil), c.fields...), fields...)}
}

func (c *decisionCore) Check(e zapcore.Entry, ce *zapcore.CheckedEntry) *zapcore.CheckedEntry {
	if e.Message == "decision" && c.Enabled(e.Level) {
		return ce.AddCore(e, c)
	}
	return ce
}

func (c *decisionCore) Write(e zapcore.Entry, fields []zapcore.Field) error {
	enc := zapcore.NewMapObjectEncoder()
	for _, f := range append(append([]zapcore.Field(nil), c.fields...), fields...) {
		f.AddTo(enc)
	}
	d := Decision{At: e.Time, Fields: map[string]string{}}
	for k, v := range enc.Fields {
		s := toString(v)
		switch k {
		case "app":
			d.App = s
		case "env":
			d.Env = s
		case "decision":
			d.What = s
		default:
			d.Fields[k] = s
		}
	}
	c.log.add(d)
	return nil
}

func (c *decisionCore) Sync() error { return nil }

func toString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case []any:
		parts := make([]string, len(x))
		for i, p := range x {
			parts[i] = toString(p)
		}
		return strings.Join(parts, ", ")
	default:
		return fmt.Sprint(x)
	}
}

// Webhook is one registry webhook Stagehand answered, or one lost on
// the way (Dropped: Stagehand never saw it).
type Webhook struct {
	At      time.Time
	Path    string
	Status  int
	Dropped bool
}

// hookLog records the registry webhooks Stagehand answers; it watches
// from outside the server, which stays as serve runs it. While drop is
// set it loses them instead, as a proxy that swallows requests would:
// the registry is told 202 Accepted and Stagehand hears nothing.
type hookLog struct {
	record[Webhook]
	drop atomic.Bool
}

func (l *hookLog) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, "/webhooks/registry/") {
			next.ServeHTTP(w, r)
			return
		}
		if l.drop.Load() {
			_, _ = io.Copy(io.Discard, r.Body)
			w.WriteHeader(http.StatusAccepted)
			l.add(Webhook{At: time.Now(), Path: r.URL.Path, Status: http.StatusAccepted, Dropped: true})
			return
		}
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(sw, r)
		l.add(Webhook{At: time.Now(), Path: r.URL.Path, Status: sw.status})
	})
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

// jobCounter passes Stagehand's jobs to its queue and counts those not
// finished, so that the story can tell when Stagehand has finished
// reacting. A job waiting between two attempts is not counted.
type jobCounter struct {
	next server.Enqueuer
	mu   sync.Mutex
	open int
}

func (c *jobCounter) Enqueue(j queue.Job) error {
	run := j.Run
	var queued sync.Once
	c.add(1) // while queued, until the first attempt starts
	j.Run = func(ctx context.Context) error {
		c.add(1)
		queued.Do(func() { c.add(-1) })
		defer c.add(-1)
		return run(ctx)
	}
	if err := c.next.Enqueue(j); err != nil {
		c.add(-1)
		return err
	}
	return nil
}

func (c *jobCounter) add(n int) {
	c.mu.Lock()
	c.open += n
	c.mu.Unlock()
}

func (c *jobCounter) idle() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.open == 0
}
