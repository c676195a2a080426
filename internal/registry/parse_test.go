package registry

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stagehand-gitops/stagehand/internal/golden"
)

// parserFor returns the parser of a testdata directory; "github" payloads
// arrive through /webhooks/github and have no Source entry.
func parserFor(t testing.TB, dir string) Parser {
	t.Helper()
	if dir == "github" {
		return func(_ http.Header, body []byte) ([]ImagePushed, error) { return ParseGitHubPackage(body) }
	}
	s, ok := LookupSource(dir)
	if !ok {
		t.Fatalf("no source %q", dir)
	}
	return s.Parse
}

// loadCase reads testdata/<file> and its optional .headers sidecar ("Key: Value" lines).
func loadCase(t testing.TB, file string) (http.Header, []byte) {
	t.Helper()
	body, err := os.ReadFile(filepath.Join("testdata", file))
	if err != nil {
		t.Fatal(err)
	}
	header := http.Header{}
	raw, err := os.ReadFile(filepath.Join("testdata", strings.TrimSuffix(file, ".json")+".headers"))
	if err == nil {
		sc := bufio.NewScanner(bytes.NewReader(raw))
		for sc.Scan() {
			if k, v, ok := strings.Cut(sc.Text(), ":"); ok {
				header.Add(strings.TrimSpace(k), strings.TrimSpace(v))
			}
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	return header, body
}

func parseCase(t testing.TB, file string) ([]ImagePushed, error) {
	t.Helper()
	header, body := loadCase(t, file)
	return parserFor(t, filepath.Dir(file))(header, body)
}

func TestParsersGolden(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "*", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 35 {
		t.Fatalf("found only %d payloads", len(files))
	}
	for _, path := range files {
		file, _ := filepath.Rel("testdata", path)
		t.Run(file, func(t *testing.T) {
			events, err := parseCase(t, file)
			result := map[string]any{"events": events}
			if events == nil {
				result["events"] = []ImagePushed{}
			}
			if err != nil {
				result = map[string]any{"error": err.Error()}
			}
			got, _ := json.MarshalIndent(result, "", "  ")
			got = append(got, '\n')
			golden.Check(t, strings.TrimSuffix(path, ".json")+".golden", got)
		})
	}
}

func TestParsers(t *testing.T) {
	const ecrDigest = "sha256:7f5b2640fe6fb4f46592dfd3410c4a79dac4f89e4782432e0378abcd1234"
	tests := []struct {
		file        string
		want        int    // number of events
		ref         string // Ref() of the first event
		errContains string
	}{
		{file: "dockerhub/push.json", want: 1, ref: "docker.io/svendowideit/testhook:latest"},
		{file: "dockerhub/automated-build-no-tag.json"},
		{file: "quay/push.json", want: 1, ref: "quay.io/dgangaia/test:latest"},
		{file: "quay/push-legacy-map.json", want: 1, ref: "quay.io/devtable/ubuntu:latest"},
		{file: "quay/build-queued.json"},
		{file: "harbor/push-default.json", want: 1, ref: "hub.harbor.com/test-webhook/debian:latest@sha256:8a9e9863dbb6e10edb5adfe917c00da84e1700fa76e7ed02476aa6e6fb8ee0d8"},
		{file: "harbor/push-cloudevents.json", want: 1, ref: "localhost/harbor/alpine:3.18@sha256:954b378c375d852eb3c63ab88978f640b4348b01c1b3456a024a81536dafbbf4"},
		{file: "harbor/push-cloudevents-digest-only.json"},
		{file: "harbor/pull-default.json"},
		{file: "harbor/pull-cloudevents.json"},
		{file: "harbor/delete-default.json"},
		{file: "distribution/push-tag.json", want: 1, ref: "example.com/library/test:1.0@sha256:fea8895f450959fa676bcc1df0611ea93823a735a01205fd8622846041d0c7cf"},
		{file: "distribution/envelope-digest-and-blobs.json"},
		{file: "distribution/pull.json"},
		{file: "distribution/delete.json"},
		{file: "acr/push.json", want: 1, ref: "myregistry.azurecr.io/hello-world:v1@sha256:0000d5c8786bb9e621a45ece0db00001cdc624ad20da9fe62e9d25490f330000"},
		{file: "acr/chart-push.json"},
		{file: "acr/delete.json"},
		{file: "acr/chart-delete.json"},
		{file: "gar/insert-tag.json", want: 1, ref: "us-east1-docker.pkg.dev/my-project/my-repo/hello-world:1.1@sha256:6ec128e26cd5fd4d2a06bc7c6b8d7c1d3a8b2f2b1d5b5e0c1f3a9d1f0e6b2c4a"},
		{file: "gar/unwrapped-insert-tag.json", want: 1, ref: "us-east1-docker.pkg.dev/my-project/my-repo/hello-world:1.1@sha256:6ec128e26cd5fd4d2a06bc7c6b8d7c1d3a8b2f2b1d5b5e0c1f3a9d1f0e6b2c4a"},
		{file: "gar/insert-digest-only.json"},
		{file: "gar/delete-tag.json"},
		{file: "cloudevents/ecr-push-structured.json", want: 1, ref: "123456789012.dkr.ecr.us-west-2.amazonaws.com/my-repository-name:latest@" + ecrDigest},
		{file: "cloudevents/ecr-push-binary.json", want: 1, ref: "123456789012.dkr.ecr.us-west-2.amazonaws.com/my-repository-name:latest@" + ecrDigest},
		{file: "cloudevents/ecr-eventbridge-push.json", want: 1, ref: "123456789012.dkr.ecr.us-west-2.amazonaws.com/my-repository-name:latest@" + ecrDigest},
		{file: "cloudevents/ecr-push-binary-untagged.json"},
		{file: "cloudevents/ecr-eventbridge-delete.json"},
		{file: "cloudevents/ecr-eventbridge-scan.json"},
		{file: "cloudevents/harbor-pushed.json", want: 1, ref: "localhost/harbor/alpine:3.18@sha256:954b378c375d852eb3c63ab88978f640b4348b01c1b3456a024a81536dafbbf4"},
		{file: "cloudevents/eventgrid-acr-batch.json", want: 1, ref: "demo.azurecr.io/aci-helloworld:v1@sha256:213bbc182920ab41e18edc2001e06abcca6735d87782d9cef68abd83941cf0e5"},
		{file: "cloudevents/spec-example-other-type.json"},
		{file: "generic/push.json", want: 1, ref: "registry.example.com/team/order-service:v1.2.4@" + ecrDigest},
		{file: "generic/missing-tag.json", errContains: "tag is required"},
		{file: "generic/no-host.json", errContains: "must start with the registry host"},
		{file: "github/registry-package-published.json", want: 1, ref: "ghcr.io/codertocat/hello-world:v1.2.3@sha256:3da1996a8115d7616457760d9920b815241d0a03b34cf5f04e9a0e9d8de37498"},
		{file: "github/registry-package-untagged.json"},
		{file: "github/package-published-untagged.json"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			events, err := parseCase(t, tt.file)
			if tt.errContains != "" {
				var pe *PayloadError
				if !errors.As(err, &pe) || !strings.Contains(pe.Reason, tt.errContains) {
					t.Fatalf("got error %v, want a PayloadError containing %q", err, tt.errContains)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(events) != tt.want {
				t.Fatalf("got %d events %+v, want %d", len(events), events, tt.want)
			}
			if tt.want > 0 && events[0].Ref() != tt.ref {
				t.Errorf("Ref() = %q, want %q", events[0].Ref(), tt.ref)
			}
			for _, ev := range events {
				if ev.Source != filepath.Dir(tt.file) {
					t.Errorf("Source = %q, want %q", ev.Source, filepath.Dir(tt.file))
				}
			}
		})
	}
}

func TestParsersRejectMalformed(t *testing.T) {
	bodies := []string{"", "{", "[]", "null", `"push"`, `{"events": 1}`}
	for _, s := range Sources() {
		for _, body := range bodies {
			t.Run(s.Name+"/"+body, func(t *testing.T) {
				events, err := s.Parse(http.Header{}, []byte(body))
				var pe *PayloadError
				if !errors.As(err, &pe) {
					t.Fatalf("got %v, %v; want a PayloadError", events, err)
				}
				if pe.Source != s.Name || pe.Reason == "" {
					t.Errorf("PayloadError = %+v", pe)
				}
			})
		}
	}
}

func TestParsersRejectMissingFields(t *testing.T) {
	tests := []struct {
		source, body, reason string
	}{
		{"dockerhub", `{"push_data": {"tag": "v1"}}`, "repo_name is missing"},
		{"quay", `{"docker_url": "nohost", "updated_tags": ["v1"]}`, "does not name host/repository"},
		{"harbor", `{"event_data": {}}`, "type is missing"},
		{"harbor", `{"type": "PUSH_ARTIFACT"}`, "event data is missing"},
		{"harbor", `{"type": "PUSH_ARTIFACT", "event_data": {"resources": [{"tag": "v1", "resource_url": "debian:v1"}]}}`, "does not name host/repository"},
		{"distribution", `{}`, "events is missing"},
		{"distribution", `{"events": [{"action": "push", "target": {"mediaType": "` + MediaTypeOCIManifest + `", "tag": "v1", "repository": "a"}}]}`, "event 0"},
		{"distribution", `{"events": [{"action": "push", "target": {"mediaType": "` + MediaTypeOCIIndex + `", "tag": "BAD TAG", "repository": "a", "url": "http://r.example/v2/a"}}]}`, "event 0"},
		{"acr", `{"target": {}}`, "action is missing"},
		{"gar", `{"subscription": "s"}`, "neither a Pub/Sub push envelope"},
		{"gar", `{"message": {"data": "bm90IGpzb24="}}`, "not base64 JSON"},
		{"gar", `{"action": "INSERT", "tag": "hello-world:1.1"}`, "not a full reference"},
		{"gar", `{"action": "INSERT", "tag": "h.example/a:1", "digest": "h.example/b@sha256:6ec128e26cd5fd4d2a06bc7c6b8d7c1d3a8b2f2b1d5b5e0c1f3a9d1f0e6b2c4a"}`, "different images"},
		{"cloudevents", `{"id": "1"}`, "neither a CloudEvent"},
		{"cloudevents", `{"specversion": "1.0"}`, "lacks specversion or type"},
		{"cloudevents", `{"specversion": "1.0", "type": "com.amazon.ecr.image.push", "data": {"repositoryName": "r", "imageTag": "v1"}}`, "registry id (account) and region"},
		{"generic", `{"tag": "v1"}`, "image is required"},
	}
	for _, tt := range tests {
		t.Run(tt.source+"/"+tt.body, func(t *testing.T) {
			s, _ := LookupSource(tt.source)
			_, err := s.Parse(http.Header{}, []byte(tt.body))
			var pe *PayloadError
			if !errors.As(err, &pe) || !strings.Contains(pe.Error(), tt.reason) {
				t.Fatalf("got %v, want a PayloadError mentioning %q", err, tt.reason)
			}
		})
	}
}
