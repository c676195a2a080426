package registry

import (
	"encoding/json"
	"strings"
	"time"
)

// GitHubPackage holds the fields of a GitHub "package" (repository hook) or
// "registry_package" (App installation) webhook that name a container image
// version. The bot maps its decoded event into this; ParseGitHubPackage
// decodes it from the raw payload.
type GitHubPackage struct {
	Action      string    // "published" or "updated"
	PackageType string    // "CONTAINER" in webhooks, "container" in the REST API
	Owner       string    // package.owner.login
	Name        string    // package.name
	Version     string    // package_version.name: the manifest digest for containers
	Tag         string    // package_version.container_metadata.tag.name; "" for an untagged child manifest
	TagDigest   string    // package_version.container_metadata.tag.digest
	MediaType   string    // package_version.container_metadata.manifest.media_type
	PackageURL  string    // package_version.package_url: "ghcr.io/owner/name:tag"
	UpdatedAt   time.Time // package.updated_at or package_version.updated_at
}

// ghcrHost is where GitHub's container registry serves images.
const ghcrHost = "ghcr.io"

// FromGitHubPackage turns a GitHub package event into at most one event. Non
// container packages, actions other than published/updated, and untagged
// child manifests (an empty tag name) yield none. The repository is lower-
// cased, as ghcr.io requires: "Codertocat/Hello-World" is pulled as
// "ghcr.io/codertocat/hello-world".
func FromGitHubPackage(p GitHubPackage) ([]ImagePushed, error) {
	const source = "github"
	if !strings.EqualFold(p.PackageType, "container") {
		return nil, nil
	}
	if p.Action != "" && p.Action != "published" && p.Action != "updated" {
		return nil, nil
	}
	if p.Tag == "" {
		return nil, nil
	}
	host, repo := ghcrHost, ""
	if p.PackageURL != "" {
		image, _, _ := splitReference(strings.TrimSuffix(p.PackageURL, ":"))
		h, r, ok := splitImage(image)
		if !ok {
			return nil, payloadErr(source, nil, "package_url %q does not name host/repository", p.PackageURL)
		}
		host, repo = h, r
	} else {
		if p.Owner == "" || p.Name == "" {
			return nil, payloadErr(source, nil, "package owner and name are needed when package_url is absent")
		}
		repo = p.Owner + "/" + p.Name
	}
	digest := p.Version
	if !isDigest(digest) {
		digest = p.TagDigest
	}
	if !isDigest(digest) {
		digest = ""
	}
	return collect(source, []ImagePushed{{
		Host: strings.ToLower(host), Repository: strings.ToLower(repo), Tag: p.Tag,
		Digest: digest, MediaType: p.MediaType, PushedAt: p.UpdatedAt.UTC(),
	}})
}

// ParseGitHubPackage decodes a raw "package" or "registry_package" webhook
// body and calls FromGitHubPackage.
func ParseGitHubPackage(body []byte) ([]ImagePushed, error) {
	const source = "github"
	var p struct {
		Action          string         `json:"action"`
		Package         *githubPackage `json:"package"`
		RegistryPackage *githubPackage `json:"registry_package"`
	}
	if err := decodeJSON(source, body, &p); err != nil {
		return nil, err
	}
	pkg := p.Package
	if pkg == nil {
		pkg = p.RegistryPackage
	}
	if pkg == nil {
		return nil, payloadErr(source, nil, "neither package nor registry_package is present")
	}
	in := GitHubPackage{Action: p.Action, PackageType: pkg.PackageType, Owner: pkg.Owner.Login, Name: pkg.Name, UpdatedAt: githubTime(pkg.UpdatedAt)}
	if v := pkg.PackageVersion; v != nil {
		in.Version, in.PackageURL = v.Name, v.PackageURL
		if m := v.ContainerMetadata; m != nil {
			in.Tag, in.TagDigest = m.Tag.Name, m.Tag.Digest
			var manifest struct {
				MediaType string `json:"media_type"`
			}
			if json.Unmarshal(m.Manifest, &manifest) == nil {
				in.MediaType = manifest.MediaType
			}
		}
		if t := githubTime(v.UpdatedAt); !t.IsZero() {
			in.UpdatedAt = t
		}
	}
	return FromGitHubPackage(in)
}

// githubTime reads a GitHub timestamp; GitHub sends "0001-01-01T00:00:00Z"
// for unknown times, which is as good as none.
func githubTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil || t.Year() <= 1 {
		return time.Time{}
	}
	return t
}

// githubPackage is the package object of both events. Free-form parts of
// GitHub's schema are decoded loosely, so that their shape never fails a payload.
type githubPackage struct {
	Name        string `json:"name"`
	PackageType string `json:"package_type"`
	UpdatedAt   string `json:"updated_at"`
	Owner       struct {
		Login string `json:"login"`
	} `json:"owner"`
	PackageVersion *struct {
		Name              string `json:"name"`
		PackageURL        string `json:"package_url"`
		UpdatedAt         string `json:"updated_at"`
		ContainerMetadata *struct {
			Tag struct {
				Name   string `json:"name"`
				Digest string `json:"digest"`
			} `json:"tag"`
			Manifest json.RawMessage `json:"manifest"`
		} `json:"container_metadata"`
	} `json:"package_version"`
}
