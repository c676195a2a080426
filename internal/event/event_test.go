package event

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/google/go-github/v62/github"
)

// examples is where GitHub's own example payloads are kept (see the
// Makefile's webhooks target).
const examples = "../../testdata/webhooks"

// wantType is the go-github type each handled event decodes into.
var wantType = map[string]any{
	Push:                     &PushEvent{},
	PullRequest:              &github.PullRequestEvent{},
	IssueComment:             &github.IssueCommentEvent{},
	CheckSuite:               &github.CheckSuiteEvent{},
	CheckRun:                 &github.CheckRunEvent{},
	Installation:             &github.InstallationEvent{},
	InstallationRepositories: &github.InstallationRepositoriesEvent{},
	Package:                  &PackageEvent{},
	RegistryPackage:          &RegistryPackageEvent{},
	DeploymentStatus:         &github.DeploymentStatusEvent{},
	Status:                   &github.StatusEvent{},
}

// undecodable lists GitHub examples that go-github v62 cannot decode, with
// the text of the error. GitHub's 2018 check_run rerequested example writes
// check_suite.app timestamps as "2018-04-25 20:42:10", which is not the
// RFC 3339 form GitHub sends today and go-github's Timestamp parses. Such a
// delivery is answered 400, and the test fails when go-github accepts it.
var undecodable = map[string]string{
	"check_run.rerequested.json": `parsing time "\"2018-04-25 20:42:10\""`,
}

// envelope reads the fields Decode lifts out of a payload, independently of
// go-github, to check them against.
type envelope struct {
	Action     string `json:"action"`
	Repository *struct {
		FullName string `json:"full_name"`
	} `json:"repository"`
	Installation *struct {
		ID int64 `json:"id"`
	} `json:"installation"`
}

func TestDecodeGitHubExamples(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(examples, "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no example payloads in %s: %v", examples, err)
	}
	for _, file := range files {
		base := filepath.Base(file)
		name := strings.SplitN(base, ".", 2)[0]
		if !Handled(name) {
			continue
		}
		t.Run(base, func(t *testing.T) {
			body, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			d, err := Decode("delivery-1", name, body)
			if reason, ok := undecodable[base]; ok {
				if err == nil || !strings.Contains(err.Error(), reason) {
					t.Fatalf("Decode error = %v, want one containing %q", err, reason)
				}
				return
			}
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			assertDelivery(t, d, name, body)
		})
	}
	for _, name := range HandledEvents() {
		if name == RegistryPackage {
			continue // GitHub publishes no example; see TestDecodeRegistryPackage
		}
		if m, _ := filepath.Glob(filepath.Join(examples, name+".*json")); len(m) == 0 {
			t.Errorf("no example payload for handled event %s", name)
		}
	}
}

func assertDelivery(t *testing.T, d Delivery, name string, body []byte) {
	t.Helper()
	var env envelope
	if err := json.Unmarshal(body, &env); err != nil {
		t.Fatal(err)
	}
	if got, want := reflect.TypeOf(d.Payload), reflect.TypeOf(wantType[name]); got != want {
		t.Errorf("payload type = %v, want %v", got, want)
	}
	if d.ID != "delivery-1" || d.Event != name {
		t.Errorf("ID, Event = %q, %q; want delivery-1, %s", d.ID, d.Event, name)
	}
	if d.Action != env.Action {
		t.Errorf("Action = %q, want %q", d.Action, env.Action)
	}
	wantRepo := ""
	if env.Repository != nil {
		wantRepo = env.Repository.FullName
	}
	if d.Repo != wantRepo {
		t.Errorf("Repo = %q, want %q", d.Repo, wantRepo)
	}
	var wantInst int64
	if env.Installation != nil {
		wantInst = env.Installation.ID
	}
	if d.InstallationID != wantInst {
		t.Errorf("InstallationID = %d, want %d", d.InstallationID, wantInst)
	}
	if got := Route(name, body); got != d.Key() {
		t.Errorf("Route = %q, want Decode's key %q", got, d.Key())
	}
}

// TestDecodeRegistryPackage decodes a registry_package delivery. GitHub's
// examples have none, and the event carries the same package object as the
// package event under the key registry_package, so the test moves GitHub's
// container package example under that key.
func TestDecodeRegistryPackage(t *testing.T) {
	body, err := os.ReadFile(filepath.Join(examples, "package.published.2.json"))
	if err != nil {
		t.Fatal(err)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(body, &raw); err != nil {
		t.Fatal(err)
	}
	raw["registry_package"] = raw["package"]
	delete(raw, "package")
	body, err = json.Marshal(raw)
	if err != nil {
		t.Fatal(err)
	}
	d, err := Decode("delivery-1", RegistryPackage, body)
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	assertDelivery(t, d, RegistryPackage, body)
	e := d.Payload.(*RegistryPackageEvent)
	pv := e.RegistryPackage.GetPackageVersion()
	checks := []struct{ field, got, want string }{
		{"name", e.RegistryPackage.GetName(), "hello-world-npm"},
		{"package_version.name", pv.GetName(), "sha256:3da1996a8115d7616457760d9920b815241d0a03b34cf5f04e9a0e9d8de37498"},
		{"package_version.package_url", pv.GetPackageURL(), "ghcr.io/Codertocat/hello-world:"},
		{"container_metadata.tag.name", e.RegistryPackage.Tag(), ""}, // an untagged manifest
		{"container_metadata.tag.digest", pv.GetContainerMetadata().GetTag().GetDigest(), "sha256:6c62fb45fe66bfb1ea9a66abc38f6a0cc974292b"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.field, c.got, c.want)
		}
	}
}

func TestDecodeRejects(t *testing.T) {
	tests := []struct {
		name, event, body string
		unhandled         bool
	}{
		{name: "unknown event", event: "star", body: `{}`, unhandled: true},
		{name: "ping is not queued", event: Ping, body: `{"zen":"x"}`, unhandled: true},
		{name: "not JSON", event: Push, body: `not json`},
		{name: "wrong shape", event: PullRequest, body: `{"number":"seven"}`},
		{name: "registry_package not JSON", event: RegistryPackage, body: `{`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Decode("d", tt.event, []byte(tt.body))
			if err == nil {
				t.Fatal("Decode succeeded, want an error")
			}
			if got := errors.Is(err, ErrUnhandled); got != tt.unhandled {
				t.Errorf("errors.Is(err, ErrUnhandled) = %v, want %v (err: %v)", got, tt.unhandled, err)
			}
		})
	}
}

func TestDeliveryKey(t *testing.T) {
	tests := []struct {
		d    Delivery
		want string
	}{
		{Delivery{Repo: "acme/config", InstallationID: 7}, "acme/config"},
		{Delivery{InstallationID: 7}, "installation/7"},
		{Delivery{}, "installation/0"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			if got := tt.d.Key(); got != tt.want {
				t.Errorf("Key() = %q, want %q", got, tt.want)
			}
		})
	}
}

// addExamples seeds f with every example payload, under its event name.
func addExamples(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join(examples, "*.json"))
	for _, file := range files {
		body, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(strings.SplitN(filepath.Base(file), ".", 2)[0], body)
	}
}

func FuzzDecode(f *testing.F) {
	addExamples(f)
	f.Add(RegistryPackage, []byte(`{"registry_package":{"package_version":{"container_metadata":{"tag":{"name":"v1"}}}}}`))
	f.Fuzz(func(t *testing.T, name string, body []byte) {
		d, err := Decode("d", name, body)
		if err != nil {
			return
		}
		if !Handled(name) || d.Payload == nil || d.Event != name {
			t.Fatalf("Decode(%q) = %+v without error", name, d)
		}
		_ = d.Key()
	})
}
