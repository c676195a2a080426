package registry

import (
	"bytes"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestReceive(t *testing.T) {
	creds, err := NewCredentials([]string{"harbor=h-token", "dockerhub=d-token", "distribution=r-token"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, source, file, target, auth string
		wantStatus, wantEvents           int
	}{
		{name: "harbor push", source: "harbor", file: "harbor/push-default.json", auth: "Bearer h-token", wantStatus: 202, wantEvents: 1},
		{name: "docker hub push, token in the URL", source: "dockerhub", file: "dockerhub/push.json", target: "/webhooks/registry/dockerhub?token=d-token", wantStatus: 202, wantEvents: 1},
		{name: "ignored pull", source: "distribution", file: "distribution/pull.json", auth: "Bearer r-token", wantStatus: 202},
		{name: "malformed payload", source: "harbor", file: "generic/push.json", auth: "Bearer h-token", wantStatus: 400},
		{name: "wrong token", source: "harbor", file: "harbor/push-default.json", auth: "Bearer d-token", wantStatus: 401},
		{name: "source without a token", source: "quay", file: "quay/push.json", auth: "Bearer h-token", wantStatus: 401},
		{name: "unknown source", source: "nexus", file: "generic/push.json", auth: "Bearer h-token", wantStatus: 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			header, body := loadCase(t, tt.file)
			target := tt.target
			if target == "" {
				target = "/webhooks/registry/" + tt.source
			}
			r := httptest.NewRequest(http.MethodPost, target, bytes.NewReader(body))
			r.Header = header
			if tt.auth != "" {
				r.Header.Set("Authorization", tt.auth)
			}
			events, err := creds.Receive(tt.source, r, body)
			if got := StatusCode(err); got != tt.wantStatus {
				t.Fatalf("StatusCode = %d (%v), want %d", got, err, tt.wantStatus)
			}
			if len(events) != tt.wantEvents {
				t.Errorf("got %d events, want %d", len(events), tt.wantEvents)
			}
		})
	}
	if got := StatusCode(errors.New("disk full")); got != http.StatusInternalServerError {
		t.Errorf("StatusCode(other) = %d", got)
	}
}
