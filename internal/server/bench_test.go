package server

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/stagehand-gitops/stagehand/internal/event"
	"github.com/stagehand-gitops/stagehand/internal/queue"
)

// ingestClients is how many deliveries are in flight at once, as GitHub
// sends them from many hosts.
const ingestClients = 32

// newIngestServer is a Server in front of a real queue whose jobs do
// nothing, so that what is measured is intake: read, verify, dedupe,
// decode, admit, answer.
func newIngestServer(b *testing.B) *Server {
	b.Helper()
	q, err := queue.New(queue.Options{Workers: 2, Size: 1 << 20, Registerer: prometheus.NewRegistry()})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = q.Shutdown(context.Background()) })
	noop := handlerFunc(func(context.Context, event.Delivery) error { return nil })
	s, err := New(Config{Secrets: [][]byte{newSecret}, Queue: q, Handler: noop, Registry: prometheus.NewRegistry()})
	if err != nil {
		b.Fatal(err)
	}
	return s
}

// ingestModes: every delivery new, or every delivery a repeat.
var ingestModes = []struct {
	name   string
	unique bool
}{{"unique", true}, {"duplicate", false}}

// ingestID is the delivery ID of request i: a fresh one each time, or one
// repeated ID, as GitHub's redeliveries and retries repeat it.
func ingestID(unique bool, i int) string {
	if !unique {
		i = 0
	}
	return fmt.Sprintf("72d3162e-cc78-11e3-81ab-%012d", i)
}

// BenchmarkWebhookIngest sends signed GitHub push deliveries (7.8 KB, from
// GitHub's examples) over loopback HTTP with keep-alive connections and
// reports deliveries/s, the latency percentiles, how many IDs the dedupe set
// holds at the end and the heap a full set holds.
// Its allocs/op counts the client's allocations too; BenchmarkWebhookHandler
// counts the server's alone.
func BenchmarkWebhookIngest(b *testing.B) {
	body := example(b, "push.json")
	sig := sign(newSecret, body)
	for _, mode := range ingestModes {
		b.Run(mode.name, func(b *testing.B) {
			s := newIngestServer(b)
			srv := httptest.NewServer(s)
			defer srv.Close()
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: ingestClients, DisableCompression: true}}
			lat := make([]time.Duration, b.N)
			var next atomic.Int64
			var failed atomic.Value
			b.ReportAllocs()
			b.ResetTimer()
			start := time.Now()
			var wg sync.WaitGroup
			for range ingestClients {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := int(next.Add(1) - 1); i < b.N; i = int(next.Add(1) - 1) {
						req, _ := http.NewRequest(http.MethodPost, srv.URL+"/webhooks/github", bytes.NewReader(body))
						req.Header.Set(headerEvent, event.Push)
						req.Header.Set(headerDelivery, ingestID(mode.unique, i))
						req.Header.Set(headerSignature256, sig)
						t0 := time.Now()
						resp, err := client.Do(req)
						lat[i] = time.Since(t0)
						if err != nil {
							failed.Store(err)
							return
						}
						_, _ = resp.Body.Read(make([]byte, 64))
						resp.Body.Close()
						if resp.StatusCode != http.StatusAccepted && resp.StatusCode != http.StatusOK {
							failed.Store(fmt.Errorf("delivery %d: status %d", i, resp.StatusCode))
							return
						}
					}
				}()
			}
			wg.Wait()
			elapsed := time.Since(start)
			b.StopTimer()
			if err, _ := failed.Load().(error); err != nil {
				b.Fatal(err)
			}
			slices.Sort(lat)
			b.ReportMetric(float64(b.N)/elapsed.Seconds(), "deliveries/s")
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
			b.ReportMetric(float64(s.seen.Len()), "dedupe-entries")
			b.ReportMetric(dedupeHeap()/(1<<20), "dedupe-full-MiB")
		})
	}
}

// BenchmarkWebhookHandler calls the server's handler directly, without a
// network, so allocs/op is what the request path allocates per delivery.
// Each queued job runs (decodes the body and gives its buffer back) with the
// timer stopped: BenchmarkWebhookDecode measures that part.
func BenchmarkWebhookHandler(b *testing.B) {
	body := example(b, "push.json")
	sig := sign(newSecret, body)
	for _, mode := range ingestModes {
		b.Run(mode.name, func(b *testing.B) {
			q := &recorder{}
			noop := handlerFunc(func(context.Context, event.Delivery) error { return nil })
			s, err := New(Config{Secrets: [][]byte{newSecret}, Queue: q, Handler: noop, Registry: prometheus.NewRegistry()})
			if err != nil {
				b.Fatal(err)
			}
			reqs := make([]*http.Request, b.N)
			for i := range reqs {
				reqs[i] = httptest.NewRequest(http.MethodPost, "/webhooks/github", bytes.NewReader(body))
				reqs[i].Header.Set(headerEvent, event.Push)
				reqs[i].Header.Set(headerDelivery, ingestID(mode.unique, i))
				reqs[i].Header.Set(headerSignature256, sig)
			}
			w := &statusOnly{h: http.Header{}}
			b.ReportAllocs()
			b.ResetTimer()
			for _, r := range reqs {
				clear(w.h)
				s.ServeHTTP(w, r)
				if w.code != http.StatusAccepted && w.code != http.StatusOK {
					b.Fatalf("status %d", w.code)
				}
				if w.code == http.StatusAccepted {
					b.StopTimer()
					runJobs(b, q)
					b.StartTimer()
				}
			}
		})
	}
}

// BenchmarkWebhookDecode is the worker's part of a push delivery: its
// queued job decodes the raw body and hands the delivery to the Handler.
func BenchmarkWebhookDecode(b *testing.B) {
	body := example(b, "push.json")
	q := &recorder{}
	s, _ := newTestServer(b, q, nil)
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for i := range b.N {
		b.StopTimer()
		if w := send(s, delivery{event: event.Push, id: ingestID(true, i), body: body}); w.Code != http.StatusAccepted {
			b.Fatalf("status %d", w.Code)
		}
		b.StartTimer()
		runJobs(b, q)
	}
}

// runJobs runs and forgets every job the recorder holds.
func runJobs(b *testing.B, q *recorder) {
	for _, j := range q.queued() {
		if err := j.Run(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
	q.mu.Lock()
	q.jobs = q.jobs[:0]
	q.mu.Unlock()
}

// dedupeHeap is the heap a full delivery ID set holds, measured once.
var dedupeHeap = sync.OnceValue(func() float64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	seen, err := lru.New[string, struct{}](withDefaults(Config{}).Dedup)
	if err != nil {
		panic(err)
	}
	for i := range 2 * withDefaults(Config{}).Dedup {
		seen.ContainsOrAdd(ingestID(true, i), struct{}{})
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(seen)
	return float64(after.HeapAlloc) - float64(before.HeapAlloc)
})

// statusOnly is a ResponseWriter that keeps only the status code.
type statusOnly struct {
	h    http.Header
	code int
}

func (d *statusOnly) Header() http.Header         { return d.h }
func (d *statusOnly) Write(p []byte) (int, error) { return len(p), nil }
func (d *statusOnly) WriteHeader(code int)        { d.code = code }
