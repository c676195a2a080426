package registry

import (
	"strings"
	"testing"
	"time"
)

func TestFromGitHubPackage(t *testing.T) {
	const digest = "sha256:3da1996a8115d7616457760d9920b815241d0a03b34cf5f04e9a0e9d8de37498"
	base := GitHubPackage{Action: "published", PackageType: "CONTAINER", Owner: "Octo-Org", Name: "Order-Service",
		Version: digest, Tag: "v1.2.3", PackageURL: "ghcr.io/Octo-Org/Order-Service:v1.2.3",
		UpdatedAt: time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)}
	tests := []struct {
		name   string
		edit   func(p *GitHubPackage)
		want   string // Ref(), "" for no event
		reason string // PayloadError reason, if any
	}{
		{name: "published container", edit: func(*GitHubPackage) {}, want: "ghcr.io/octo-org/order-service:v1.2.3@" + digest},
		{name: "updated", edit: func(p *GitHubPackage) { p.Action = "updated" }, want: "ghcr.io/octo-org/order-service:v1.2.3@" + digest},
		{name: "REST spelling of the package type", edit: func(p *GitHubPackage) { p.PackageType = "container" }, want: "ghcr.io/octo-org/order-service:v1.2.3@" + digest},
		{name: "trailing colon of an untagged package_url", edit: func(p *GitHubPackage) { p.PackageURL = "ghcr.io/Octo-Org/Order-Service:" }, want: "ghcr.io/octo-org/order-service:v1.2.3@" + digest},
		{name: "no package_url: owner and name, lower-cased", edit: func(p *GitHubPackage) { p.PackageURL = "" }, want: "ghcr.io/octo-org/order-service:v1.2.3@" + digest},
		{name: "version that is not a digest falls back to the tag digest", edit: func(p *GitHubPackage) { p.Version, p.TagDigest = "1.0.0", digest }, want: "ghcr.io/octo-org/order-service:v1.2.3@" + digest},
		{name: "no digest at all", edit: func(p *GitHubPackage) { p.Version = "1.0.0" }, want: "ghcr.io/octo-org/order-service:v1.2.3"},
		{name: "untagged child manifest", edit: func(p *GitHubPackage) { p.Tag = "" }},
		{name: "npm package", edit: func(p *GitHubPackage) { p.PackageType = "npm" }},
		{name: "legacy docker.pkg.github.com package", edit: func(p *GitHubPackage) { p.PackageType = "docker" }},
		{name: "other action", edit: func(p *GitHubPackage) { p.Action = "deleted" }},
		{name: "no way to name the image", edit: func(p *GitHubPackage) { p.PackageURL, p.Owner = "", "" }, reason: "owner and name"},
		{name: "package_url without host", edit: func(p *GitHubPackage) { p.PackageURL = "order-service:v1" }, reason: "does not name host/repository"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := base
			tt.edit(&p)
			events, err := FromGitHubPackage(p)
			if tt.reason != "" {
				pe, ok := err.(*PayloadError)
				if !ok || pe.Source != "github" || !strings.Contains(pe.Reason, tt.reason) {
					t.Fatalf("err = %v, want a github PayloadError about %q", err, tt.reason)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tt.want == "" {
				if len(events) != 0 {
					t.Fatalf("got %+v, want no event", events)
				}
				return
			}
			if len(events) != 1 || events[0].Ref() != tt.want || !events[0].PushedAt.Equal(base.UpdatedAt) || events[0].Source != "github" {
				t.Fatalf("got %+v, want one event %s", events, tt.want)
			}
		})
	}
}

func TestNormalizeImage(t *testing.T) {
	tests := []struct{ in, want string }{
		{"nginx", "docker.io/library/nginx"},
		{"docker.io/library/nginx", "docker.io/library/nginx"},
		{"index.docker.io/acme/app", "docker.io/acme/app"},
		{"ghcr.io/acme/app", "ghcr.io/acme/app"},
		{"127.0.0.1:5000/team/app", "127.0.0.1:5000/team/app"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := NormalizeImage(tt.in)
			if err != nil || got != tt.want {
				t.Fatalf("NormalizeImage(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
		})
	}
	if _, err := NormalizeImage("Upper/Case"); err == nil {
		t.Error("NormalizeImage accepted an invalid name")
	}
	ev := ImagePushed{Host: "docker.io", Repository: "svendowideit/testhook", Tag: "latest"}
	if got, _ := NormalizeImage(ev.Image()); got != ev.Image() {
		t.Errorf("a Docker Hub event's image %q normalizes to %q", ev.Image(), got)
	}
}
