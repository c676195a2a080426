package promote

import (
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/stagehand-gitops/stagehand/internal/golden"
	"github.com/stagehand-gitops/stagehand/internal/tags"
)

// TestSameImageAsPrevious checks the body line that says whether a tag of a
// channelled environment is the image the previous environment runs.
func TestSameImageAsPrevious(t *testing.T) {
	const (
		a = "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		b = "sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
	)
	at := func(h int) time.Time { return time.Date(2026, 11, 1, h, 0, 0, 0, time.UTC) }
	pinned := &fstest.MapFile{Data: []byte("images:\n  - name: registry.company.com/order-service\n    newTag: v1.2.4-dev\n    digest: " + a + "\n")}
	cases := []struct {
		name  string
		dev   *fstest.MapFile // dev's overlay; kust("v1.2.4-dev") when nil
		cands []tags.Candidate
		want  string
	}{
		{"digests listed by the registry agree", nil,
			[]tags.Candidate{{Tag: "v1.2.4-dev", Digest: a}, {Tag: "v1.2.4-rc1", Digest: a}},
			"same image as dev: yes (`v1.2.4-dev` and `v1.2.4-rc1` are both `sha256:aaaaaaaaaaaa`)"},
		{"the latest push of dev's tag counts", nil,
			[]tags.Candidate{{Tag: "v1.2.4-dev", Digest: a, PushedAt: at(2)}, {Tag: "v1.2.4-dev", Digest: b, PushedAt: at(1)}, {Tag: "v1.2.4-rc1", Digest: b}},
			"same image as dev: no (dev runs `v1.2.4-dev` = `sha256:aaaaaaaaaaaa`; `v1.2.4-rc1` is `sha256:bbbbbbbbbbbb`)"},
		{"dev's overlay pins the digest", pinned,
			[]tags.Candidate{{Tag: "v1.2.4-rc1", Digest: a}},
			"same image as dev: yes (`v1.2.4-dev` and `v1.2.4-rc1` are both `sha256:aaaaaaaaaaaa`)"},
		{"dev's digest unknown", nil,
			[]tags.Candidate{{Tag: "v1.2.4-rc1", Digest: a}},
			"same image as dev: unknown (no digest known for dev's `v1.2.4-dev`)"},
		{"the new tag's digest unknown", pinned,
			[]tags.Candidate{{Tag: "v1.2.4-rc1"}},
			"same image as dev: unknown (no digest known for `v1.2.4-rc1`)"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dev := tc.dev
			if dev == nil {
				dev = kust("v1.2.4-dev")
			}
			pol, tree := load(t, fstest.MapFS{
				".stagehand.yaml": {Data: []byte(channelPolicy)},
				"apps/order-service/overlays/development/kustomization.yaml": dev,
				"apps/order-service/overlays/staging/kustomization.yaml":     kust("v1.2.3-rc1"),
			})
			p, skip, err := PlanPromotion(pol, tree, Promotion{App: "order-service", Image: "registry.company.com/order-service", Env: "staging", Candidates: tc.cands})
			if err != nil || skip != nil {
				t.Fatalf("skip %+v, err %v", skip, err)
			}
			if !strings.Contains(p.Body, "\n"+tc.want+"\n") {
				t.Errorf("body lacks %q:\n%s", tc.want, p.Body)
			}
		})
	}
}

// TestSameImageOnlyForChannels checks that a pushed tag that only a later,
// channelled environment accepts says so too, and that the artifact carry
// (the same tag and digest by construction) and the first environment do
// not.
func TestSameImageOnlyForChannels(t *testing.T) {
	pol, tree := load(t, fstest.MapFS{
		".stagehand.yaml": {Data: []byte(channelPolicy)},
		"apps/order-service/overlays/development/kustomization.yaml": kust("v1.2.4-dev"),
		"apps/order-service/overlays/staging/kustomization.yaml":     kust("v1.2.3-rc1"),
	})
	push := func(tag, env string) Proposal {
		t.Helper()
		plan, err := PlanPush(pol, tree, Request{Push: Push{Image: "registry.company.com/order-service", Tag: tag, Digest: "sha256:cc"}, Env: env})
		if err != nil || len(plan.Proposals) != 1 {
			t.Fatalf("plan %+v, %v", plan, err)
		}
		return plan.Proposals[0]
	}
	if p := push("v1.2.4-rc1", "staging"); !strings.Contains(p.Body, "\nsame image as dev: unknown (no digest known for dev's `v1.2.4-dev`)\n") {
		t.Errorf("staging body:\n%s", p.Body)
	}
	// The overlay pins no digest (no pinDigest), yet the pushed tag's digest
	// is known and compared.
	pinnedDev := &fstest.MapFile{Data: []byte("images:\n  - name: registry.company.com/order-service\n    newTag: v1.2.4-dev\n    digest: sha256:cc\n")}
	pol2, tree2 := load(t, fstest.MapFS{
		".stagehand.yaml": {Data: []byte(channelPolicy)},
		"apps/order-service/overlays/development/kustomization.yaml": pinnedDev,
		"apps/order-service/overlays/staging/kustomization.yaml":     kust("v1.2.3-rc1"),
	})
	plan, err := PlanPush(pol2, tree2, Request{Push: Push{Image: "registry.company.com/order-service", Tag: "v1.2.4-rc1", Digest: "sha256:cc"}, Env: "staging"})
	if err != nil || len(plan.Proposals) != 1 || !strings.Contains(plan.Proposals[0].Body, "\nsame image as dev: yes (`v1.2.4-dev` and `v1.2.4-rc1` are both `sha256:cc`)\n") {
		t.Errorf("plan %+v, %v", plan, err)
	}
	if p := push("v1.2.5-dev", "dev"); p.Previous != nil || strings.Contains(p.Body, "same image as") {
		t.Errorf("dev body:\n%s", p.Body)
	}
	art, artTree := load(t, fstest.MapFS{
		".stagehand.yaml":                           {Data: []byte("version: 1\nenvironments: [{name: dev}, {name: prod}]\napps:\n  api:\n    image: ghcr.io/acme/api\n")},
		"apps/api/overlays/dev/kustomization.yaml":  {Data: []byte("images:\n- name: ghcr.io/acme/api\n  newTag: v2.0.0\n")},
		"apps/api/overlays/prod/kustomization.yaml": {Data: []byte("images:\n- name: ghcr.io/acme/api\n  newTag: v1.9.0\n")},
	})
	p, skip, err := PlanPromotion(art, artTree, Promotion{App: "api", Image: "ghcr.io/acme/api", Env: "prod"})
	if err != nil || skip != nil {
		t.Fatalf("skip %+v, err %v", skip, err)
	}
	if p.Previous != nil || strings.Contains(p.Body, "same image as") {
		t.Errorf("artifact promotion body:\n%s", p.Body)
	}
}

// TestSameImageFromHeadDigests: the registry lists tags without digests
// and the overlays pin only tags; the digests the shell read with manifest
// HEADs answer the same-image line (the body is a golden file), and they
// pin nothing.
func TestSameImageFromHeadDigests(t *testing.T) {
	const digest = "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	pol, tree := load(t, fstest.MapFS{
		".stagehand.yaml": {Data: []byte(channelPolicy)},
		"apps/order-service/overlays/development/kustomization.yaml": kust("v1.2.4-dev"),
		"apps/order-service/overlays/staging/kustomization.yaml":     kust("v1.2.3-rc1"),
	})
	listed := []tags.Candidate{{Tag: "v1.2.4-dev"}, {Tag: "v1.2.4-rc1"}}
	req := Promotion{App: "order-service", Image: "registry.company.com/order-service", Env: "staging", Candidates: listed, Delivery: "promote-by-sre"}
	p, skip, err := PlanPromotion(pol, tree, req)
	if err != nil || skip != nil {
		t.Fatalf("skip %+v, err %v", skip, err)
	}
	if want := "\nsame image as dev: unknown (no digest known for dev's `v1.2.4-dev`)\n"; !strings.Contains(p.Body, want) {
		t.Errorf("without digests the body lacks %q:\n%s", want, p.Body)
	}
	req.Digests = map[string]string{"v1.2.4-dev": digest, "v1.2.4-rc1": digest}
	if p, skip, err = PlanPromotion(pol, tree, req); err != nil || skip != nil {
		t.Fatalf("skip %+v, err %v", skip, err)
	}
	golden.CheckString(t, filepath.Join("testdata", "body-staging-same-image.md"), p.Body)
	if p.To.Digest != "" || strings.Contains(string(p.Files[0].After), "digest") {
		t.Errorf("a HEAD's digest pinned the overlay: %+v\n%s", p.To, p.Files[0].After)
	}
}
