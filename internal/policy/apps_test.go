package policy

import (
	"reflect"
	"testing"
)

func TestNormalizeImage(t *testing.T) {
	tests := []struct{ in, want string }{
		{"nginx", "docker.io/library/nginx"},
		{"nginx:1.27", "docker.io/library/nginx"},
		{"library/nginx", "docker.io/library/nginx"},
		{"docker.io/nginx", "docker.io/library/nginx"},
		{"index.docker.io/library/nginx:1.27@sha256:abc", "docker.io/library/nginx"},
		{"registry-1.docker.io/bitnami/redis", "docker.io/bitnami/redis"},
		{"bitnami/redis", "docker.io/bitnami/redis"},
		{"ghcr.io/Acme/Order-Service", "ghcr.io/acme/order-service"},
		{"localhost:5000/app:v1", "localhost:5000/app"},
		{"localhost/app", "localhost/app"},
		{"registry.company.com/order-service", "registry.company.com/order-service"},
		{"registry.company.com:8443/team/app@sha256:0123", "registry.company.com:8443/team/app"},
		// A one-segment name on another registry gets no library/ prefix.
		{"quay.io/app", "quay.io/app"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := NormalizeImage(tt.in); got != tt.want {
				t.Errorf("NormalizeImage(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestAppsForImage(t *testing.T) {
	p := mustParse(t, head+`apps:
  web:
    images: [nginx, ghcr.io/acme/web]
  api:
    image: ghcr.io/acme/api
`)
	tests := []struct {
		image string
		want  []ImageRef
	}{
		{"docker.io/library/nginx:1.27", []ImageRef{{"web", "nginx"}}},
		{"ghcr.io/ACME/api", []ImageRef{{"api", "ghcr.io/acme/api"}}},
		{"ghcr.io/acme/web@sha256:0123", []ImageRef{{"web", "ghcr.io/acme/web"}}},
		{"ghcr.io/acme/other", nil},
	}
	for _, tt := range tests {
		t.Run(tt.image, func(t *testing.T) {
			if got := p.AppsForImage(tt.image); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("AppsForImage = %v, want %v", got, tt.want)
			}
		})
	}
}
