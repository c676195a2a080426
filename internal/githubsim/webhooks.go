package githubsim

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// Delivery is one webhook delivery attempt, as the deliveries API reports it.
type Delivery struct {
	ID             int64
	GUID           string
	Event          string
	Action         string
	RepositoryID   int64
	Redelivery     bool
	DeliveredAt    time.Time
	Duration       time.Duration
	StatusCode     int
	Status         string
	Payload        []byte
	RequestHeader  http.Header
	ResponseHeader http.Header
	ResponseBody   []byte

	dropped bool // lost without a trace; never logged
	fail    bool // injected failure: recorded but not sent
}

// hookQueue sends deliveries in order from one goroutine and keeps the delivery log.
type hookQueue struct {
	s       *Sim
	mu      sync.Mutex
	cond    *sync.Cond
	pending []*Delivery
	busy    bool
	closed  bool
	log     []*Delivery
	nextID  int64
	done    chan struct{}
}

func newHookQueue(s *Sim) *hookQueue {
	q := &hookQueue{s: s, nextID: 90000000, done: make(chan struct{})}
	q.cond = sync.NewCond(&q.mu)
	go q.run()
	return q
}

func newGUID() string {
	h := randomHex(16)
	return h[0:8] + "-" + h[8:12] + "-4" + h[13:16] + "-a" + h[17:20] + "-" + h[20:32]
}

// emit queues a webhook for the App; s.mu is held by the caller.
func (s *Sim) emit(event, action string, r *repo, who principal, payload obj) {
	if r != nil && !r.installed {
		return
	}
	if action != "" {
		payload["action"] = action
	}
	if _, set := payload["repository"]; !set && r != nil {
		payload["repository"] = s.repoJSON(r)
	}
	payload["sender"] = s.userJSON(s.actor(who))
	if _, set := payload["installation"]; !set {
		payload["installation"] = obj{"id": s.opts.InstallationID, "node_id": nodeID("MDIz", s.opts.InstallationID)}
	}
	data, err := json.Marshal(payload)
	if err != nil {
		panic(fmt.Sprintf("githubsim: marshal %s payload: %v", event, err))
	}
	d := &Delivery{GUID: newGUID(), Event: event, Action: action, Payload: data}
	if r != nil {
		d.RepositoryID = r.id
	}
	if s.faults.WebhookDrop > 0 {
		s.faults.WebhookDrop--
		d.dropped = true
	} else if s.faults.WebhookDropRate > 0 && s.rng.Float64() < s.faults.WebhookDropRate {
		d.dropped = true
	} else if s.faults.WebhookFailRate > 0 && s.rng.Float64() < s.faults.WebhookFailRate {
		d.fail = true
	}
	s.hooks.push(d)
}

func (q *hookQueue) push(d *Delivery) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.nextID++
	d.ID = q.nextID
	q.pending = append(q.pending, d)
	q.cond.Broadcast()
}

func (q *hookQueue) run() {
	defer close(q.done)
	for {
		q.mu.Lock()
		for len(q.pending) == 0 && !q.closed {
			q.cond.Wait()
		}
		if len(q.pending) == 0 && q.closed {
			q.mu.Unlock()
			return
		}
		d := q.pending[0]
		q.pending = q.pending[1:]
		q.busy = true
		q.mu.Unlock()

		if !d.dropped {
			q.s.deliver(d)
			q.s.active.touch()
		}

		q.mu.Lock()
		if !d.dropped {
			q.log = append(q.log, d)
		}
		q.busy = false
		q.cond.Broadcast()
		q.mu.Unlock()
	}
}

func (q *hookQueue) flush() {
	q.mu.Lock()
	defer q.mu.Unlock()
	for len(q.pending) > 0 || q.busy {
		q.cond.Wait()
	}
}

func (q *hookQueue) close() {
	q.mu.Lock()
	q.closed = true
	q.cond.Broadcast()
	q.mu.Unlock()
	<-q.done
}

// Flush waits until every queued webhook has been delivered (or has failed).
func (s *Sim) Flush() { s.hooks.flush() }

// deliver sends one delivery and records its outcome on d.
func (s *Sim) deliver(d *Delivery) {
	secret := []byte(s.opts.WebhookSecret)
	mac256 := hmac.New(sha256.New, secret)
	mac256.Write(d.Payload)
	mac1 := hmac.New(sha1.New, secret)
	mac1.Write(d.Payload)
	d.RequestHeader = http.Header{
		"Accept":                                 {"*/*"},
		"Content-Type":                           {"application/json"},
		"User-Agent":                             {"GitHub-Hookshot/githubsim"},
		"X-Github-Event":                         {d.Event},
		"X-Github-Delivery":                      {d.GUID},
		"X-Github-Hook-Id":                       {"1"},
		"X-Github-Hook-Installation-Target-Id":   {strconv.FormatInt(s.opts.AppID, 10)},
		"X-Github-Hook-Installation-Target-Type": {"integration"},
		"X-Hub-Signature":                        {"sha1=" + hex.EncodeToString(mac1.Sum(nil))},
		"X-Hub-Signature-256":                    {"sha256=" + hex.EncodeToString(mac256.Sum(nil))},
	}
	start := time.Now()
	d.DeliveredAt = s.now()
	defer func() { d.Duration = time.Since(start) }()
	if d.fail {
		d.StatusCode, d.Status = http.StatusBadGateway, "Invalid HTTP Response: 502"
		return
	}
	if s.opts.WebhookURL == "" {
		d.StatusCode, d.Status = 0, "No webhook URL configured"
		return
	}
	req, err := http.NewRequest(http.MethodPost, s.opts.WebhookURL, bytes.NewReader(d.Payload))
	if err != nil {
		d.Status = "Invalid webhook URL"
		return
	}
	req.Header = d.RequestHeader.Clone()
	resp, err := s.opts.HTTPClient.Do(req)
	if err != nil {
		d.StatusCode, d.Status = 0, "We couldn’t deliver this payload: "+err.Error()
		return
	}
	defer resp.Body.Close()
	d.ResponseBody, _ = io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	d.ResponseHeader = resp.Header.Clone()
	d.StatusCode = resp.StatusCode
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		d.Status = "OK"
	} else {
		d.Status = fmt.Sprintf("Invalid HTTP Response: %d", resp.StatusCode)
	}
}

// Deliveries returns the delivery log, oldest first, failed attempts included.
func (s *Sim) Deliveries() []Delivery {
	s.hooks.mu.Lock()
	defer s.hooks.mu.Unlock()
	out := make([]Delivery, 0, len(s.hooks.log))
	for _, d := range s.hooks.log {
		out = append(out, *d)
	}
	return out
}

// Redeliver queues a new attempt of a logged delivery, as the redelivery API does.
func (s *Sim) Redeliver(id int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.redeliverLocked(id)
}

func (s *Sim) redeliverLocked(id int64) error {
	s.hooks.mu.Lock()
	var orig *Delivery
	for _, d := range s.hooks.log {
		if d.ID == id {
			orig = d
		}
	}
	s.hooks.mu.Unlock()
	if orig == nil {
		return fmt.Errorf("delivery %d: %w", id, errNotFound)
	}
	d := &Delivery{GUID: orig.GUID, Event: orig.Event, Action: orig.Action, RepositoryID: orig.RepositoryID,
		Payload: orig.Payload, Redelivery: true}
	if s.faults.WebhookFailRate > 0 && s.rng.Float64() < s.faults.WebhookFailRate {
		d.fail = true
	}
	s.hooks.push(d)
	return nil
}
