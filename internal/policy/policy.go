// Package policy parses and validates a config repository's .stagehand.yaml:
// the order of environments, their gates, the apps and the rules that choose
// each image's next tag.
//
// It is part of the pure core: no network, no clock, no globals. Every
// validation error carries the file, line and column it is about.
package policy

import (
	"time"

	// Freeze windows name IANA time zones; embedding the database makes
	// validation give the same answer on every host, including distroless
	// images without /usr/share/zoneinfo.
	_ "time/tzdata"

	"github.com/stagehand-gitops/stagehand/internal/tags"
)

// FileName is where the policy lives, at the root of the config repository.
const FileName = ".stagehand.yaml"

// DefaultOverlays is the overlay template used when the policy sets none.
const DefaultOverlays = "apps/{app}/overlays/{env}"

// Promotion says who opens an environment's pull request.
type Promotion string

// The promotion modes.
const (
	// Auto: Stagehand opens the pull request by itself.
	Auto Promotion = "auto"
	// Manual: the pull request is opened only by a /promote command.
	Manual Promotion = "manual"
)

// Carry says what a promotion into an environment takes from the previous one.
type Carry string

// The carry modes.
const (
	// CarryArtifact promotes the same tag and digest (the default).
	CarryArtifact Carry = "artifact"
	// CarryVersion promotes the newest tag of this environment's channel
	// whose version (major.minor.patch) equals the previous environment's.
	CarryVersion Carry = "version"
)

// Policy is a parsed and validated .stagehand.yaml.
type Policy struct {
	// File is the name the policy was parsed from, for messages.
	File string
	// Version is the schema version; only 1 exists.
	Version int
	// Overlays holds the overlay path templates, with {app}, {env} and
	// `*` segments. Never empty after Parse.
	Overlays []string
	// Layout is the file's layout: field, the source of every listed app
	// that declares none of its own; nil means kustomize overlays.
	Layout *Source
	// Discovery is the file's discover: field: the method Discover adds
	// apps found from the layout. It defaults to true when the policy lists
	// no apps.
	Discovery bool
	// Exclude holds globs (path.Match syntax) of app names discovery skips.
	Exclude []string
	// Environments in promotion order.
	Environments []Environment
	// Defaults is the rule every image starts from.
	Defaults ImageRule
	// Apps in file order, then discovered apps sorted by name.
	Apps []App
	// Groups are the release trains, in file order: apps that move
	// through some environments together, in one pull request.
	Groups []Group
}

// Environment is one stage of the promotion order.
type Environment struct {
	// Name is how people and branches refer to the environment.
	Name string
	// Dir replaces {env} in overlay templates; it defaults to Name.
	Dir string
	// Promotion: auto (default) or manual.
	Promotion Promotion
	// AutoMerge merges the pull request when every required check is green.
	AutoMerge bool
	// Prerelease admits prerelease versions in this environment.
	Prerelease bool
	// Soak is how long a version must have run in the previous environment.
	Soak time.Duration
	// RequireHealthy requires a successful deployment or commit status on
	// the previous environment's merge commit.
	RequireHealthy bool
	// Promoters may promote into this environment (users and @org/team).
	// Empty means anyone with write access.
	Promoters []string
	// Freeze holds windows in which nothing is promoted into this environment.
	Freeze []FreezeWindow
	// Carry: artifact (default) or version.
	Carry Carry
	// Constraint, AllowTags and IgnoreTags are this environment's tag
	// channel for every app; they narrow the image's rule.
	Constraint string
	AllowTags  string
	IgnoreTags []string
	// Verify, when set, is the signature every image promoted into this
	// environment must carry.
	Verify *Verify
	// Line is where the environment is defined, for messages.
	Line int
}

// ImageRule holds the fields that choose an image's next tag.
type ImageRule struct {
	Strategy   tags.Strategy
	Constraint string
	AllowTags  string
	IgnoreTags []string
	Extract    string
	// PinDigest writes tag and digest (newTag + digest) when the digest is
	// known. The digest strategy always writes the digest.
	PinDigest bool
	// Verify, when set, is the signature the image must carry to be
	// promoted into any environment; it replaces the environments' own.
	// Only an image sets it (defaults: has no verify:).
	Verify *Verify
	// Poll is how often the resync lists the image's tags in its registry,
	// the backstop for lost registry notifications; 0 means every resync
	// (serve's --resync-interval). The image's own poll wins over its
	// app's, which wins over the defaults'.
	Poll time.Duration
}

// Image is one image an app deploys, with its resolved rule (defaults applied).
type Image struct {
	// Name as written in the kustomization's images[].name or newName.
	Name string
	ImageRule
	// Aliases are other names the overlays give this image (newName values
	// found by Discover); routing matches them too.
	Aliases []string
	// Line and Col are where the image is defined (0 for discovered images).
	Line, Col int
}

// EnvOverride is an app's override of one environment. A nil field is not
// overridden. Constraint, AllowTags and IgnoreTags do not replace the
// environment's channel: they add a filter that narrows it further.
type EnvOverride struct {
	Dir            *string
	Promotion      *Promotion
	AutoMerge      *bool
	Prerelease     *bool
	Soak           *time.Duration
	RequireHealthy *bool
	Promoters      []string // nil: not overridden; empty: anyone
	Freeze         []FreezeWindow
	Carry          *Carry
	Constraint     string
	AllowTags      string
	IgnoreTags     []string
	// Line is where the override is defined.
	Line int
}

// App is one deployable thing with its images and per-environment overrides.
type App struct {
	Name         string
	Images       []Image
	Environments map[string]EnvOverride
	// Source, when set, is the file kind and path the app's image lives
	// in, in place of kustomize overlays.
	Source *Source
	// Discovered is true for apps found from the layout, not listed in apps:.
	Discovered bool
	// Line is where the app is defined (0 for discovered apps).
	Line int
	// imagesFound marks a listed app without images whose images Discover
	// filled in from its overlays.
	imagesFound bool
}
