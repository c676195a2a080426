package server

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/stagehand-gitops/stagehand/internal/event"
)

// floodClients is how many connections send bad signatures at once.
const floodClients = 4

// BenchmarkValidDuringFlood sends signed push deliveries one at a time over
// loopback HTTP, alone ("quiet") or while floodClients connections from the
// same address send bad signatures as fast as they can, with the default
// per-source limit ("flood") or with a limit too large to bite
// ("flood-unlimited"). It reports the valid deliveries' p50/p99 and how the
// flood was answered. A production JSON logger writes to io.Discard, so a
// rejection's log line is part of its cost.
func BenchmarkValidDuringFlood(b *testing.B) {
	push := example(b, "push.json")
	for _, mode := range []struct {
		name  string
		flood bool
		burst int
	}{{"quiet", false, 0}, {"flood", true, 0}, {"flood-unlimited", true, 1 << 30}} {
		b.Run(mode.name, func(b *testing.B) {
			srv := httptest.NewServer(newFloodServer(b, mode.burst))
			defer srv.Close()
			stop := make(chan struct{})
			var answers [600]atomic.Int64
			var wg sync.WaitGroup
			if mode.flood {
				for range floodClients {
					wg.Go(func() { flood(srv.URL, stop, &answers) })
				}
			}
			client := &http.Client{Transport: &http.Transport{DisableCompression: true}}
			lat := make([]time.Duration, b.N)
			b.ResetTimer()
			for i := range b.N {
				req, _ := http.NewRequest(http.MethodPost, srv.URL+"/webhooks/github", bytes.NewReader(push))
				req.Header.Set(headerEvent, event.Push)
				req.Header.Set(headerDelivery, ingestID(true, i))
				req.Header.Set(headerSignature256, sign(newSecret, push))
				t0 := time.Now()
				code, err := post(client, req)
				lat[i] = time.Since(t0)
				if err != nil || code != http.StatusAccepted {
					b.Fatalf("valid delivery %d: status %d, %v", i, code, err)
				}
			}
			b.StopTimer()
			close(stop)
			wg.Wait()
			slices.Sort(lat)
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
			b.ReportMetric(float64(answers[http.StatusUnauthorized].Load())/float64(b.N), "flood-401/op")
			b.ReportMetric(float64(answers[http.StatusTooManyRequests].Load())/float64(b.N), "flood-429/op")
		})
	}
}

func newFloodServer(b *testing.B, burst int) *Server {
	b.Helper()
	q := &recorder{}
	noop := handlerFunc(func(context.Context, event.Delivery) error { return nil })
	core := zapcore.NewCore(zapcore.NewJSONEncoder(zap.NewProductionEncoderConfig()), zapcore.AddSync(io.Discard), zap.InfoLevel)
	s, err := New(Config{Secrets: [][]byte{newSecret}, Queue: q, Handler: noop, Registry: prometheus.NewRegistry(),
		Logger: zap.New(core), RejectBurst: burst, Dedup: 1 << 20})
	if err != nil {
		b.Fatal(err)
	}
	return s
}

// flood posts badly signed deliveries until stop closes and counts the
// answers by status code.
func flood(url string, stop <-chan struct{}, answers *[600]atomic.Int64) {
	client := &http.Client{Transport: &http.Transport{DisableCompression: true}}
	body := []byte(`{"zen":"flood"}`)
	for {
		select {
		case <-stop:
			return
		default:
		}
		req, _ := http.NewRequest(http.MethodPost, url+"/webhooks/github", bytes.NewReader(body))
		req.Header.Set(headerEvent, event.Push)
		req.Header.Set(headerDelivery, "flood")
		req.Header.Set(headerSignature256, sign([]byte("guess"), body))
		if code, err := post(client, req); err == nil && code < len(answers) {
			answers[code].Add(1)
		}
	}
}

// post sends req and drains the answer so the connection is reused.
func post(client *http.Client, req *http.Request) (int, error) {
	resp, err := client.Do(req)
	if err != nil {
		return 0, fmt.Errorf("post: %w", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, nil
}
