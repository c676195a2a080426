package registry

import (
	"bytes"
	"encoding/json"
	"math"
	"net/http"
	"slices"
	"strings"
	"time"
)

// decodeJSON decodes body into v, or returns a PayloadError for source.
func decodeJSON(source string, body []byte, v any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return payloadErr(source, nil, "empty body")
	}
	if err := json.Unmarshal(body, v); err != nil {
		return payloadErr(source, err, "invalid JSON")
	}
	return nil
}

// unixTime converts seconds since the epoch (Docker Hub and Harbor send
// integers, older Docker Hub payloads floats) to a UTC time.
func unixTime(sec float64) time.Time {
	if sec <= 0 || math.IsNaN(sec) || sec > 1e11 {
		return time.Time{}
	}
	whole, frac := math.Modf(sec)
	return time.Unix(int64(whole), int64(frac*1e9)).UTC()
}

// dockerHubHost is the host overlays use for Docker Hub images; the
// resolver's reference parser maps it to index.docker.io.
const dockerHubHost = "docker.io"

// ParseDockerHub parses a Docker Hub repository webhook. Docker Hub sends no
// digest and no signature: the digest must come from a manifest HEAD, and the
// shared token must travel in the URL.
func ParseDockerHub(_ http.Header, body []byte) ([]ImagePushed, error) {
	const source = "dockerhub"
	var p struct {
		PushData *struct {
			PushedAt float64 `json:"pushed_at"`
			Tag      string  `json:"tag"`
		} `json:"push_data"`
		Repository *struct {
			RepoName string `json:"repo_name"`
		} `json:"repository"`
	}
	if err := decodeJSON(source, body, &p); err != nil {
		return nil, err
	}
	if p.Repository == nil || p.Repository.RepoName == "" {
		return nil, payloadErr(source, nil, "repository.repo_name is missing")
	}
	if p.PushData == nil || p.PushData.Tag == "" {
		return nil, nil // automated-build payloads list layer IDs but no tag
	}
	repo := strings.ToLower(p.Repository.RepoName)
	if !strings.Contains(repo, "/") {
		repo = "library/" + repo
	}
	return collect(source, []ImagePushed{{
		Host:       dockerHubHost,
		Repository: repo,
		Tag:        p.PushData.Tag,
		PushedAt:   unixTime(p.PushData.PushedAt),
	}})
}

// ParseQuay parses a Quay "Repository Push" notification: one event per
// entry of updated_tags, which Quay sends as a list of tags (current) or as a
// map from tag to image ID (older releases; that ID is not a manifest digest).
func ParseQuay(_ http.Header, body []byte) ([]ImagePushed, error) {
	const source = "quay"
	var p struct {
		Repository  string          `json:"repository"`
		DockerURL   string          `json:"docker_url"`
		UpdatedTags json.RawMessage `json:"updated_tags"`
	}
	if err := decodeJSON(source, body, &p); err != nil {
		return nil, err
	}
	host, repo, ok := splitImage(p.DockerURL)
	if !ok {
		if p.DockerURL != "" || p.Repository == "" {
			return nil, payloadErr(source, nil, "docker_url %q does not name host/repository", p.DockerURL)
		}
		host, repo = "quay.io", p.Repository
	}
	tags, err := quayTags(p.UpdatedTags)
	if err != nil {
		return nil, payloadErr(source, err, "updated_tags")
	}
	events := make([]ImagePushed, 0, len(tags))
	for _, tag := range tags {
		events = append(events, ImagePushed{Host: host, Repository: repo, Tag: tag})
	}
	return collect(source, events)
}

func quayTags(raw json.RawMessage) ([]string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var list []string
	if err := json.Unmarshal(raw, &list); err == nil {
		return nonEmpty(list), nil
	}
	var byTag map[string]string
	if err := json.Unmarshal(raw, &byTag); err != nil {
		return nil, err
	}
	tags := make([]string, 0, len(byTag))
	for tag := range byTag {
		tags = append(tags, tag)
	}
	slices.Sort(tags)
	return nonEmpty(tags), nil
}

func nonEmpty(in []string) []string {
	out := in[:0]
	for _, s := range in {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}
