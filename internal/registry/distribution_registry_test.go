package registry

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/stagehand-gitops/stagehand/internal/registry/registrytest"
)

func TestMain(m *testing.M) {
	// The registry logs every request through logrus' standard logger.
	logrus.SetOutput(io.Discard)
	os.Exit(m.Run())
}

// rawEvent is what the receiver keeps of each notification, to tell the
// ignored ones apart.
type rawEvent struct {
	Action string `json:"action"`
	Target struct {
		MediaType string `json:"mediaType"`
		Tag       string `json:"tag"`
		Digest    string `json:"digest"`
	} `json:"target"`
}

// receiver stands in for Stagehand's /webhooks/registry/distribution: it
// authenticates each notification and parses it as the server does.
type receiver struct {
	creds  *Credentials
	mu     sync.Mutex
	raw    []rawEvent
	images []ImagePushed
	errs   []error
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rc.mu.Lock()
	creds := rc.creds
	rc.mu.Unlock()
	var images []ImagePushed
	body, err := io.ReadAll(r.Body)
	if err == nil {
		images, err = creds.Receive("distribution", r, body)
	}
	var envelope struct{ Events []rawEvent }
	_ = json.Unmarshal(body, &envelope)
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.raw = append(rc.raw, envelope.Events...)
	rc.images = append(rc.images, images...)
	if err != nil {
		rc.errs = append(rc.errs, err)
	}
	w.WriteHeader(StatusCode(err))
}

// waitFor polls until cond holds on what was received; notifications leave
// the registry asynchronously.
func (rc *receiver) waitFor(t *testing.T, what string, cond func(raw []rawEvent) bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		rc.mu.Lock()
		ok := cond(rc.raw)
		rc.mu.Unlock()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no notification: %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (rc *receiver) setCredentials(c *Credentials) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.creds = c
}

func (rc *receiver) snapshot() ([]rawEvent, []ImagePushed, []error) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]rawEvent(nil), rc.raw...), append([]ImagePushed(nil), rc.images...), append([]error(nil), rc.errs...)
}

func hasEvent(action, tag string) func([]rawEvent) bool {
	return func(raw []rawEvent) bool {
		for _, e := range raw {
			if e.Action == action && e.Target.Tag == tag {
				return true
			}
		}
		return false
	}
}

// testRegistry is a CNCF Distribution registry running in this process on
// a loopback listener, with in-memory storage.
type testRegistry struct {
	Host     string
	receiver *receiver
}

type registryOptions struct {
	user, password string // htpasswd credentials; none means anonymous access
}

const notifyToken = "distribution-notify-token"

func startRegistry(t *testing.T, opts registryOptions) *testRegistry {
	t.Helper()
	creds, err := NewCredentials([]string{"distribution=" + notifyToken}, nil)
	if err != nil {
		t.Fatal(err)
	}
	rc := &receiver{creds: creds}
	hook := httptest.NewServer(rc)
	t.Cleanup(hook.Close)

	host := registrytest.Start(t, registrytest.Options{User: opts.user, Password: opts.password,
		NotifyURL: hook.URL + "/webhooks/registry/distribution", NotifyToken: notifyToken})
	return &testRegistry{Host: host, receiver: rc}
}

// writeDockerConfig writes a Docker config.json with basic credentials for host.
func writeDockerConfig(t *testing.T, host, user, password string) string {
	t.Helper()
	auth := base64.StdEncoding.EncodeToString([]byte(user + ":" + password))
	cfg := fmt.Sprintf(`{"auths": {%q: {"auth": %q}, "other.example": {"auth": %q}}}`, host, auth,
		base64.StdEncoding.EncodeToString([]byte("x:y")))
	path := filepath.Join(t.TempDir(), "config.json")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func writeBytes(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "config.json")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}
