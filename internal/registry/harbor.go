package registry

import (
	"encoding/json"
	"net/http"
	"time"
)

// harborData is the part shared by Harbor's Default payload (event_data) and
// its CloudEvents payload (data).
type harborData struct {
	Resources []struct {
		Digest      string `json:"digest"`
		Tag         string `json:"tag"`
		ResourceURL string `json:"resource_url"`
	} `json:"resources"`
	Repository struct {
		RepoFullName string `json:"repo_full_name"`
	} `json:"repository"`
}

// Harbor event types that announce a push, in each payload format.
const (
	harborPushDefault     = "PUSH_ARTIFACT"
	harborPushCloudEvents = "harbor.artifact.pushed"
)

// ParseHarbor parses a Harbor project webhook in either payload format:
// "Default" ({"type": "PUSH_ARTIFACT", "event_data": …}) or "CloudEvents"
// (type harbor.artifact.pushed, structured or binary content mode). The
// registry host comes from each resource_url. A push by digest only (Harbor
// then repeats the digest as the tag) yields no event.
func ParseHarbor(header http.Header, body []byte) ([]ImagePushed, error) {
	const source = "harbor"
	if ce, ok, err := decodeCloudEvent(source, header, body); ok || err != nil {
		if err != nil {
			return nil, err
		}
		if len(ce) != 1 {
			return nil, payloadErr(source, nil, "expected one CloudEvent, got %d", len(ce))
		}
		if ce[0].Type != harborPushCloudEvents {
			return nil, nil
		}
		return harborEvents(source, ce[0].Data, ce[0].Time)
	}
	var p struct {
		Type      string          `json:"type"`
		OccurAt   float64         `json:"occur_at"`
		EventData json.RawMessage `json:"event_data"`
	}
	if err := decodeJSON(source, body, &p); err != nil {
		return nil, err
	}
	if p.Type == "" {
		return nil, payloadErr(source, nil, "type is missing")
	}
	if p.Type != harborPushDefault {
		return nil, nil
	}
	return harborEvents(source, p.EventData, unixTime(p.OccurAt))
}

func harborEvents(source string, raw json.RawMessage, at time.Time) ([]ImagePushed, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, payloadErr(source, nil, "event data is missing")
	}
	var d harborData
	if err := decodeJSON(source, raw, &d); err != nil {
		return nil, err
	}
	var events []ImagePushed
	for _, r := range d.Resources {
		if r.Tag == "" || r.Tag == r.Digest || isDigest(r.Tag) {
			continue // pushed by digest: no tag moved
		}
		image, _, _ := splitReference(r.ResourceURL)
		host, repo, ok := splitImage(image)
		if !ok {
			return nil, payloadErr(source, nil, "resource_url %q does not name host/repository", r.ResourceURL)
		}
		if d.Repository.RepoFullName != "" {
			repo = d.Repository.RepoFullName
		}
		events = append(events, ImagePushed{Host: host, Repository: repo, Tag: r.Tag, Digest: r.Digest, PushedAt: at})
	}
	return collect(source, events)
}
