package registry

import (
	"net/http"
	"time"
)

// ParseGeneric parses Stagehand's own format, for CI jobs and registries
// without a parser of their own:
//
//	{"image": "registry.example.com/team/app", "tag": "v1.2.3", "digest": "sha256:…"}
//
// image and tag are required; digest, mediaType and pushedAt (RFC 3339) are optional.
func ParseGeneric(_ http.Header, body []byte) ([]ImagePushed, error) {
	const source = "generic"
	var p struct {
		Image     string    `json:"image"`
		Tag       string    `json:"tag"`
		Digest    string    `json:"digest"`
		MediaType string    `json:"mediaType"`
		PushedAt  time.Time `json:"pushedAt"`
	}
	if err := decodeJSON(source, body, &p); err != nil {
		return nil, err
	}
	if p.Image == "" {
		return nil, payloadErr(source, nil, "image is required")
	}
	image, tag, digest := splitReference(p.Image)
	host, repo, ok := splitImage(image)
	if !ok {
		return nil, payloadErr(source, nil, "image %q must start with the registry host (host/repository)", p.Image)
	}
	if p.Tag == "" {
		p.Tag = tag
	}
	if p.Digest == "" {
		p.Digest = digest
	}
	if p.Tag == "" {
		return nil, payloadErr(source, nil, "tag is required")
	}
	return collect(source, []ImagePushed{{
		Host: host, Repository: repo, Tag: p.Tag, Digest: p.Digest,
		MediaType: p.MediaType, PushedAt: p.PushedAt.UTC(),
	}})
}
