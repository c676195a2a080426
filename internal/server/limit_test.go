package server

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/time/rate"

	"github.com/stagehand-gitops/stagehand/internal/event"
)

// newLimitedServer allows burst rejections per source and, within a test,
// never refills (one token an hour), so the counts below are exact.
func newLimitedServer(t testing.TB, burst int) *Server {
	t.Helper()
	noop := handlerFunc(func(context.Context, event.Delivery) error { return nil })
	s, err := New(Config{Secrets: [][]byte{newSecret}, Queue: &recorder{}, Handler: noop,
		Registry: prometheus.NewRegistry(), RejectRate: rate.Every(time.Hour), RejectBurst: burst})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// from sends d as if from the TCP peer remote.
func from(s *Server, remote string, r *http.Request) int {
	r.RemoteAddr = remote
	w := httptest.NewRecorder()
	s.ServeHTTP(w, r)
	return w.Code
}

func badSignature(id string, headers map[string]string) *http.Request {
	body := []byte(`{"zen":"x"}`)
	h := map[string]string{headerSignature256: sign([]byte("guess"), body)}
	for k, v := range headers {
		h[k] = v
	}
	return delivery{event: "push", id: id, body: body, headers: h}.request()
}

func TestRejectedRequestsRateLimitedPerSource(t *testing.T) {
	push := example(t, "push.json")
	s := newLimitedServer(t, 3)
	const flooder = "198.51.100.7:4000"
	for i := range 3 {
		if code := from(s, flooder, badSignature("b", nil)); code != http.StatusUnauthorized {
			t.Fatalf("rejection %d within the burst = %d, want 401", i+1, code)
		}
	}
	registryProbe := httptest.NewRequest(http.MethodPost, "/webhooks/registry/nosuch", strings.NewReader("{}"))
	cases := []struct {
		name   string
		remote string
		req    *http.Request
		want   int
	}{
		{"past the burst", flooder, badSignature("b", nil), http.StatusTooManyRequests},
		{"same peer, another port", "198.51.100.7:4001", badSignature("b", nil), http.StatusTooManyRequests},
		{"forwarding headers do not make a new source", flooder,
			badSignature("b", map[string]string{"X-Forwarded-For": "203.0.113.1", "X-Real-IP": "203.0.113.2"}), http.StatusTooManyRequests},
		{"unknown registry source spends the same budget", flooder, registryProbe, http.StatusTooManyRequests},
		{"a valid delivery from the flooding address is taken", flooder, delivery{event: "push", id: "v1", body: push}.request(), http.StatusAccepted},
		{"another address has its own budget", "192.0.2.9:5000", badSignature("b", nil), http.StatusUnauthorized},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if code := from(s, tc.remote, tc.req); code != tc.want {
				t.Errorf("answer = %d, want %d", code, tc.want)
			}
		})
	}
}

func TestIPv6SourceIsItsPrefix(t *testing.T) {
	s := newLimitedServer(t, 1)
	if code := from(s, "[2001:db8:1:2::1]:443", badSignature("b", nil)); code != http.StatusUnauthorized {
		t.Fatalf("first rejection = %d, want 401", code)
	}
	if code := from(s, "[2001:db8:1:2::ffff]:443", badSignature("b", nil)); code != http.StatusTooManyRequests {
		t.Errorf("same /64 = %d, want 429", code)
	}
	if code := from(s, "[2001:db8:1:3::1]:443", badSignature("b", nil)); code != http.StatusUnauthorized {
		t.Errorf("another /64 = %d, want 401", code)
	}
}

// TestFloodDoesNotRefuseValidDeliveries runs a flood of bad signatures and
// valid deliveries at once from one address: every valid delivery is
// queued, and the flood gets exactly its burst of 401s, then 429s.
func TestFloodDoesNotRefuseValidDeliveries(t *testing.T) {
	const burst, flood, valid = 5, 400, 100
	push := example(t, "push.json")
	s := newLimitedServer(t, burst)
	const remote = "198.51.100.7:4000"
	var mu sync.Mutex
	codes := map[string]map[int]int{"flood": {}, "valid": {}}
	count := func(kind string, code int) {
		mu.Lock()
		codes[kind][code]++
		mu.Unlock()
	}
	var wg sync.WaitGroup
	for i := range flood {
		wg.Go(func() { count("flood", from(s, remote, badSignature("f", nil))) })
		if i%(flood/valid) == 0 {
			id := "v" + strings.Repeat("x", i)
			wg.Go(func() { count("valid", from(s, remote, delivery{event: "push", id: id, body: push}.request())) })
		}
	}
	wg.Wait()
	if got := codes["valid"][http.StatusAccepted]; got != valid {
		t.Errorf("valid deliveries accepted = %d of %d (answers %v)", got, valid, codes["valid"])
	}
	if got := codes["flood"][http.StatusUnauthorized]; got != burst {
		t.Errorf("flood answered 401 = %d, want the burst %d", got, burst)
	}
	if got := codes["flood"][http.StatusTooManyRequests]; got != flood-burst {
		t.Errorf("flood answered 429 = %d, want %d", got, flood-burst)
	}
}
