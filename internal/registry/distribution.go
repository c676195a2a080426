package registry

import (
	"net/http"
	"net/url"
	"time"

	"github.com/stagehand-gitops/stagehand/internal/redact"
)

// distributionEvent is one event of a CNCF Distribution notification; Azure
// Container Registry webhooks send the same object without the envelope.
type distributionEvent struct {
	Timestamp time.Time `json:"timestamp"`
	Action    string    `json:"action"`
	Target    struct {
		MediaType  string `json:"mediaType"`
		Digest     string `json:"digest"`
		Repository string `json:"repository"`
		URL        string `json:"url"`
		Tag        string `json:"tag"`
	} `json:"target"`
	Request struct {
		Host string `json:"host"`
	} `json:"request"`
}

// ParseDistribution parses a CNCF Distribution notification envelope
// ({"events": […]}). Only a manifest or index pushed by tag is a new
// version: pulls, blob uploads, mounts, deletes and pushes by digest (the
// children of an index) yield no event. The host comes from target.url, or
// request.host when the URL is absent.
func ParseDistribution(_ http.Header, body []byte) ([]ImagePushed, error) {
	const source = "distribution"
	var p struct {
		Events *[]distributionEvent `json:"events"`
	}
	if err := decodeJSON(source, body, &p); err != nil {
		return nil, err
	}
	if p.Events == nil {
		return nil, payloadErr(source, nil, "events is missing")
	}
	var events []ImagePushed
	for i, e := range *p.Events {
		if e.Action != "push" || e.Target.Tag == "" || !IsManifestMediaType(e.Target.MediaType) {
			continue
		}
		ev, err := e.image()
		if err != nil {
			return nil, payloadErr(source, err, "event %d", i)
		}
		events = append(events, ev)
	}
	return collect(source, events)
}

// ParseACR parses an Azure Container Registry webhook. Only "push" is a new
// version; chart_push, delete, chart_delete and quarantine yield no event.
// ACR adds no headers but the custom ones configured on the webhook, which is
// where the shared token goes.
func ParseACR(_ http.Header, body []byte) ([]ImagePushed, error) {
	const source = "acr"
	var e distributionEvent
	if err := decodeJSON(source, body, &e); err != nil {
		return nil, err
	}
	return acrEvents(source, e)
}

func acrEvents(source string, e distributionEvent) ([]ImagePushed, error) {
	if e.Action == "" {
		return nil, payloadErr(source, nil, "action is missing")
	}
	if e.Action != "push" || e.Target.Tag == "" {
		return nil, nil
	}
	if e.Target.MediaType != "" && !IsManifestMediaType(e.Target.MediaType) {
		return nil, nil
	}
	ev, err := e.image()
	if err != nil {
		return nil, payloadErr(source, err, "target")
	}
	return collect(source, []ImagePushed{ev})
}

func (e distributionEvent) image() (ImagePushed, error) {
	host := e.Request.Host
	if e.Target.URL != "" {
		u, err := url.Parse(e.Target.URL)
		if err != nil {
			return ImagePushed{}, redact.URLError(err)
		}
		if u.Host != "" {
			host = u.Host
		}
	}
	if host == "" {
		return ImagePushed{}, errMissing("target.url and request.host")
	}
	if e.Target.Repository == "" {
		return ImagePushed{}, errMissing("target.repository")
	}
	return ImagePushed{
		Host: host, Repository: e.Target.Repository, Tag: e.Target.Tag,
		Digest: e.Target.Digest, MediaType: e.Target.MediaType, PushedAt: e.Timestamp.UTC(),
	}, nil
}

// errMissing names a required field that a payload lacks.
type errMissing string

func (e errMissing) Error() string { return string(e) + " missing" }
