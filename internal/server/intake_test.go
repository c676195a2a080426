package server

import (
	"bytes"
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"

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

// TestNewDeliveryQueuedBeforeDecode: a new delivery is verified, routed and
// queued with its raw body, so the request path allocates a handful of
// objects; decoding (about 180 for a push) is the job's.
func TestNewDeliveryQueuedBeforeDecode(t *testing.T) {
	q := &recorder{}
	s, _ := newTestServer(t, q, nil)
	body := example(t, "push.json")
	reqs := make([]*http.Request, 0, 101)
	for i := range cap(reqs) {
		reqs = append(reqs, delivery{event: "push", id: "d" + strconv.Itoa(i), body: body}.request())
	}
	w := &statusOnly{h: http.Header{}}
	allocs := testing.AllocsPerRun(100, func() {
		s.ServeHTTP(w, reqs[0])
		reqs = reqs[1:]
	})
	if w.code != http.StatusAccepted || len(q.queued()) != 101 {
		t.Fatalf("status %d, %d jobs; want 202 and every delivery queued", w.code, len(q.queued()))
	}
	const bound = 25
	if allocs > bound {
		t.Errorf("a new delivery allocates %.0f objects on the request path, want at most %d: is the body decoded?", allocs, bound)
	}
}

// TestPooledBodyNotRetained: the buffer a body is read into is reused for
// the next request, and what was queued from the first is untouched by it.
func TestPooledBodyNotRetained(t *testing.T) {
	q := &recorder{}
	var got []string
	h := handlerFunc(func(_ context.Context, d event.Delivery) error {
		got = append(got, d.Repo+" "+d.Payload.(*event.PushEvent).HeadCommit.Message)
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

// TestRawBodyDecodedInWorker: a signed delivery is queued before its body
// is decoded, under the key event.Route reads; the job decodes it. One that
// does not decode, or whose payload names another repository than the key
// it was queued under, fails its job, and the Handler never sees it.
func TestRawBodyDecodedInWorker(t *testing.T) {
	tests := []struct {
		name, event, body, wantKey, wantErr string
	}{
		{name: "decodes", event: "pull_request", body: `{"action":"opened","number":7,"repository":{"full_name":"acme/config"}}`, wantKey: "acme/config"},
		{name: "wrong shape", event: "pull_request", body: `{"number":"seven","repository":{"full_name":"acme/config"}}`, wantKey: "acme/config", wantErr: "decode pull_request delivery d1"},
		{name: "repository twice", event: "push", body: `{"repository":{"full_name":"acme/one"},"repository":{"full_name":"acme/two"}}`, wantKey: "acme/one", wantErr: "payload names acme/two, but its body routed it to acme/one"},
		{name: "key in other letter case", event: "push", body: `{"Repository":{"full_name":"acme/two"},"installation":{"id":3}}`, wantKey: "installation/3", wantErr: "payload names acme/two"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := &recorder{}
			var handled []event.Delivery
			s, _ := newTestServer(t, q, handlerFunc(func(_ context.Context, d event.Delivery) error {
				handled = append(handled, d)
				return nil
			}))
			if w := send(s, delivery{event: tt.event, id: "d1", body: []byte(tt.body)}); w.Code != http.StatusAccepted {
				t.Fatalf("status %d: %s", w.Code, w.Body)
			}
			jobs := q.queued()
			if len(jobs) != 1 || jobs[0].Key != tt.wantKey {
				t.Fatalf("queued %+v, want one job keyed %s", jobs, tt.wantKey)
			}
			for attempt := range 2 { // a retry decodes nothing again
				err := jobs[0].Run(context.Background())
				switch {
				case tt.wantErr == "" && err != nil:
					t.Fatalf("attempt %d: %v", attempt, err)
				case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
					t.Fatalf("attempt %d: error %v, want one containing %q", attempt, err, tt.wantErr)
				}
			}
			wantHandled := 2
			if tt.wantErr != "" {
				wantHandled = 0
			}
			if len(handled) != wantHandled {
				t.Fatalf("Handler called %d times, want %d", len(handled), wantHandled)
			}
			for _, d := range handled {
				if d.Key() != tt.wantKey || d.ID != "d1" || d.Action != "opened" {
					t.Errorf("handled %+v, want delivery d1 (opened) keyed %s", d, tt.wantKey)
				}
			}
		})
	}
}
