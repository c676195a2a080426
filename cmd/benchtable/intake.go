package main

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/stagehand-gitops/stagehand/internal/event"
	"github.com/stagehand-gitops/stagehand/internal/queue"
	"github.com/stagehand-gitops/stagehand/internal/server"
)

// counter is a job handler that only counts: what is measured is intake
// (read, verify, dedupe, admit, answer) and the queue's workers decoding
// each new delivery, as `stagehand serve` does it in front of its queue.
type counter struct{ n atomic.Int64 }

func (c *counter) Handle(context.Context, event.Delivery) error {
	c.n.Add(1)
	return nil
}

// serveIntake serves the webhook intake on loopback until stdin closes:
// it prints the URL, then, once every job has run, "handled N". With
// unique, each request gets a new delivery ID as it arrives, since a
// load generator sends the same headers every time.
func serveIntake(mode string, stdin io.Reader, stdout io.Writer) error {
	secret, err := hex.DecodeString(os.Getenv(secretEnv))
	if err != nil || len(secret) == 0 {
		return errors.New("no webhook secret in " + secretEnv)
	}
	q, err := queue.New(queue.Options{Workers: 2, Size: 1 << 20, Registerer: prometheus.NewRegistry()})
	if err != nil {
		return err
	}
	jobs := &counter{}
	s, err := server.New(server.Config{Secrets: [][]byte{secret}, Queue: q, Handler: jobs, Registry: prometheus.NewRegistry()})
	if err != nil {
		return err
	}
	var id atomic.Int64
	var answered [3]atomic.Int64 // 202, 200, other
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if mode == "unique" {
			r.Header.Set("X-GitHub-Delivery", fmt.Sprintf("72d3162e-cc78-11e3-81ab-%012d", id.Add(1)))
		}
		rec := &statusWriter{ResponseWriter: w, code: http.StatusOK}
		s.ServeHTTP(rec, r)
		switch rec.code {
		case http.StatusAccepted:
			answered[0].Add(1)
		case http.StatusOK:
			answered[1].Add(1)
		default:
			answered[2].Add(1)
		}
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	fmt.Fprintf(stdout, "http://%s/webhooks/github\n", ln.Addr())
	_, _ = io.Copy(io.Discard, stdin)
	// The load has ended: what the workers have not yet run shows whether
	// the rate answered is one the intake and its workers can keep up.
	backlog, ended := q.Depth(), time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := errors.Join(srv.Shutdown(ctx), q.Shutdown(ctx)); err != nil {
		return err
	}
	fmt.Fprintf(stdout, intakeSummary+"\n", answered[0].Load(), answered[1].Load(), answered[2].Load(), jobs.n.Load(),
		backlog, time.Since(ended).Milliseconds())
	return nil
}

// intakeSummary is the intake process's last line.
const intakeSummary = "answered %d accepted, %d duplicate, %d other; handled %d; %d waiting when the load ended, drained in %d ms"

// statusWriter records the status code a handler answers with.
type statusWriter struct {
	http.ResponseWriter
	code int
}

func (w *statusWriter) WriteHeader(code int) {
	w.code = code
	w.ResponseWriter.WriteHeader(code)
}
