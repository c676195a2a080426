package registry

import (
	"slices"
	"strings"
)

// Carrier says where a registry can put Stagehand's shared token, given what
// its webhook settings let a user configure.
type Carrier string

// Token carriers.
const (
	// CarrierHeader: the registry sends a configurable header, so the token
	// goes in "Authorization: Bearer TOKEN".
	CarrierHeader Carrier = "header"
	// CarrierURL: only the URL is configurable, so the token goes in
	// "?token=TOKEN" or as a last path segment (…/registry/SOURCE/TOKEN).
	CarrierURL Carrier = "url"
)

// Source is one registry webhook dialect served at POST /webhooks/registry/{Name}.
type Source struct {
	Name  string
	Parse Parser
	// Auth is how the source authenticates by default. Every source also
	// accepts an HMAC signature when an HMAC secret is configured for it.
	Auth Mode
	// Carrier is where the registry can put the token.
	Carrier Carrier
	// Title names the registry and its delivery mechanism, for docs and logs.
	Title string
}

var sources = []Source{
	{Name: "acr", Parse: ParseACR, Auth: ModeToken, Carrier: CarrierHeader, Title: "Azure Container Registry webhook"},
	{Name: "cloudevents", Parse: ParseCloudEvents, Auth: ModeToken, Carrier: CarrierHeader, Title: "CloudEvents (AWS ECR via EventBridge, Harbor, Event Grid)"},
	{Name: "distribution", Parse: ParseDistribution, Auth: ModeToken, Carrier: CarrierHeader, Title: "CNCF Distribution notifications"},
	{Name: "dockerhub", Parse: ParseDockerHub, Auth: ModeToken, Carrier: CarrierURL, Title: "Docker Hub webhook"},
	{Name: "gar", Parse: ParseGAR, Auth: ModeToken, Carrier: CarrierURL, Title: "Google Artifact Registry via Pub/Sub push"},
	{Name: "generic", Parse: ParseGeneric, Auth: ModeToken, Carrier: CarrierHeader, Title: "Stagehand generic JSON"},
	{Name: "harbor", Parse: ParseHarbor, Auth: ModeToken, Carrier: CarrierHeader, Title: "Harbor webhook (Default or CloudEvents format)"},
	{Name: "quay", Parse: ParseQuay, Auth: ModeToken, Carrier: CarrierURL, Title: "Quay repository push notification"},
}

// Sources returns every registry webhook source, sorted by name.
func Sources() []Source { return slices.Clone(sources) }

// LookupSource returns the source served at /webhooks/registry/{name}.
func LookupSource(name string) (Source, bool) {
	i, found := slices.BinarySearchFunc(sources, name, func(s Source, n string) int { return strings.Compare(s.Name, n) })
	if !found {
		return Source{}, false
	}
	return sources[i], true
}

// SourceNames returns the names of every source, sorted.
func SourceNames() []string {
	names := make([]string, len(sources))
	for i, s := range sources {
		names[i] = s.Name
	}
	return names
}
