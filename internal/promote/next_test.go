package promote

import (
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/stagehand-gitops/stagehand/internal/tags"
)

const channelPolicy = `version: 1
overlays: apps/{app}/overlays/{env}
environments:
  - name: dev
    dir: development
    prerelease: true
    allowTags: '^v\d+\.\d+\.\d+-dev$'
  - name: staging
    prerelease: true
    carry: version
    allowTags: '^v\d+\.\d+\.\d+-rc\d+$'
    soak: 30m
    requireHealthy: true
  - name: prod
    dir: production
    carry: version
    allowTags: '^v\d+\.\d+\.\d+$'
    freeze:
      - from: "2026-12-20T00:00:00Z"
        to: "2027-01-04T00:00:00Z"
apps:
  order-service:
    image: registry.company.com/order-service
`

func kust(tag string) *fstest.MapFile {
	return &fstest.MapFile{Data: []byte("resources:\n  - ../../base\nimages:\n  - name: registry.company.com/order-service\n    newTag: " + tag + "\n")}
}

func TestPlanPromotion(t *testing.T) {
	channel := fstest.MapFS{
		".stagehand.yaml": {Data: []byte(channelPolicy)},
		"apps/order-service/overlays/development/kustomization.yaml": kust("v1.2.4-dev"),
		"apps/order-service/overlays/staging/kustomization.yaml":     kust("v1.2.3-rc1"),
		"apps/order-service/overlays/production/kustomization.yaml":  kust("v1.2.3"),
	}
	rcs := []tags.Candidate{{Tag: "v1.2.4-dev"}, {Tag: "v1.2.4-rc1"}, {Tag: "v1.2.4-rc2"}, {Tag: "v1.2.5-rc1"}, {Tag: "v1.2.4"}}
	cases := []struct {
		name   string
		tree   fstest.MapFS
		pr     Promotion
		to     string
		skip   string
		errMsg string
	}{
		{name: "artifact carries the tag", tree: nil, pr: Promotion{App: "order-service", Image: "registry.demo.local/acme/order-service", Env: "staging"}, skip: "v1.3.2: is the current tag"},
		{name: "channel takes the newest rc of the same version", tree: channel, pr: Promotion{App: "order-service", Image: "registry.company.com/order-service", Env: "staging", Candidates: rcs}, to: "v1.2.4-rc2"},
		{name: "prod waits for staging's version", tree: channel, pr: Promotion{App: "order-service", Image: "registry.company.com/order-service", Env: "prod", Candidates: rcs}, skip: "v1.2.4: version 1.2.4 does not run in staging yet"},
		{name: "channel without candidates waits", tree: channel, pr: Promotion{App: "order-service", Image: "registry.company.com/order-service", Env: "staging"}, skip: "no tags of its channel are known yet"},
		{name: "first env has no previous", tree: channel, pr: Promotion{App: "order-service", Image: "registry.company.com/order-service", Env: "dev"}, errMsg: "dev is the first environment"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			pol, tree := demoRepo(t)
			if tc.tree != nil {
				pol, tree = load(t, tc.tree)
			}
			p, skip, err := PlanPromotion(pol, tree, tc.pr)
			if tc.errMsg != "" {
				if err == nil || !strings.Contains(err.Error(), tc.errMsg) {
					t.Fatalf("err = %v, want %q", err, tc.errMsg)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tc.skip != "" {
				if skip == nil || !strings.Contains(skip.Reason, tc.skip) {
					t.Fatalf("skip = %+v, want %q", skip, tc.skip)
				}
				return
			}
			if skip != nil {
				t.Fatalf("skipped: %s", skip.Reason)
			}
			if p.To.Tag != tc.to {
				t.Errorf("to = %s, want %s", p.To, tc.to)
			}
		})
	}
}

func TestPlanPromotionCarriesDigest(t *testing.T) {
	const digest = "sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
	tree := fstest.MapFS{
		".stagehand.yaml":                           {Data: []byte("version: 1\nenvironments: [{name: dev}, {name: prod}]\napps:\n  api:\n    image: ghcr.io/acme/api\n")},
		"apps/api/overlays/dev/kustomization.yaml":  {Data: []byte("images:\n- name: ghcr.io/acme/api\n  newTag: v2.0.0\n  digest: " + digest + "\n")},
		"apps/api/overlays/prod/kustomization.yaml": {Data: []byte("images:\n- name: ghcr.io/acme/api\n  newTag: v1.9.0 # prod\n")},
	}
	pol, fsys := load(t, tree)
	p, skip, err := PlanPromotion(pol, fsys, Promotion{App: "api", Image: "ghcr.io/acme/api", Env: "prod", Delivery: "x"})
	if err != nil || skip != nil {
		t.Fatalf("skip %+v, err %v", skip, err)
	}
	want := "images:\n- name: ghcr.io/acme/api\n  newTag: v2.0.0 # prod\n  digest: " + digest + "\n"
	if got := string(p.Files[0].After); got != want {
		t.Errorf("after:\n%s\nwant:\n%s", got, want)
	}
	if !strings.Contains(p.CommitMessage, "Stagehand-From: dev\n") {
		t.Errorf("commit message lacks the source env:\n%s", p.CommitMessage)
	}
}

func TestGates(t *testing.T) {
	pol, _ := load(t, fstest.MapFS{".stagehand.yaml": {Data: []byte(channelPolicy)}})
	since := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	cases := []struct {
		name  string
		env   string
		facts Facts
		open  bool
		until time.Time
		want  []string // gate details, in order
	}{
		{name: "soaking and unhealthy", env: "staging", facts: Facts{Now: since.Add(10 * time.Minute), Since: since},
			until: since.Add(30 * time.Minute), want: []string{"soaking in dev: 20m0s left of 30m0s", "waiting for a successful deployment or commit status on dev's merge commit"}},
		{name: "soaked and healthy", env: "staging", facts: Facts{Now: since.Add(31 * time.Minute), Since: since, Healthy: true}, open: true,
			want: []string{"ran 31m0s in dev (soak 30m0s)", "dev reports the version healthy"}},
		{name: "unknown entry time", env: "staging", facts: Facts{Now: since, Healthy: true}, want: []string{"staging soak 30m0s: unknown when the version entered dev", "dev reports the version healthy"}},
		{name: "frozen", env: "prod", facts: Facts{Now: time.Date(2026, 12, 24, 0, 0, 0, 0, time.UTC)}, until: time.Date(2027, 1, 4, 0, 0, 0, 0, time.UTC), want: []string{"prod is frozen until 2027-01-04T00:00:00Z"}},
		{name: "no gates", env: "prod", facts: Facts{Now: since}, open: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			gates := Gates(pol, "order-service", tc.env, tc.facts)
			var got []string
			for _, g := range gates {
				got = append(got, g.Detail)
			}
			if strings.Join(got, "|") != strings.Join(tc.want, "|") {
				t.Errorf("gates = %q, want %q", got, tc.want)
			}
			open, until := Open(gates)
			if open != tc.open || !until.Equal(tc.until) {
				t.Errorf("open = %v until %v, want %v until %v", open, until, tc.open, tc.until)
			}
		})
	}
}
