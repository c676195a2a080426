package registry

import (
	"encoding/json"
	"net/http"
	"time"
)

// ParseGAR parses an Artifact Registry (or Container Registry) notification
// delivered by a Pub/Sub push subscription: the envelope's message.data is
// base64 JSON such as
//
//	{"action":"INSERT","digest":"us-docker.pkg.dev/p/r/img@sha256:…","tag":"us-docker.pkg.dev/p/r/img:1.1"}
//
// With "payload unwrapping" enabled the body is that JSON itself. Only an
// INSERT that carries a tag is a new version; a digest-only INSERT and a
// DELETE yield no event.
func ParseGAR(_ http.Header, body []byte) ([]ImagePushed, error) {
	const source = "gar"
	var envelope struct {
		Message *struct {
			Data        []byte    `json:"data"`
			PublishTime time.Time `json:"publishTime"`
		} `json:"message"`
		Action *string `json:"action"`
	}
	if err := decodeJSON(source, body, &envelope); err != nil {
		return nil, err
	}
	data, at := body, time.Time{}
	switch {
	case envelope.Message != nil:
		data, at = envelope.Message.Data, envelope.Message.PublishTime
	case envelope.Action == nil:
		return nil, payloadErr(source, nil, "neither a Pub/Sub push envelope (message) nor an Artifact Registry notification (action)")
	}
	var n struct {
		Action string `json:"action"`
		Digest string `json:"digest"`
		Tag    string `json:"tag"`
	}
	if err := json.Unmarshal(data, &n); err != nil {
		return nil, payloadErr(source, err, "message.data is not base64 JSON")
	}
	if n.Action == "" {
		return nil, payloadErr(source, nil, "action is missing")
	}
	if n.Action != "INSERT" || n.Tag == "" {
		return nil, nil
	}
	image, tag, _ := splitReference(n.Tag)
	host, repo, ok := splitImage(image)
	if !ok || tag == "" {
		return nil, payloadErr(source, nil, "tag %q is not a full reference host/repository:tag", n.Tag)
	}
	var digest string
	if n.Digest != "" {
		digestImage, _, d := splitReference(n.Digest)
		if digestImage != image {
			return nil, payloadErr(source, nil, "digest %q and tag %q name different images", n.Digest, n.Tag)
		}
		digest = d
	}
	return collect(source, []ImagePushed{{Host: host, Repository: repo, Tag: tag, Digest: digest, PushedAt: at.UTC()}})
}
