package server

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/http"
	"strings"
	"sync"

	"github.com/labstack/echo/v4"
	"go.uber.org/zap"

	"github.com/stagehand-gitops/stagehand/internal/event"
	"github.com/stagehand-gitops/stagehand/internal/queue"
)

// The headers GitHub sends with every webhook.
const (
	headerSignature256  = "X-Hub-Signature-256"
	headerSignatureSHA1 = "X-Hub-Signature"
	headerEvent         = "X-GitHub-Event"
	headerDelivery      = "X-GitHub-Delivery"
)

// githubWebhook takes POST /webhooks/github. The order of the checks is the
// point: the body is bounded, then its signature verified, and only then is
// anything in it, or in GitHub's headers, trusted or parsed. A repeated
// delivery ID is answered before the body is looked at at all, and a new one
// is queued with its raw body: the request path reads only the queue key
// (event.Route) and the worker decodes (rawJob).
func (s *Server) githubWebhook(c echo.Context) error {
	req := c.Request()
	buf, err := readPooled(c.Response(), req, s.cfg.MaxBody)
	owned := false // by a queued job
	defer func() {
		if !owned {
			release(buf)
		}
	}()
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return s.refuse(c, labelUnverified, resultTooLarge, http.StatusRequestEntityTooLarge, "body exceeds 25 MiB")
		}
		return s.refuse(c, labelUnverified, resultBadRequest, http.StatusBadRequest, "cannot read body")
	}
	body := buf.Bytes()
	if reason := s.verify(req.Header, body); reason != "" {
		return s.refuse(c, labelUnverified, resultUnauthorized, http.StatusUnauthorized, reason)
	}

	name, id := req.Header.Get(headerEvent), req.Header.Get(headerDelivery)
	if name == "" || id == "" {
		return s.reject(c, eventLabel(name), resultBadRequest, http.StatusBadRequest, "missing "+headerEvent+" or "+headerDelivery+" header")
	}
	label := eventLabel(name)
	if event.Handled(name) && s.seen.Contains(id) {
		if ce := s.log.Check(zap.InfoLevel, "duplicate delivery dropped"); ce != nil {
			ce.Write(zap.String("delivery_id", id), zap.String("event", name))
		}
		return s.answer(c, label, resultDuplicate, http.StatusOK, status{"duplicate"})
	}
	// A webhook set to send application/x-www-form-urlencoded signs a
	// body of payload=…: refused here, where GitHub shows the reason. The
	// rest of the JSON is checked by the worker's decode, off this path.
	if !jsonObject(body) {
		return s.reject(c, label, resultBadRequest, http.StatusBadRequest, "body is not JSON")
	}
	switch {
	case name == event.Ping:
		s.log.Info("ping answered", zap.String("delivery_id", id))
		return s.answer(c, label, resultPing, http.StatusOK, status{"pong"})
	case !event.Handled(name):
		if ce := s.log.Check(zap.DebugLevel, "event not handled, dropped"); ce != nil {
			ce.Write(zap.String("delivery_id", id), zap.String("event", name))
		}
		return s.answer(c, label, resultIgnored, http.StatusAccepted, status{"ignored"})
	}
	o, err := s.admit(s.rawJob(id, name, buf))
	owned = o == queued
	return s.answerOutcome(c, label, o, err)
}

// rawJob is the job of a verified GitHub delivery whose body is still raw,
// in buf, which the job owns from now on. Its first attempt decodes the
// body and returns buf to the pool; a body that does not decode, or names
// another repository than the one it was queued under (a key spelt twice or
// in other letter case), fails the job without calling the Handler: its
// signature is valid, so only someone holding the secret can send one.
func (s *Server) rawJob(id, name string, buf *bytes.Buffer) queue.Job {
	key := event.Route(name, buf.Bytes())
	h := s.cfg.Handler
	var (
		d       event.Delivery
		err     error
		decoded bool
	)
	return queue.Job{Key: key, ID: id, Event: name, Run: func(ctx context.Context) error {
		if !decoded {
			decoded = true
			d, err = event.Decode(id, name, buf.Bytes())
			release(buf)
			buf = nil
			if err == nil && d.Key() != key {
				err = fmt.Errorf("delivery %s: payload names %s, but its body routed it to %s", id, d.Key(), key)
			}
			if err != nil {
				s.log.Warn("payload does not decode", zap.String("delivery_id", id), zap.String("event", name), zap.Error(err))
			}
		}
		if err != nil {
			return err
		}
		return h.Handle(ctx, d)
	}}
}

// readBody reads at most limit bytes; beyond that it fails with
// *http.MaxBytesError, before reading the rest.
func readBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, error) {
	if r.ContentLength > limit {
		return nil, &http.MaxBytesError{Limit: limit}
	}
	return io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
}

// bodies recycles the buffers GitHub webhook bodies are read into: the
// body is read once and verified in the buffer; a queued delivery keeps it
// until its job has decoded it (decoding copies what it keeps), any other
// request gives it back when answered.
var bodies = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// maxPooled is the largest buffer put back: a rare 25 MiB body must not
// stay in the pool.
const maxPooled = 1 << 20

// readPooled is readBody into a buffer from the pool; release returns it.
func readPooled(w http.ResponseWriter, r *http.Request, limit int64) (*bytes.Buffer, error) {
	if r.ContentLength > limit {
		return nil, &http.MaxBytesError{Limit: limit}
	}
	buf := bodies.Get().(*bytes.Buffer)
	buf.Reset()
	if r.ContentLength > 0 {
		// ReadFrom wants MinRead bytes free before it sees the end, so
		// a buffer of exactly the body's length would be grown twice.
		buf.Grow(int(r.ContentLength) + bytes.MinRead)
	}
	_, err := buf.ReadFrom(http.MaxBytesReader(w, r.Body, limit))
	return buf, err
}

func release(buf *bytes.Buffer) {
	if buf != nil && buf.Cap() <= maxPooled {
		bodies.Put(buf)
	}
}

// verify checks X-Hub-Signature-256 against every secret, in constant time.
// It returns why the request is refused, or "". The SHA-1 X-Hub-Signature
// header is never accepted on its own.
func (s *Server) verify(h http.Header, body []byte) string {
	header := h.Get(headerSignature256)
	if header == "" {
		if h.Get(headerSignatureSHA1) != "" {
			return "SHA-1 signatures are not accepted; " + headerSignature256 + " is required"
		}
		return "missing " + headerSignature256 + " header"
	}
	hexSig, ok := strings.CutPrefix(header, "sha256=")
	var sig [sha256.Size]byte
	if !ok || len(hexSig) != 2*sha256.Size {
		return "signature is not sha256=<hex>"
	}
	if _, err := hex.Decode(sig[:], []byte(hexSig)); err != nil {
		return "signature is not sha256=<hex>"
	}
	match := false
	for i := range s.cfg.Secrets {
		// Every secret is tried, so timing says nothing about which matched.
		if s.macs[i].equal(body, sig[:]) {
			match = true
		}
	}
	if !match {
		return "signature does not match"
	}
	return ""
}

// macPool recycles HMAC-SHA256 states keyed with one secret: keying one
// costs two hash blocks and several allocations per delivery otherwise.
type macPool struct{ pool sync.Pool }

func newMACPool(secret []byte) *macPool {
	p := &macPool{}
	p.pool.New = func() any { return hmac.New(sha256.New, secret) }
	return p
}

// equal reports whether sig is the HMAC of body, in constant time.
func (p *macPool) equal(body, sig []byte) bool {
	mac := p.pool.Get().(hash.Hash)
	defer p.pool.Put(mac)
	mac.Reset()
	mac.Write(body)
	var sum [sha256.Size]byte
	return hmac.Equal(mac.Sum(sum[:0]), sig)
}

// reject answers a refused request with a short reason and logs it.
func (s *Server) reject(c echo.Context, label, result string, code int, reason string) error {
	s.log.Info("webhook rejected", zap.Int("status", code), zap.String("reason", reason),
		zap.String("delivery_id", c.Request().Header.Get(headerDelivery)), zap.String("remote", remoteAddr(c.Request())))
	return s.answer(c, label, result, code, rejection{reason})
}

// eventLabel bounds the event label of the deliveries metric: events
// Stagehand does not handle share one label.
func eventLabel(name string) string {
	if name == event.Ping || event.Handled(name) {
		return name
	}
	return labelOther
}

// jsonObject reports whether body starts, after white space, with the
// opening brace of a JSON object, as every GitHub webhook body does.
func jsonObject(body []byte) bool {
	trimmed := bytes.TrimLeft(body, " \t\r\n")
	return len(trimmed) > 0 && trimmed[0] == '{'
}
