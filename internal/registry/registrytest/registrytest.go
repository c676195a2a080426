// Package registrytest runs a real CNCF Distribution registry inside a
// test's process, on a loopback listener with in-memory storage, so that
// tests talk to the registry code users run rather than to a mock.
package registrytest

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/distribution/distribution/v3/configuration"
	"github.com/distribution/distribution/v3/registry/handlers"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/sirupsen/logrus"
	"golang.org/x/crypto/bcrypt"

	// Basic auth from an htpasswd file, and blobs kept in memory.
	_ "github.com/distribution/distribution/v3/registry/auth/htpasswd"
	_ "github.com/distribution/distribution/v3/registry/storage/driver/inmemory"
)

// Options configures a registry.
type Options struct {
	// User and Password, when set, are the only credentials the registry
	// accepts (htpasswd basic auth); without them anyone may push and pull.
	User, Password string
	// NotifyURL, when set, receives the registry's notifications, with
	// "Authorization: Bearer NotifyToken".
	NotifyURL, NotifyToken string
	// Seen, when set, is told of every request before the registry
	// handles it, for tests that count registry calls.
	Seen func(*http.Request)
	// Front, when set, wraps the registry's handler, for tests where
	// something answers in the registry's place (a rate limit).
	Front func(http.Handler) http.Handler
}

// Start runs a registry until the test ends and returns its host:port.
// Images on it are named host:port/repository; go-containerregistry speaks
// plain HTTP to loopback addresses.
func Start(t testing.TB, o Options) string {
	t.Helper()
	// The registry logs every request through logrus' standard logger.
	logrus.SetOutput(io.Discard)
	cfg := &configuration.Configuration{
		Storage: configuration.Storage{
			"inmemory":    configuration.Parameters{},
			"delete":      configuration.Parameters{"enabled": true},
			"maintenance": configuration.Parameters{"uploadpurging": map[any]any{"enabled": false}},
		},
	}
	if o.NotifyURL != "" {
		cfg.Notifications = configuration.Notifications{Endpoints: []configuration.Endpoint{{
			Name: "stagehand", URL: o.NotifyURL, Headers: http.Header{"Authorization": {"Bearer " + o.NotifyToken}},
			Timeout: 5 * time.Second, Threshold: 5, Backoff: 50 * time.Millisecond,
		}}}
	}
	cfg.HTTP.Secret = "stagehand-test-upload-secret"
	if o.User != "" {
		cfg.Auth = configuration.Auth{"htpasswd": configuration.Parameters{"realm": "stagehand-test", "path": htpasswd(t, o.User, o.Password)}}
	}
	app := handlers.NewApp(context.Background(), cfg)
	var h http.Handler = app
	if o.Seen != nil {
		h = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			o.Seen(r)
			app.ServeHTTP(w, r)
		})
	}
	if o.Front != nil {
		h = o.Front(h)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(func() {
		srv.Close()
		_ = app.Shutdown()
	})
	return strings.TrimPrefix(srv.URL, "http://")
}

// htpasswd writes the file the registry checks basic credentials against.
func htpasswd(t testing.TB, user, password string) string {
	t.Helper()
	hash, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "htpasswd")
	if err := os.WriteFile(path, []byte(user+":"+string(hash)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// Push writes img to ref ("host:port/repository:tag"), as a CI job would,
// and returns its digest.
func Push(t testing.TB, ref string, img v1.Image, opts ...remote.Option) v1.Hash {
	t.Helper()
	tag, err := name.NewTag(ref)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(tag, img, opts...); err != nil {
		t.Fatalf("push %s: %v", ref, err)
	}
	d, err := img.Digest()
	if err != nil {
		t.Fatal(err)
	}
	return d
}
