package server

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"
	"go.uber.org/zap"

	"github.com/stagehand-gitops/stagehand/internal/event"
	"github.com/stagehand-gitops/stagehand/internal/registry"
)

// Target is a config repository an image routes to, with the App
// installation it is reached through.
type Target struct {
	Repo           string // owner/name
	InstallationID int64
}

// Routes says which config repositories track an image. The bot's routing
// index implements it in memory: the server never calls GitHub.
type Routes interface {
	// Targets returns the repositories whose policy tracks image
	// ("host/repository", normalised), sorted and without duplicates.
	Targets(image string) []Target
}

// RegistryAuth authenticates a registry webhook for a source;
// *registry.Credentials is one.
type RegistryAuth interface {
	Verify(source string, r *http.Request, body []byte) error
}

// labelRegistry prefixes the event label of registry webhooks: one label
// per source, a bounded set.
const labelRegistry = "registry_"

// registryWebhook takes POST /webhooks/registry/{source}[/{token}]. It
// authenticates the request for its source, parses the payload into image
// events, and queues one delivery per (event, config repository that
// tracks the image). Nothing is queued for a rejected request: an unknown
// source is 404, an unauthenticated request 401, a malformed payload 400
// with the reason, and an image no policy tracks 202 with a log line.
func (s *Server) registryWebhook(c echo.Context) error {
	req := c.Request()
	src, ok := registry.LookupSource(c.Param("source"))
	if !ok || s.cfg.RegistryAuth == nil || s.cfg.Routes == nil {
		return s.refuse(c, labelUnverified, resultNotFound, http.StatusNotFound, "unknown registry source")
	}
	label := labelRegistry + src.Name
	body, err := readBody(c.Response(), req, s.cfg.MaxBody)
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return s.refuse(c, label, resultTooLarge, http.StatusRequestEntityTooLarge, "body exceeds the limit")
		}
		return s.refuse(c, label, resultBadRequest, http.StatusBadRequest, "cannot read body")
	}
	if err := s.cfg.RegistryAuth.Verify(src.Name, req, body); err != nil {
		if errors.Is(err, registry.ErrUnknownSource) {
			return s.refuse(c, labelUnverified, resultNotFound, http.StatusNotFound, "unknown registry source")
		}
		return s.refuse(c, label, resultUnauthorized, http.StatusUnauthorized, err.Error())
	}
	evs, err := src.Parse(req.Header, body)
	if err != nil {
		reason := err.Error()
		var pe *registry.PayloadError
		if errors.As(err, &pe) {
			reason = pe.Reason
		}
		return s.reject(c, label, resultBadRequest, http.StatusBadRequest, reason)
	}
	log := s.log.With(zap.String("source", src.Name))
	if len(evs) == 0 {
		log.Info("registry webhook reports no new tag, dropped")
		return s.answer(c, label, resultIgnored, http.StatusAccepted, status{"ignored"})
	}
	ds, err := s.registryDeliveries(src.Name, body, evs, log)
	if err != nil {
		return s.reject(c, label, resultBadRequest, http.StatusBadRequest, err.Error())
	}
	if len(ds) == 0 {
		return s.answer(c, label, resultUntracked, http.StatusAccepted, status{"untracked"})
	}
	return s.submitAll(c, label, ds)
}

// registryDeliveries routes each event to the repositories that track its
// image. Delivery IDs derive from the body, so a registry's retry of the
// same notification is dropped as a duplicate.
func (s *Server) registryDeliveries(source string, body []byte, evs []registry.ImagePushed, log *zap.Logger) ([]event.Delivery, error) {
	sum := sha256.Sum256(body)
	base := "registry:" + source + ":" + hex.EncodeToString(sum[:8])
	var ds []event.Delivery
	for i, ev := range evs {
		img, err := registry.NormalizeImage(ev.Image())
		if err != nil {
			return nil, fmt.Errorf("image %q: %w", ev.Image(), err)
		}
		targets := s.cfg.Routes.Targets(img)
		if len(targets) == 0 {
			log.Info("untracked image dropped", zap.String("image", img), zap.String("tag", ev.Tag))
			continue
		}
		for _, t := range targets {
			ds = append(ds, event.Delivery{ID: fmt.Sprintf("%s:%d:%s", base, i, t.Repo), Event: event.ImagePushed,
				Repo: t.Repo, InstallationID: t.InstallationID, Payload: ev})
		}
	}
	return ds, nil
}

// submitAll queues several deliveries and answers once: 503 or 500 if the
// queue refused one, 200 if every one was a duplicate, else 202.
func (s *Server) submitAll(c echo.Context, label string, ds []event.Delivery) error {
	dups := 0
	for _, d := range ds {
		switch o, err := s.enqueue(d); o {
		case refused:
			return s.answer(c, label, resultQueueFull, http.StatusServiceUnavailable, rejection{err.Error()})
		case failed:
			return s.answer(c, label, resultError, http.StatusInternalServerError, rejection{"cannot queue delivery"})
		case duplicate:
			dups++
		}
	}
	if dups == len(ds) {
		return s.answer(c, label, resultDuplicate, http.StatusOK, status{"duplicate"})
	}
	return s.answer(c, label, resultAccepted, http.StatusAccepted, status{"accepted"})
}
