package server

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/stagehand-gitops/stagehand/internal/event"
	"github.com/stagehand-gitops/stagehand/internal/registry"
)

// routes is a fixed routing table.
type routes map[string][]Target

func (r routes) Targets(image string) []Target { return r[image] }

func newRegistryServer(t *testing.T, q Enqueuer, withAuth bool) *Server {
	t.Helper()
	cfg := Config{Secrets: [][]byte{newSecret}, Queue: q, Registry: prometheus.NewRegistry(),
		Handler: handlerFunc(func(context.Context, event.Delivery) error { return nil })}
	if withAuth {
		creds, err := registry.NewCredentials([]string{"generic=tok1", "dockerhub=tok2"}, nil)
		if err != nil {
			t.Fatal(err)
		}
		cfg.RegistryAuth = creds
		cfg.Routes = routes{
			"registry.example.com/team/web":   {{Repo: "acme/config", InstallationID: 7}, {Repo: "acme/other", InstallationID: 8}},
			"docker.io/svendowideit/testhook": {{Repo: "acme/config", InstallationID: 7}},
		}
	}
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestRegistryWebhook(t *testing.T) {
	const generic = `{"image": "registry.example.com/team/web", "tag": "v1.2.3", "digest": "sha256:7f5b2640fe6fb4f46592dfd3410c4a79dac4f89e4782432e0378abcd1234"}`
	tests := []struct {
		name   string
		noAuth bool
		path   string
		auth   string
		body   string
		code   int
		answer string
		repos  []string
	}{
		{name: "tracked image, one delivery per config repository", path: "/webhooks/registry/generic", auth: "Bearer tok1", body: generic,
			code: http.StatusAccepted, answer: "accepted", repos: []string{"acme/config", "acme/other"}},
		{name: "token in the query", path: "/webhooks/registry/generic?token=tok1", body: generic,
			code: http.StatusAccepted, answer: "accepted", repos: []string{"acme/config", "acme/other"}},
		{name: "token as the last path segment", path: "/webhooks/registry/generic/tok1", body: generic,
			code: http.StatusAccepted, answer: "accepted", repos: []string{"acme/config", "acme/other"}},
		{name: "unknown source", path: "/webhooks/registry/nexus", auth: "Bearer tok1", body: generic, code: http.StatusNotFound, answer: "unknown registry source"},
		{name: "no registry intake configured", noAuth: true, path: "/webhooks/registry/generic", auth: "Bearer tok1", body: generic, code: http.StatusNotFound, answer: "unknown registry source"},
		{name: "no token", path: "/webhooks/registry/generic", body: generic, code: http.StatusUnauthorized, answer: "unauthenticated"},
		{name: "another source's token", path: "/webhooks/registry/generic", auth: "Bearer tok2", body: generic, code: http.StatusUnauthorized, answer: "unauthenticated"},
		{name: "source without secrets", path: "/webhooks/registry/quay?token=tok1", body: `{}`, code: http.StatusUnauthorized, answer: "unauthenticated"},
		{name: "malformed payload", path: "/webhooks/registry/generic", auth: "Bearer tok1", body: `{"image": "registry.example.com/team/web"}`, code: http.StatusBadRequest, answer: "tag"},
		{name: "not JSON", path: "/webhooks/registry/generic", auth: "Bearer tok1", body: `<xml/>`, code: http.StatusBadRequest},
		{name: "untracked image", path: "/webhooks/registry/generic", auth: "Bearer tok1", body: `{"image": "registry.example.com/team/nobody", "tag": "v1"}`,
			code: http.StatusAccepted, answer: "untracked"},
		{name: "a push that is no new tag", path: "/webhooks/registry/dockerhub?token=tok2", body: `{"push_data": {"tag": ""}, "repository": {"repo_name": "svendowideit/testhook"}}`,
			code: http.StatusAccepted, answer: "ignored"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := &recorder{}
			s := newRegistryServer(t, q, !tt.noAuth)
			req := httptest.NewRequest(http.MethodPost, tt.path, strings.NewReader(tt.body))
			req.Header.Set("Content-Type", "application/json")
			if tt.auth != "" {
				req.Header.Set("Authorization", tt.auth)
			}
			rec := httptest.NewRecorder()
			s.ServeHTTP(rec, req)
			if rec.Code != tt.code || !strings.Contains(rec.Body.String(), tt.answer) {
				t.Fatalf("answer %d %s, want %d containing %q", rec.Code, rec.Body, tt.code, tt.answer)
			}
			jobs := q.queued()
			if len(jobs) != len(tt.repos) {
				t.Fatalf("%d jobs queued, want %d", len(jobs), len(tt.repos))
			}
			for i, j := range jobs {
				if j.Key != tt.repos[i] || j.Event != event.ImagePushed || !strings.HasPrefix(j.ID, "registry:generic:") {
					t.Errorf("job %d: key %q event %q id %q", i, j.Key, j.Event, j.ID)
				}
			}
		})
	}
}

// TestRegistryWebhookRetry: a registry sending the same notification again
// queues nothing more.
func TestRegistryWebhookRetry(t *testing.T) {
	q := &recorder{}
	s := newRegistryServer(t, q, true)
	body := `{"image": "registry.example.com/team/web", "tag": "v1.2.3"}`
	codes := []int{}
	for range 2 {
		req := httptest.NewRequest(http.MethodPost, "/webhooks/registry/generic?token=tok1", strings.NewReader(body))
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		codes = append(codes, rec.Code)
	}
	if codes[0] != http.StatusAccepted || codes[1] != http.StatusOK || len(q.queued()) != 2 {
		t.Fatalf("codes %v, %d jobs", codes, len(q.queued()))
	}
}
