package bot

import (
	"bufio"
	"bytes"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stagehand-gitops/stagehand/internal/registry"
)

// sourcePayloads is one real payload per registry source, from the
// registry package's test data (each vendor's documented shape).
var sourcePayloads = map[string]string{
	"acr":          "acr/push.json",
	"cloudevents":  "cloudevents/ecr-push-structured.json",
	"distribution": "distribution/push-tag.json",
	"dockerhub":    "dockerhub/push.json",
	"gar":          "gar/insert-tag.json",
	"generic":      "generic/push.json",
	"harbor":       "harbor/push-default.json",
	"quay":         "quay/push.json",
}

// loadPayload reads a payload and its optional .headers sidecar.
func loadPayload(t *testing.T, file string) ([]byte, http.Header) {
	t.Helper()
	dir := filepath.Join("..", "registry", "testdata")
	body, err := os.ReadFile(filepath.Join(dir, file))
	if err != nil {
		t.Fatal(err)
	}
	h := http.Header{"Content-Type": {"application/json"}}
	raw, err := os.ReadFile(filepath.Join(dir, strings.TrimSuffix(file, ".json")+".headers"))
	if err == nil {
		sc := bufio.NewScanner(bytes.NewReader(raw))
		for sc.Scan() {
			if k, v, ok := strings.Cut(sc.Text(), ":"); ok {
				h.Set(strings.TrimSpace(k), strings.TrimSpace(v))
			}
		}
	}
	return body, h
}

// TestEveryRegistrySource: a push reported by each registry, through
// POST /webhooks/registry/{source}, ends in that app's dev pull request.
func TestEveryRegistrySource(t *testing.T) {
	type sourceCase struct {
		body   []byte
		header http.Header
		ev     registry.ImagePushed
	}
	cases := map[string]sourceCase{}
	files := seedFiles(testPolicy)
	var pol strings.Builder
	pol.WriteString("version: 1\ndefaults:\n  strategy: alphabetical\nenvironments:\n  - name: dev\n  - name: prod\n    promotion: manual\napps:\n")
	for _, src := range registry.SourceNames() {
		file, ok := sourcePayloads[src]
		if !ok {
			t.Fatalf("no payload for source %s", src)
		}
		body, h := loadPayload(t, file)
		s, _ := registry.LookupSource(src)
		evs, err := s.Parse(h, body)
		if err != nil || len(evs) != 1 {
			t.Fatalf("%s: %d events, %v", file, len(evs), err)
		}
		cases[src] = sourceCase{body, h, evs[0]}
		app := "app-" + src
		fmt.Fprintf(&pol, "  %s:\n    image: %s\n", app, evs[0].Image())
		for _, env := range []string{"dev", "prod"} {
			files["apps/"+app+"/overlays/"+env+"/kustomization.yaml"] = "images:\n- name: " + evs[0].Image() + "\n  newTag: \"0\"\n"
		}
	}
	files[".stagehand.yaml"] = pol.String()
	w := newWorld(t, worldOptions{files: files})
	w.protect()
	for _, src := range registry.SourceNames() {
		t.Run(src, func(t *testing.T) {
			c := cases[src]
			if code := w.postRegistry(src, c.header, c.body); code != http.StatusAccepted {
				t.Fatalf("answer %d", code)
			}
			w.settle()
			pr, ok := w.open()["stagehand/dev/app-"+src]
			if !ok {
				t.Fatalf("no dev pull request; decisions %q", w.decisions())
			}
			if want := "Promote app-" + src + " to dev: 0 → " + c.ev.Tag; pr.Title != want {
				t.Errorf("title %q, want %q", pr.Title, want)
			}
		})
	}
}
