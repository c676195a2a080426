package server

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"hash"
	"io"
	"net/http"
	"strings"
	"sync"

	"github.com/labstack/echo/v4"
	"go.uber.org/zap"

	"github.com/stagehand-gitops/stagehand/internal/event"
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
// delivery ID is answered before the body is decoded at all.
func (s *Server) githubWebhook(c echo.Context) error {
	req := c.Request()
	buf, err := readPooled(c.Response(), req, s.cfg.MaxBody)
	defer release(buf)
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
		s.log.Info("duplicate delivery dropped", zap.String("delivery_id", id), zap.String("event", name))
		return s.answer(c, label, resultDuplicate, http.StatusOK, status{"duplicate"})
	}
	if !json.Valid(body) {
		return s.reject(c, label, resultBadRequest, http.StatusBadRequest, "body is not JSON")
	}
	switch {
	case name == event.Ping:
		s.log.Info("ping answered", zap.String("delivery_id", id))
		return s.answer(c, label, resultPing, http.StatusOK, status{"pong"})
	case !event.Handled(name):
		s.log.Debug("event not handled, dropped", zap.String("delivery_id", id), zap.String("event", name))
		return s.answer(c, label, resultIgnored, http.StatusAccepted, status{"ignored"})
	}
	d, err := event.Decode(id, name, body)
	if err != nil {
		s.log.Warn("payload does not decode", zap.String("delivery_id", id), zap.String("event", name), zap.Error(err))
		return s.reject(c, label, resultBadRequest, http.StatusBadRequest, "payload does not decode as "+name)
	}
	return s.submit(c, label, d)
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
// body is read once, verified and decoded from the buffer, and nothing
// keeps a reference to it after the answer (decoding copies what it keeps).
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
		buf.Grow(int(r.ContentLength))
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
