package server

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"

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
// anything in it, or in GitHub's headers, trusted or parsed.
func (s *Server) githubWebhook(c echo.Context) error {
	req := c.Request()
	body, err := readBody(c.Response(), req, s.cfg.MaxBody)
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return s.reject(c, labelUnverified, resultTooLarge, http.StatusRequestEntityTooLarge, "body exceeds 25 MiB")
		}
		return s.reject(c, labelUnverified, resultBadRequest, http.StatusBadRequest, "cannot read body")
	}
	if reason := s.verify(req.Header, body); reason != "" {
		return s.reject(c, labelUnverified, resultUnauthorized, http.StatusUnauthorized, reason)
	}

	name, id := req.Header.Get(headerEvent), req.Header.Get(headerDelivery)
	if name == "" || id == "" {
		return s.reject(c, eventLabel(name), resultBadRequest, http.StatusBadRequest, "missing "+headerEvent+" or "+headerDelivery+" header")
	}
	label := eventLabel(name)
	if !json.Valid(body) {
		return s.reject(c, label, resultBadRequest, http.StatusBadRequest, "body is not JSON")
	}
	log := s.log.With(zap.String("delivery_id", id), zap.String("event", name))
	switch {
	case name == event.Ping:
		log.Info("ping answered")
		return s.answer(c, label, resultPing, http.StatusOK, status{"pong"})
	case !event.Handled(name):
		log.Debug("event not handled, dropped")
		return s.answer(c, label, resultIgnored, http.StatusAccepted, status{"ignored"})
	}
	d, err := event.Decode(id, name, body)
	if err != nil {
		log.Warn("payload does not decode", zap.Error(err))
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
	if !ok {
		return "signature is not sha256=<hex>"
	}
	sig, err := hex.DecodeString(hexSig)
	if err != nil || len(sig) != sha256.Size {
		return "signature is not sha256=<hex>"
	}
	match := false
	for _, secret := range s.cfg.Secrets {
		mac := hmac.New(sha256.New, secret)
		mac.Write(body)
		// Every secret is tried, so timing says nothing about which matched.
		if hmac.Equal(mac.Sum(nil), sig) {
			match = true
		}
	}
	if !match {
		return "signature does not match"
	}
	return ""
}

// reject answers a refused request with a short reason and logs it.
func (s *Server) reject(c echo.Context, label, result string, code int, reason string) error {
	s.log.Info("webhook rejected", zap.Int("status", code), zap.String("reason", reason),
		zap.String("delivery_id", c.Request().Header.Get(headerDelivery)), zap.String("remote", c.RealIP()))
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
