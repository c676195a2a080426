// Package register registers Stagehand as a GitHub App from a manifest, as
// GitHub's App-manifest flow works: a page posts the manifest to GitHub,
// GitHub sends the browser back with a one-time code, and the code is traded
// for the App's ID, private key and webhook secret, which are written to
// files that `stagehand serve` and the Helm chart's Secret read.
package register

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/stagehand-gitops/stagehand/internal/redact"
)

// Permission is one permission the App asks for, with the reason the
// README's permission table gives.
type Permission struct {
	// Key is GitHub's name in default_permissions, such as "pull_requests".
	Key string
	// Title is the name GitHub's settings page shows, such as "Pull requests".
	Title string
	// Access is "read" or "write".
	Access string
	// Why says what Stagehand does with it.
	Why string
}

// Permissions are the least the App needs: no administration, workflows or
// secrets; read where Stagehand only reads.
var Permissions = []Permission{
	{"contents", "Contents", "write", "read the policy and overlays; commit the tag bump to a `stagehand/<env>/<app>` branch"},
	{"pull_requests", "Pull requests", "write", "open, update, merge and close promotion pull requests"},
	{"issues", "Issues", "write", "reply to commands, add reactions and labels, keep the holds issue"},
	{"checks", "Checks", "write", "post the `stagehand/<env>` check runs branch protection relies on"},
	{"statuses", "Commit statuses", "read", "read health reported by Argo CD or Flux notifications"},
	{"deployments", "Deployments", "read", "read deployment statuses for the `requireHealthy` gate"},
	{"packages", "Packages", "read", "receive `registry_package` events when an image is pushed to GitHub Packages"},
	{"members", "Members (organization)", "read", "resolve `@org/team` promoters"},
	{"metadata", "Metadata", "read", "required by GitHub for every App"},
}

// Event is one webhook event the App subscribes to, with the permission
// GitHub requires for it.
type Event struct {
	Name       string
	Permission string
}

// Events are the events the App subscribes to. GitHub sends installation
// and installation_repositories to every App unasked, and package only to
// repository webhooks, so those are handled but not subscribed.
var Events = []Event{
	{"push", "contents"},
	{"pull_request", "pull_requests"},
	{"issue_comment", "issues"},
	{"check_suite", "checks"},
	{"check_run", "checks"},
	{"status", "statuses"},
	{"deployment_status", "deployments"},
	{"registry_package", "packages"},
}

// Unsubscribed are the handled events the manifest does not list, and why.
var Unsubscribed = map[string]string{
	"installation":              "sent to every GitHub App",
	"installation_repositories": "sent to every GitHub App",
	"package":                   "sent to repository webhooks only; Apps receive registry_package",
}

// Manifest is a GitHub App manifest, in GitHub's field names.
type Manifest struct {
	Name               string            `json:"name"`
	URL                string            `json:"url"`
	Description        string            `json:"description"`
	HookAttributes     HookAttributes    `json:"hook_attributes"`
	RedirectURL        string            `json:"redirect_url,omitempty"`
	Public             bool              `json:"public"`
	DefaultEvents      []string          `json:"default_events"`
	DefaultPermissions map[string]string `json:"default_permissions"`
}

// HookAttributes is the App's webhook.
type HookAttributes struct {
	URL    string `json:"url"`
	Active bool   `json:"active"`
}

// NewManifest describes a private App named name, served at base (the
// public root URL; GitHub sends webhooks to base/webhooks/github).
func NewManifest(name, base string) (Manifest, error) {
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return Manifest{}, fmt.Errorf("--url %q: want the http(s) URL Stagehand is reached at, such as https://stagehand.example.com", redact.URL(base))
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return Manifest{}, fmt.Errorf("--url %q: a root URL without query or fragment", redact.URL(base))
	}
	root := strings.TrimSuffix(u.String(), "/")
	m := Manifest{
		Name:               name,
		URL:                root,
		Description:        "Promotes container images through GitOps environments: pull requests per environment, gated by .stagehand.yaml.",
		HookAttributes:     HookAttributes{URL: root + "/webhooks/github", Active: true},
		DefaultPermissions: map[string]string{},
	}
	for _, e := range Events {
		m.DefaultEvents = append(m.DefaultEvents, e.Name)
	}
	for _, p := range Permissions {
		m.DefaultPermissions[p.Key] = p.Access
	}
	return m, nil
}

// WebURL is GitHub's browser root for a REST API root: https://github.com
// for https://api.github.com/, https://HOST for GitHub Enterprise Server's
// https://HOST/api/v3/, and SUBDOMAIN.ghe.com for api.SUBDOMAIN.ghe.com.
func WebURL(api *url.URL) string {
	host, ok := strings.CutPrefix(api.Host, "api.")
	if ok {
		return api.Scheme + "://" + host
	}
	path := strings.TrimSuffix(strings.TrimSuffix(api.Path, "/"), "/api/v3")
	return api.Scheme + "://" + api.Host + path
}
