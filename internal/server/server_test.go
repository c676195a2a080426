package server

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/stagehand-gitops/stagehand/internal/event"
	"github.com/stagehand-gitops/stagehand/internal/queue"
)

var (
	oldSecret = []byte("old-secret")
	newSecret = []byte("new-secret")
)

// recorder is an Enqueuer that keeps what it is given, or refuses with err.
type recorder struct {
	mu   sync.Mutex
	jobs []queue.Job
	err  error
}

func (r *recorder) Enqueue(j queue.Job) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err != nil {
		return r.err
	}
	r.jobs = append(r.jobs, j)
	return nil
}

func (r *recorder) queued() []queue.Job {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]queue.Job(nil), r.jobs...)
}

// handlerFunc adapts a function to Handler.
type handlerFunc func(context.Context, event.Delivery) error

func (f handlerFunc) Handle(ctx context.Context, d event.Delivery) error { return f(ctx, d) }

func newTestServer(t testing.TB, q Enqueuer, h Handler) (*Server, *prometheus.Registry) {
	t.Helper()
	reg := prometheus.NewRegistry()
	if h == nil {
		h = handlerFunc(func(context.Context, event.Delivery) error { return nil })
	}
	s, err := New(Config{Secrets: [][]byte{oldSecret, newSecret}, Queue: q, Handler: h, Registry: reg})
	if err != nil {
		t.Fatal(err)
	}
	return s, reg
}

func sign(secret, body []byte) string {
	mac := hmac.New(sha256.New, secret)
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

func example(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("../../testdata/webhooks/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// delivery is one webhook request.
type delivery struct {
	event, id string
	body      []byte
	headers   map[string]string // set after the defaults; "" deletes
}

func (d delivery) request() *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/webhooks/github", bytes.NewReader(d.body))
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set(headerEvent, d.event)
	r.Header.Set(headerDelivery, d.id)
	r.Header.Set(headerSignature256, sign(newSecret, d.body))
	for k, v := range d.headers {
		if v == "" {
			r.Header.Del(k)
		} else {
			r.Header.Set(k, v)
		}
	}
	return r
}

func send(s *Server, d delivery) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	s.ServeHTTP(w, d.request())
	return w
}

func TestGitHubWebhookIntake(t *testing.T) {
	push := example(t, "push.json")
	oversized := append(append([]byte(`{"pad":"`), bytes.Repeat([]byte("x"), MaxBody)...), `"}`...)
	sha1Mac := hmac.New(sha1.New, newSecret)
	sha1Mac.Write(push)
	tests := []struct {
		name      string
		d         delivery
		times     int    // how often the same delivery is sent (default 1)
		queueErr  error  // what the queue answers
		wantCode  int    // for the last request
		wantField string // "status" or "error" in the JSON body
		wantValue string // its value, when fixed
		wantJobs  int    // jobs enqueued in all
	}{
		{name: "valid under the old secret", d: delivery{event: "push", id: "d1", body: push, headers: map[string]string{headerSignature256: sign(oldSecret, push)}},
			wantCode: 202, wantField: "status", wantValue: "accepted", wantJobs: 1},
		{name: "valid under the new secret", d: delivery{event: "push", id: "d1", body: push},
			wantCode: 202, wantField: "status", wantValue: "accepted", wantJobs: 1},
		{name: "wrong secret", d: delivery{event: "push", id: "d1", body: push, headers: map[string]string{headerSignature256: sign([]byte("guess"), push)}},
			wantCode: 401, wantField: "error", wantValue: "signature does not match"},
		{name: "missing signature", d: delivery{event: "push", id: "d1", body: push, headers: map[string]string{headerSignature256: ""}},
			wantCode: 401, wantField: "error"},
		{name: "SHA-1 signature only", d: delivery{event: "push", id: "d1", body: push, headers: map[string]string{headerSignature256: "", headerSignatureSHA1: "sha1=" + hex.EncodeToString(sha1Mac.Sum(nil))}},
			wantCode: 401, wantField: "error"},
		{name: "SHA-1 digest in the SHA-256 header", d: delivery{event: "push", id: "d1", body: push, headers: map[string]string{headerSignature256: "sha256=" + hex.EncodeToString(sha1Mac.Sum(nil))}},
			wantCode: 401, wantField: "error"},
		{name: "body tampered after signing", d: delivery{event: "push", id: "d1", body: bytes.Replace(push, []byte("Codertocat"), []byte("Mallory"), 1), headers: map[string]string{headerSignature256: sign(newSecret, push)}},
			wantCode: 401, wantField: "error", wantValue: "signature does not match"},
		{name: "oversized body", d: delivery{event: "push", id: "d1", body: oversized},
			wantCode: 413, wantField: "error"},
		{name: "not JSON", d: delivery{event: "push", id: "d1", body: []byte("payload=%7B%7D")},
			wantCode: 400, wantField: "error", wantValue: "body is not JSON"},
		{name: "missing event header", d: delivery{event: "", id: "d1", body: push},
			wantCode: 400, wantField: "error"},
		{name: "missing delivery header", d: delivery{event: "push", id: "", body: push},
			wantCode: 400, wantField: "error"},
		{name: "duplicate delivery", d: delivery{event: "push", id: "d1", body: push}, times: 2,
			wantCode: 200, wantField: "status", wantValue: "duplicate", wantJobs: 1},
		{name: "ping", d: delivery{event: "ping", id: "d1", body: example(t, "ping.json")},
			wantCode: 200, wantField: "status", wantValue: "pong"},
		{name: "unknown event", d: delivery{event: "star", id: "d1", body: []byte(`{"action":"created"}`)},
			wantCode: 202, wantField: "status", wantValue: "ignored"},
		{name: "full queue", d: delivery{event: "push", id: "d1", body: push}, queueErr: queue.ErrFull,
			wantCode: 503, wantField: "error", wantValue: queue.ErrFull.Error()},
		{name: "queue shutting down", d: delivery{event: "push", id: "d1", body: push}, queueErr: queue.ErrClosed,
			wantCode: 503, wantField: "error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := &recorder{err: tt.queueErr}
			s, _ := newTestServer(t, q, nil)
			var w *httptest.ResponseRecorder
			for range max(tt.times, 1) {
				w = send(s, tt.d)
			}
			if w.Code != tt.wantCode {
				t.Errorf("status %d, want %d (body %s)", w.Code, tt.wantCode, w.Body)
			}
			var body map[string]string
			if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
				t.Fatalf("answer is not JSON: %q", w.Body)
			}
			if v, ok := body[tt.wantField]; !ok || v == "" || (tt.wantValue != "" && v != tt.wantValue) {
				t.Errorf("answer %v, want %s %q", body, tt.wantField, tt.wantValue)
			}
			if got := len(q.queued()); got != tt.wantJobs {
				t.Errorf("%d jobs enqueued, want %d", got, tt.wantJobs)
			}
		})
	}
}

func TestQueuedJobCallsHandler(t *testing.T) {
	q := &recorder{}
	var got event.Delivery
	s, _ := newTestServer(t, q, handlerFunc(func(_ context.Context, d event.Delivery) error {
		got = d
		return nil
	}))
	body := example(t, "pull_request.opened.json")
	if w := send(s, delivery{event: "pull_request", id: "d-42", body: body}); w.Code != http.StatusAccepted {
		t.Fatalf("status %d: %s", w.Code, w.Body)
	}
	jobs := q.queued()
	if len(jobs) != 1 {
		t.Fatalf("%d jobs, want 1", len(jobs))
	}
	j := jobs[0]
	if j.Key != "Codertocat/Hello-World" || j.ID != "d-42" || j.Event != "pull_request" {
		t.Errorf("job key, id, event = %q, %q, %q", j.Key, j.ID, j.Event)
	}
	if err := j.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got.ID != "d-42" || got.Action != "opened" || got.Repo != "Codertocat/Hello-World" {
		t.Errorf("handler got %+v", got)
	}
}

func TestRedeliveryAfterFullQueue(t *testing.T) {
	q := &recorder{err: queue.ErrFull}
	s, _ := newTestServer(t, q, nil)
	d := delivery{event: "push", id: "d1", body: example(t, "push.json")}
	if w := send(s, d); w.Code != http.StatusServiceUnavailable {
		t.Fatalf("first attempt: status %d, want 503", w.Code)
	}
	q.mu.Lock()
	q.err = nil
	q.mu.Unlock()
	if w := send(s, d); w.Code != http.StatusAccepted {
		t.Errorf("redelivery with the same ID: status %d, want 202 (%s)", w.Code, w.Body)
	}
	if n := len(q.queued()); n != 1 {
		t.Errorf("%d jobs, want 1", n)
	}
}

func TestNewRefusesWithoutSecret(t *testing.T) {
	h := handlerFunc(func(context.Context, event.Delivery) error { return nil })
	for _, secrets := range [][][]byte{nil, {}, {[]byte("")}, {[]byte("ok"), nil}} {
		if _, err := New(Config{Secrets: secrets, Queue: &recorder{}, Handler: h}); !errors.Is(err, ErrNoSecret) {
			t.Errorf("New with secrets %q = %v, want ErrNoSecret", secrets, err)
		}
	}
}

func TestProbesAndMetrics(t *testing.T) {
	var notReady error
	q := &recorder{}
	reg := prometheus.NewRegistry()
	s, err := New(Config{Secrets: [][]byte{newSecret}, Queue: q, Registry: reg,
		Handler: handlerFunc(func(context.Context, event.Delivery) error { return nil }),
		Ready:   func() error { return notReady }})
	if err != nil {
		t.Fatal(err)
	}
	send(s, delivery{event: "push", id: "d1", body: example(t, "push.json")})
	send(s, delivery{event: "push", id: "d2", body: []byte("{}"), headers: map[string]string{headerSignature256: "sha256=00"}})

	get := func(path string) *httptest.ResponseRecorder {
		w := httptest.NewRecorder()
		s.ServeHTTP(w, httptest.NewRequest(http.MethodGet, path, nil))
		return w
	}
	tests := []struct {
		name, path string
		notReady   error
		wantCode   int
		wantBody   []string
	}{
		{name: "alive", path: "/healthz", wantCode: 200, wantBody: []string{`"status":"ok"`}},
		{name: "ready", path: "/readyz", wantCode: 200, wantBody: []string{`"status":"ready"`}},
		{name: "not ready", path: "/readyz", notReady: errors.New("queue saturated"), wantCode: 503, wantBody: []string{`"error":"queue saturated"`}},
		{name: "unknown path", path: "/nope", wantCode: 404, wantBody: []string{`"error":`}},
		{name: "metrics", path: "/metrics", wantCode: 200, wantBody: []string{
			`stagehand_webhook_deliveries_total{event="push",result="accepted"} 1`,
			`stagehand_webhook_deliveries_total{event="unverified",result="unauthorized"} 1`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			notReady = tt.notReady
			w := get(tt.path)
			if w.Code != tt.wantCode {
				t.Errorf("status %d, want %d", w.Code, tt.wantCode)
			}
			for _, want := range tt.wantBody {
				if !strings.Contains(w.Body.String(), want) {
					t.Errorf("body lacks %s:\n%s", want, w.Body)
				}
			}
		})
	}
}
