package server

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stagehand-gitops/stagehand/internal/event"
	"github.com/stagehand-gitops/stagehand/internal/queue"
)

// FuzzGitHubWebhook sends arbitrary events and bodies: unsigned ones are
// always refused with nothing queued, signed ones never fail the server, and
// a queued job hands the Handler only a delivery of the key it was queued
// under.
func FuzzGitHubWebhook(f *testing.F) {
	files, _ := filepath.Glob("../../testdata/webhooks/*.json")
	for _, file := range files {
		body, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(strings.SplitN(filepath.Base(file), ".", 2)[0], body, true)
	}
	f.Add("push", []byte(`{"repository":null}`), false)
	f.Fuzz(func(t *testing.T, name string, body []byte, signed bool) {
		q := &recorder{}
		var handled []string
		s, _ := newTestServer(t, q, handlerFunc(func(_ context.Context, d event.Delivery) error {
			handled = append(handled, d.Key())
			return nil
		}))
		d := delivery{event: name, id: "d1", body: body}
		if !signed {
			d.headers = map[string]string{headerSignature256: sign([]byte("other"), body)}
		}
		w := send(s, d)
		jobs := len(q.queued())
		switch {
		case !signed && (w.Code != http.StatusUnauthorized || jobs != 0):
			t.Fatalf("unsigned delivery: status %d, %d jobs", w.Code, jobs)
		case w.Code >= 500:
			t.Fatalf("status %d: %s", w.Code, w.Body)
		case jobs > 0 && w.Code != http.StatusAccepted:
			t.Fatalf("queued, but answered %d", w.Code)
		}
		for _, j := range q.queued() {
			err := j.Run(context.Background())
			if err == nil && (len(handled) != 1 || handled[0] != j.Key) {
				t.Fatalf("job keyed %s handled deliveries keyed %q", j.Key, handled)
			}
		}
	})
}

// discard is an Enqueuer that drops every job.
type discard struct{}

func (discard) Enqueue(queue.Job) error { return nil }

// BenchmarkGitHubWebhook measures verifying, decoding and queueing a
// pull_request delivery.
func BenchmarkGitHubWebhook(b *testing.B) {
	body, err := os.ReadFile("../../testdata/webhooks/pull_request.opened.json")
	if err != nil {
		b.Fatal(err)
	}
	s, err := New(Config{Secrets: [][]byte{newSecret}, Queue: discard{}, Handler: handlerFunc(nil)})
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(body)))
	b.ResetTimer()
	for i := range b.N {
		w := send(s, delivery{event: "pull_request", id: strconv.Itoa(i), body: body})
		if w.Code != http.StatusAccepted {
			b.Fatalf("status %d", w.Code)
		}
	}
}
