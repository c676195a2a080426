package promote

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stagehand-gitops/stagehand/internal/golden"
	"github.com/stagehand-gitops/stagehand/internal/policy"
)

func demoRepo(t *testing.T) (*policy.Policy, fs.FS) {
	t.Helper()
	return load(t, os.DirFS("../../testdata/demo-repo"))
}

func load(t *testing.T, tree fs.FS) (*policy.Policy, fs.FS) {
	t.Helper()
	data, err := fs.ReadFile(tree, policy.FileName)
	if err != nil {
		t.Fatal(err)
	}
	pol, err := policy.Parse(policy.FileName, data)
	if err != nil {
		t.Fatal(err)
	}
	if err := pol.Discover(tree); err != nil {
		t.Fatal(err)
	}
	return pol, tree
}

func TestPlanPush(t *testing.T) {
	pol, tree := demoRepo(t)
	const img = "registry.demo.local/acme/order-service"
	cases := []struct {
		name      string
		req       Request
		proposals int
		env       string
		from, to  string
		skip      string // substring of the skip reason
	}{
		{name: "newer tag goes to the first env", req: Request{Push: Push{Image: img, Tag: "v1.4.0"}}, proposals: 1, env: "dev", from: "v1.3.2", to: "v1.4.0"},
		{name: "explicit env", req: Request{Push: Push{Image: img, Tag: "v1.4.0"}, Env: "staging"}, proposals: 1, env: "staging", from: "v1.3.2", to: "v1.4.0"},
		{name: "older tag is no downgrade", req: Request{Push: Push{Image: img, Tag: "v1.3.0"}}, skip: "not newer"},
		{name: "same tag is nothing to do", req: Request{Push: Push{Image: img, Tag: "v1.3.2"}}, skip: "v1.3.2: is the current tag"},
		{name: "not a version", req: Request{Push: Push{Image: img, Tag: "3f4a9bc"}}, skip: "hex"},
		{name: "prerelease refused in an env without prerelease", req: Request{Push: Push{Image: img, Tag: "v1.4.0-rc.1"}}, skip: "prerelease"},
		{name: "untracked image", req: Request{Push: Push{Image: "registry.demo.local/acme/unknown", Tag: "v9.0.0"}}},
		{name: "image name is normalised", req: Request{Push: Push{Image: "REGISTRY.demo.local/acme/order-service", Tag: "v1.4.0"}}, proposals: 1, env: "dev", from: "v1.3.2", to: "v1.4.0"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			plan, err := PlanPush(pol, tree, tc.req)
			if err != nil {
				t.Fatal(err)
			}
			if len(plan.Proposals) != tc.proposals {
				t.Fatalf("proposals = %d, want %d (skips %+v)", len(plan.Proposals), tc.proposals, plan.Skips)
			}
			if tc.skip != "" {
				if len(plan.Skips) != 1 || !strings.Contains(plan.Skips[0].Reason, tc.skip) {
					t.Fatalf("skips = %+v, want one containing %q", plan.Skips, tc.skip)
				}
			}
			if tc.proposals == 0 {
				return
			}
			p := plan.Proposals[0]
			if p.Env != tc.env || p.From.String() != tc.from || p.To.String() != tc.to {
				t.Errorf("proposal %s %s → %s, want %s %s → %s", p.Env, p.From, p.To, tc.env, tc.from, tc.to)
			}
			if want := "stagehand/" + tc.env + "/order-service"; p.Branch != want {
				t.Errorf("branch = %q, want %q", p.Branch, want)
			}
			if len(p.Files) != 1 || p.Files[0].Path != "apps/order-service/overlays/"+tc.env+"/kustomization.yaml" {
				t.Errorf("files = %+v", p.Files)
			}
		})
	}
}

func TestPlanPushUnknownEnv(t *testing.T) {
	pol, tree := demoRepo(t)
	_, err := PlanPush(pol, tree, Request{Push: Push{Image: "registry.demo.local/acme/order-service", Tag: "v2.0.0"}, Env: "qa"})
	if err == nil || !strings.Contains(err.Error(), `unknown environment "qa" (the policy has dev, staging, prod)`) {
		t.Fatalf("err = %v", err)
	}
}

func TestProposalTexts(t *testing.T) {
	pol, tree := demoRepo(t)
	plan, err := PlanPush(pol, tree, Request{Push: Push{Image: "registry.demo.local/acme/order-service", Tag: "v1.4.0"}, Delivery: "d-1"})
	if err != nil || len(plan.Proposals) != 1 {
		t.Fatalf("plan = %+v, %v", plan, err)
	}
	p := plan.Proposals[0]
	if p.Title != "Promote order-service to dev: v1.3.2 → v1.4.0" {
		t.Errorf("title = %q", p.Title)
	}
	if strings.Join(p.Labels, ",") != "stagehand,env:dev" {
		t.Errorf("labels = %v", p.Labels)
	}
	golden.CheckString(t, filepath.Join("testdata", "body-dev.md"), p.Body)
	golden.CheckString(t, filepath.Join("testdata", "commit-dev.txt"), p.CommitMessage)
	golden.CheckString(t, filepath.Join("testdata", "kustomization-dev.yaml"), string(p.Files[0].After))
	// Only the value line changes.
	if n := changedLines(p.Files[0].Before, p.Files[0].After); n != 1 {
		t.Errorf("changed lines = %d, want 1", n)
	}
}

func TestProposalBodyDigest(t *testing.T) {
	pol, tree := demoRepo(t)
	const digest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	plan, err := PlanPush(pol, tree, Request{Push: Push{Image: "registry.demo.local/acme/order-service", Tag: "v1.4.0", Digest: digest}})
	if err != nil || len(plan.Proposals) != 1 {
		t.Fatalf("plan = %+v, %v", plan, err)
	}
	p := plan.Proposals[0]
	if p.To.Digest != "" || p.Digest != digest {
		t.Errorf("to = %+v, digest = %q: the demo repo pins tags only, and the digest is still reported", p.To, p.Digest)
	}
	golden.CheckString(t, filepath.Join("testdata", "body-dev-digest.md"), p.Body)
}

func changedLines(a, b []byte) int {
	la, lb := strings.Split(string(a), "\n"), strings.Split(string(b), "\n")
	if len(la) != len(lb) {
		return -1
	}
	n := 0
	for i := range la {
		if la[i] != lb[i] {
			n++
		}
	}
	return n
}

const pinPolicy = `version: 1
environments:
  - name: dev
apps:
  api:
    images:
      - name: ghcr.io/acme/api
        pinDigest: true
  web:
    image: ghcr.io/acme/web
  svc:
    image: ghcr.io/acme/svc
  cache:
    images:
      - name: ghcr.io/acme/cache
        strategy: digest
`

func TestPlanPushDigestsAndMissingEntry(t *testing.T) {
	const digest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	tree := fstest.MapFS{
		".stagehand.yaml":                            {Data: []byte(pinPolicy)},
		"apps/api/overlays/dev/kustomization.yaml":   {Data: []byte("resources:\n  - ../../base\nimages:\n  - name: ghcr.io/acme/api\n    newTag: v1.0.0\n")},
		"apps/svc/overlays/dev/kustomization.yaml":   {Data: []byte("resources:\n  - ../../base\n")},
		"apps/web/overlays/dev/kustomization.yaml":   {Data: []byte("resources:\n  - ../../base\nimages:\n  - name: ghcr.io/acme/web\n    newTag: v1.0.0\n    digest: sha256:1111111111111111111111111111111111111111111111111111111111111111\n")},
		"apps/cache/overlays/dev/kustomization.yaml": {Data: []byte("images:\n  - name: ghcr.io/acme/cache\n    newTag: latest # moves\n    digest: sha256:1111111111111111111111111111111111111111111111111111111111111111\n")},
	}
	pol, _ := load(t, tree)
	cases := []struct {
		image, tag, want string
	}{
		{"ghcr.io/acme/api", "v1.1.0", "resources:\n  - ../../base\nimages:\n  - name: ghcr.io/acme/api\n    newTag: v1.1.0\n    digest: " + digest + "\n"},
		// Without pinDigest the stale digest goes: it would pin the old image.
		{"ghcr.io/acme/web", "v1.1.0", "resources:\n  - ../../base\nimages:\n  - name: ghcr.io/acme/web\n    newTag: v1.1.0\n"},
		// An overlay that does not name the image gets an entry.
		{"ghcr.io/acme/svc", "v1.1.0", "resources:\n  - ../../base\nimages:\n  - name: ghcr.io/acme/svc\n    newTag: v1.1.0\n"},
		// The digest strategy tracks one mutable tag and writes its new digest.
		{"ghcr.io/acme/cache", "latest", "images:\n  - name: ghcr.io/acme/cache\n    newTag: latest # moves\n    digest: " + digest + "\n"},
	}
	for _, tc := range cases {
		t.Run(tc.image, func(t *testing.T) {
			plan, err := PlanPush(pol, tree, Request{Push: Push{Image: tc.image, Tag: tc.tag, Digest: digest}})
			if err != nil || len(plan.Proposals) != 1 {
				t.Fatalf("plan = %+v, %v", plan, err)
			}
			if got := string(plan.Proposals[0].Files[0].After); got != tc.want {
				t.Errorf("after =\n%s\nwant\n%s", got, tc.want)
			}
		})
	}
}

func TestInventory(t *testing.T) {
	pol, tree := demoRepo(t)
	rows := Inventory(pol, tree)
	if len(rows) != 3 {
		t.Fatalf("rows = %d, want 3", len(rows))
	}
	r := rows[0]
	if r.App != "order-service" || len(r.Envs) != 3 {
		t.Fatalf("row = %+v", r)
	}
	for _, c := range r.Envs {
		if c.Version.Tag != "v1.3.2" || c.Note != "" {
			t.Errorf("%s: %+v", c.Env, c)
		}
	}
}
