package event

import "github.com/google/go-github/v62/github"

// PackageEvent is the package webhook, which GitHub sends to repository
// webhooks when a package is published or updated. Stagehand decodes it
// itself: go-github v62's PackageEvent rejects the payloads GitHub sends
// (package_version.metadata is an array, body may be an object).
type PackageEvent struct {
	Package *PublishedPackage `json:"package,omitempty"`
	PackageEnvelope
}

// RegistryPackageEvent is the registry_package webhook, which GitHub sends to
// App installations when a package (for example a container image on
// ghcr.io) is published or updated. go-github v62 has no type for it.
//
// The fields follow the webhook-registry-package-published schema of the npm
// package @octokit/openapi-webhooks 12.1.0 (api.github.com); only the ones
// Stagehand may read are kept. The package object has the shape of the
// package object of the package event.
type RegistryPackageEvent struct {
	RegistryPackage *PublishedPackage `json:"registry_package,omitempty"`
	PackageEnvelope
}

// PackageEnvelope holds the fields the package and registry_package events
// share besides the package itself.
type PackageEnvelope struct {
	// Action is "published" or "updated".
	Action       *string              `json:"action,omitempty"`
	Repo         *github.Repository   `json:"repository,omitempty"`
	Org          *github.Organization `json:"organization,omitempty"`
	Sender       *github.User         `json:"sender,omitempty"`
	Installation *github.Installation `json:"installation,omitempty"`
}

// PublishedPackage is the package a registry_package event is about.
type PublishedPackage struct {
	ID             *int64           `json:"id,omitempty"`
	Name           *string          `json:"name,omitempty"`
	Namespace      *string          `json:"namespace,omitempty"`
	Ecosystem      *string          `json:"ecosystem,omitempty"`
	PackageType    *string          `json:"package_type,omitempty"`
	HTMLURL        *string          `json:"html_url,omitempty"`
	CreatedAt      *string          `json:"created_at,omitempty"`
	UpdatedAt      *string          `json:"updated_at,omitempty"`
	Owner          *github.User     `json:"owner,omitempty"`
	PackageVersion *PackageVersion  `json:"package_version,omitempty"`
	Registry       *PackageRegistry `json:"registry,omitempty"`
}

// PackageVersion is the version that was published. For a container
// image, Name is the manifest digest and ContainerMetadata.Tag.Name the tag,
// which is empty for an untagged child manifest of a multi-platform image.
type PackageVersion struct {
	ID                  *int64             `json:"id,omitempty"`
	Version             *string            `json:"version,omitempty"`
	Name                *string            `json:"name,omitempty"`
	Summary             *string            `json:"summary,omitempty"`
	HTMLURL             *string            `json:"html_url,omitempty"`
	PackageURL          *string            `json:"package_url,omitempty"`
	InstallationCommand *string            `json:"installation_command,omitempty"`
	TagName             *string            `json:"tag_name,omitempty"`
	TargetCommitish     *string            `json:"target_commitish,omitempty"`
	TargetOID           *string            `json:"target_oid,omitempty"`
	CreatedAt           *string            `json:"created_at,omitempty"`
	UpdatedAt           *string            `json:"updated_at,omitempty"`
	Author              *github.User       `json:"author,omitempty"`
	ContainerMetadata   *ContainerMetadata `json:"container_metadata,omitempty"`
	DockerMetadata      []DockerTags       `json:"docker_metadata,omitempty"`
}

// ContainerMetadata describes a container image version.
type ContainerMetadata struct {
	Tag *ContainerTag `json:"tag,omitempty"`
	// Labels and Manifest are free-form objects in GitHub's schema.
	Labels   map[string]any `json:"labels,omitempty"`
	Manifest map[string]any `json:"manifest,omitempty"`
}

// ContainerTag is the tag a container image version was pushed with.
type ContainerTag struct {
	Name   *string `json:"name,omitempty"`
	Digest *string `json:"digest,omitempty"`
}

// DockerTags lists the tags of a Docker package version.
type DockerTags struct {
	Tags []string `json:"tags,omitempty"`
}

// PackageRegistry is the registry that holds the package.
type PackageRegistry struct {
	AboutURL *string `json:"about_url,omitempty"`
	Name     *string `json:"name,omitempty"`
	Type     *string `json:"type,omitempty"`
	URL      *string `json:"url,omitempty"`
	Vendor   *string `json:"vendor,omitempty"`
}

// GetAction returns the action, or "".
func (e *PackageEnvelope) GetAction() string {
	if e == nil || e.Action == nil {
		return ""
	}
	return *e.Action
}

// GetRepo returns the repository, or nil.
func (e *PackageEnvelope) GetRepo() *github.Repository {
	if e == nil {
		return nil
	}
	return e.Repo
}

// GetInstallation returns the installation, or nil.
func (e *PackageEnvelope) GetInstallation() *github.Installation {
	if e == nil {
		return nil
	}
	return e.Installation
}

// Tag returns the container tag of the published version, or "" when there
// is none (an untagged manifest, or not a container package).
func (p *PublishedPackage) Tag() string {
	return p.GetPackageVersion().GetContainerMetadata().GetTag().GetName()
}

// GetName returns the package name, or "".
func (p *PublishedPackage) GetName() string {
	if p == nil || p.Name == nil {
		return ""
	}
	return *p.Name
}

// GetPackageVersion returns the published version, or nil.
func (p *PublishedPackage) GetPackageVersion() *PackageVersion {
	if p == nil {
		return nil
	}
	return p.PackageVersion
}

// GetName returns the version's name (a container image's digest), or "".
func (v *PackageVersion) GetName() string {
	if v == nil || v.Name == nil {
		return ""
	}
	return *v.Name
}

// GetPackageURL returns the package URL (for a container image,
// host/owner/name:tag), or "".
func (v *PackageVersion) GetPackageURL() string {
	if v == nil || v.PackageURL == nil {
		return ""
	}
	return *v.PackageURL
}

// GetName returns the tag name, or "".
func (t *ContainerTag) GetName() string {
	if t == nil || t.Name == nil {
		return ""
	}
	return *t.Name
}

// GetDigest returns the digest, or "".
func (t *ContainerTag) GetDigest() string {
	if t == nil || t.Digest == nil {
		return ""
	}
	return *t.Digest
}

// GetTag returns the tag, or nil.
func (m *ContainerMetadata) GetTag() *ContainerTag {
	if m == nil {
		return nil
	}
	return m.Tag
}

// GetContainerMetadata returns the container metadata, or nil.
func (v *PackageVersion) GetContainerMetadata() *ContainerMetadata {
	if v == nil {
		return nil
	}
	return v.ContainerMetadata
}
