// Package registry turns container registry webhooks into one normalised
// event, authenticates them, and confirms what they claim against the
// registry itself through the OCI distribution API.
//
// The parsers are pure functions of (header, body). Everything that talks to
// a registry lives in resolver.go and keychain.go.
package registry

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
)

// ImagePushed is a new tag in a registry, whatever registry reported it.
type ImagePushed struct {
	// Host is the registry host, with its port if any: "ghcr.io", "127.0.0.1:5000".
	Host string `json:"host"`
	// Repository is the path inside the registry: "acme/order-service".
	Repository string `json:"repository"`
	// Tag is the tag that was pushed; never empty.
	Tag string `json:"tag"`
	// Digest is what the tag points at ("sha256:…"), or "" when the source
	// does not say (Docker Hub, Quay); the Resolver fills it in.
	Digest string `json:"digest,omitempty"`
	// MediaType is the manifest or index media type, when known.
	MediaType string `json:"mediaType,omitempty"`
	// PushedAt is when the registry says the push happened; zero when it does not say.
	PushedAt time.Time `json:"pushedAt,omitzero"`
	// Source is the name of the parser that produced the event ("harbor", "github", …).
	Source string `json:"source"`
}

// Image returns "host/repository", the name overlays refer to.
func (e ImagePushed) Image() string { return e.Host + "/" + e.Repository }

// Ref returns "host/repository:tag", with "@digest" appended when the digest is known.
func (e ImagePushed) Ref() string {
	ref := e.Image() + ":" + e.Tag
	if e.Digest != "" {
		ref += "@" + e.Digest
	}
	return ref
}

// Parser turns one webhook request of a source into events. A request that
// reports something other than a new tag (a pull, a delete, a blob upload, an
// untagged child manifest) yields no events and no error; a payload that
// cannot be understood yields a *PayloadError.
type Parser func(header http.Header, body []byte) ([]ImagePushed, error)

// PayloadError says why a webhook payload was refused; the server answers 400
// with Reason.
type PayloadError struct {
	Source string
	Reason string
	Err    error
}

// Error implements error.
func (e *PayloadError) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s payload: %s: %v", e.Source, e.Reason, e.Err)
	}
	return fmt.Sprintf("%s payload: %s", e.Source, e.Reason)
}

// Unwrap returns the underlying error, if any.
func (e *PayloadError) Unwrap() error { return e.Err }

func payloadErr(source string, err error, format string, args ...any) error {
	return &PayloadError{Source: source, Reason: fmt.Sprintf(format, args...), Err: err}
}

// Manifest media types that name an image or an image index. Anything else
// (layers, configs, Helm charts in ACR's legacy format) is not a new version.
const (
	MediaTypeDockerManifest     = "application/vnd.docker.distribution.manifest.v2+json"
	MediaTypeDockerManifestList = "application/vnd.docker.distribution.manifest.list.v2+json"
	MediaTypeOCIManifest        = "application/vnd.oci.image.manifest.v1+json"
	MediaTypeOCIIndex           = "application/vnd.oci.image.index.v1+json"
)

// IsManifestMediaType reports whether mediaType is an image manifest or an image index.
func IsManifestMediaType(mediaType string) bool {
	switch strings.TrimSpace(strings.SplitN(mediaType, ";", 2)[0]) {
	case MediaTypeDockerManifest, MediaTypeDockerManifestList, MediaTypeOCIManifest, MediaTypeOCIIndex:
		return true
	}
	return false
}

// IsIndexMediaType reports whether mediaType is a multi-platform index.
func IsIndexMediaType(mediaType string) bool {
	mt := strings.TrimSpace(strings.SplitN(mediaType, ";", 2)[0])
	return mt == MediaTypeDockerManifestList || mt == MediaTypeOCIIndex
}

// isDigest reports whether s looks like "algorithm:hex".
func isDigest(s string) bool {
	alg, hex, ok := strings.Cut(s, ":")
	if !ok || alg == "" || len(hex) < 32 {
		return false
	}
	for _, c := range hex {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// splitImage splits "host/repo/path" into host and repository. The first
// component is a host only if it looks like one, as docker does it.
func splitImage(image string) (host, repo string, ok bool) {
	first, rest, found := strings.Cut(image, "/")
	if !found || rest == "" {
		return "", "", false
	}
	if !strings.ContainsAny(first, ".:") && first != "localhost" {
		return "", "", false
	}
	return first, rest, true
}

// splitReference splits "host/repo:tag" or "host/repo@digest" (or both) into
// image, tag and digest. A colon belongs to the tag only after the last slash.
func splitReference(ref string) (image, tag, digest string) {
	image, digest, _ = strings.Cut(ref, "@")
	slash := strings.LastIndex(image, "/")
	if colon := strings.LastIndex(image, ":"); colon > slash {
		image, tag = image[:colon], image[colon+1:]
	}
	return image, tag, digest
}

// errInvalidEvent marks an event whose fields do not form a valid reference.
var errInvalidEvent = errors.New("invalid image reference")

// check validates the fields of a parsed event, so that every event that
// leaves a parser can be handed to go-containerregistry as it is.
func (e ImagePushed) check() error {
	if e.Host == "" || e.Repository == "" || e.Tag == "" {
		return fmt.Errorf("%w: host, repository and tag are required (got %q)", errInvalidEvent, e.Ref())
	}
	if strings.ContainsAny(e.Host, "/@ ") {
		return fmt.Errorf("%w: bad host %q", errInvalidEvent, e.Host)
	}
	if _, err := name.NewTag(e.Image()+":"+e.Tag, name.StrictValidation); err != nil {
		return fmt.Errorf("%w: %q: %v", errInvalidEvent, e.Image()+":"+e.Tag, err)
	}
	if e.Digest != "" && !isDigest(e.Digest) {
		return fmt.Errorf("%w: bad digest %q", errInvalidEvent, e.Digest)
	}
	return nil
}

// collect validates events and wraps the first invalid one as a PayloadError.
func collect(source string, events []ImagePushed) ([]ImagePushed, error) {
	for i := range events {
		events[i].Source = source
		if err := events[i].check(); err != nil {
			return nil, payloadErr(source, err, "event %d", i)
		}
	}
	return events, nil
}

// NormalizeImage returns the name an image is matched by, the way docker
// and kustomize resolve it: "nginx" and "index.docker.io/library/nginx" are
// both "docker.io/library/nginx"; other names keep their host. Use it on both
// sides when routing an event to the overlays that reference its image.
func NormalizeImage(image string) (string, error) {
	repo, err := name.NewRepository(image)
	if err != nil {
		return "", fmt.Errorf("normalize image %q: %w", image, err)
	}
	host := repo.RegistryStr()
	if host == name.DefaultRegistry {
		host = dockerHubHost
	}
	return host + "/" + repo.RepositoryStr(), nil
}
