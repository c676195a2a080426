package server

import (
	"bytes"
	"context"
	"net/http"
	"testing"

	"github.com/google/go-github/v62/github"

	"github.com/stagehand-gitops/stagehand/internal/event"
)

// TestDuplicateAnsweredBeforeDecode: a repeated delivery ID is verified and
// answered without decoding the body again, so the path GitHub's retries
// take allocates a handful of objects, not the payload's hundreds.
func TestDuplicateAnsweredBeforeDecode(t *testing.T) {
	s, _ := newTestServer(t, &recorder{}, nil)
	d := delivery{event: "push", id: "d1", body: example(t, "push.json")}
	if w := send(s, d); w.Code != http.StatusAccepted {
		t.Fatalf("first delivery: status %d", w.Code)
	}
	reqs := make([]*http.Request, 0, 101)
	for range cap(reqs) {
		reqs = append(reqs, d.request())
	}
	w := &statusOnly{h: http.Header{}}
	allocs := testing.AllocsPerRun(100, func() {
		s.ServeHTTP(w, reqs[0])
		reqs = reqs[1:]
	})
	if w.code != http.StatusOK {
		t.Fatalf("duplicate: status %d, want 200", w.code)
	}
	const bound = 20 // decoding a push allocates about 200 objects
	if allocs > bound {
		t.Errorf("a duplicate delivery allocates %.0f objects, want at most %d: is the body decoded?", allocs, bound)
	}
}

// TestPooledBodyNotRetained: the buffer a body is read into is reused for
// the next request, and what was queued from the first is untouched by it.
func TestPooledBodyNotRetained(t *testing.T) {
	q := &recorder{}
	var got []string
	h := handlerFunc(func(_ context.Context, d event.Delivery) error {
		got = append(got, d.Repo+" "+d.Payload.(*github.PushEvent).GetHeadCommit().GetMessage())
		return nil
	})
	s, _ := newTestServer(t, q, h)
	push := example(t, "push.json")
	other := bytes.ReplaceAll(push, []byte("Codertocat/Hello-World"), []byte("Mallory0/Other-Repo00"))
	for i, body := range [][]byte{push, other} {
		if w := send(s, delivery{event: "push", id: string(rune('a' + i)), body: body}); w.Code != http.StatusAccepted {
			t.Fatalf("delivery %d: status %d", i, w.Code)
		}
	}
	for _, j := range q.queued() {
		if err := j.Run(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if len(got) != 2 || got[0][:len("Codertocat/Hello-World")] != "Codertocat/Hello-World" || got[1][:len("Mallory0/Other-Repo00")] != "Mallory0/Other-Repo00" {
		t.Errorf("handled %q, want the first repository then the second", got)
	}
}
