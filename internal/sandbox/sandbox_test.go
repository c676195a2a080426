package sandbox

import (
	"bytes"
	"context"
	"io/fs"
	"os"
	"strings"
	"testing"
	"testing/fstest"
	"time"
)

// start starts a sandbox seeded from dir and stops it after the test,
// failing the test on any call that breaks GitHub's contract.
func start(t *testing.T, dir string) *Sandbox {
	t.Helper()
	return startFS(t, os.DirFS(dir))
}

// startFS is start on a seed tree.
func startFS(t *testing.T, seed fs.FS) *Sandbox {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s, err := Start(ctx, Options{Seed: seed})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		s.Close(ctx)
		if v := s.Sim().Violations(); len(v) > 0 {
			t.Errorf("GitHub contract violations:\n%s", strings.Join(v, "\n"))
		}
	})
	return s
}

// play plays the story on a sandbox seeded from dir and returns what it
// did and its timeline, failing the test when it does not complete.
func play(t *testing.T, dir string) (Result, string) {
	t.Helper()
	return playFS(t, os.DirFS(dir))
}

// playFS is play on a seed tree.
func playFS(t *testing.T, seed fs.FS) (Result, string) {
	t.Helper()
	return playOn(t, startFS(t, seed))
}

// playOn plays the story on a started sandbox.
func playOn(t *testing.T, s *Sandbox) (Result, string) {
	t.Helper()
	var out bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	res, err := s.Play(ctx, &out, PlayOptions{})
	t.Logf("timeline:\n%s", out.String())
	if err != nil {
		t.Fatal(err)
	}
	return res, out.String()
}

// TestDemoStory plays the sandbox story on the demo repository: the whole
// system end to end, from a push to the real registry to the prod merge.
func TestDemoStory(t *testing.T) {
	res, out := play(t, "../../testdata/demo-repo")
	if res.Script.App != "order-service" || res.Script.Version != "v1.4.0" {
		t.Errorf("script %s %s, want order-service v1.4.0", res.Script.App, res.Script.Version)
	}
	var envs []string
	for i, pr := range res.PRs {
		envs = append(envs, res.Script.Steps[i].Env.Name)
		if !pr.Merged {
			t.Errorf("PR #%d (%s) not merged", pr.Number, pr.Head)
		}
		want := "stagehand/" + res.Script.Steps[i].Env.Name + "/order-service"
		if pr.Head != want {
			t.Errorf("PR #%d head %q, want %q", pr.Number, pr.Head, want)
		}
	}
	if got := strings.Join(envs, ","); got != "dev,staging,prod" {
		t.Fatalf("PRs through %s", got)
	}
	want := map[string]string{"order-service": "v1.4.0", "payment-service": "v2.0.1", "web-frontend": "v0.9.0"}
	for _, row := range res.Inventory {
		for _, c := range row.Envs {
			if c.Version.Tag != want[row.App] {
				t.Errorf("%s runs %s in %s, want %s", row.App, c.Version, c.Env, want[row.App])
			}
		}
	}
	if len(res.Inventory) != len(want) {
		t.Errorf("inventory has %d apps, want %d", len(res.Inventory), len(want))
	}
	for _, line := range []string{"pushed registry.demo.local/acme/order-service:v1.4.0", "POST /webhooks/registry/distribution → 202",
		"merged by Stagehand (autoMerge",
		"dev        commented on #2: /promote order-service to prod", "😕 Refused: only the promoters of prod may promote into it.",
		"sre        commented on #2: /promote order-service to prod", "🚀 Done: `order-service` in `prod`: v1.3.2 → v1.4.0."} {
		if !strings.Contains(out, line) {
			t.Errorf("timeline lacks %q", line)
		}
	}
	tr := res.Trusted
	if tr == nil || tr.Unsigned != "v1.5.0" || tr.Signed != "v1.5.1" || !tr.PR.Merged || !strings.HasSuffix(tr.PR.Title, "→ v1.5.1") {
		t.Fatalf("trusted images: %+v, want v1.5.0 refused and v1.5.1 merged", tr)
	}
	if !strings.HasPrefix(tr.Reason, "v1.5.0: not signed with keys/cosign.pub: no cosign signature for sha256:") {
		t.Errorf("unsigned v1.5.0 refused for %q", tr.Reason)
	}
	for _, line := range []string{"order-service/dev: refused v1.5.0: v1.5.0: not signed with keys/cosign.pub: no cosign signature",
		"says: Signature: verified (signed with keys/cosign.pub): signed by the key in keys/cosign.pub"} {
		if !strings.Contains(out, line) {
			t.Errorf("timeline lacks %q", line)
		}
	}
}

// TestTextbookStory plays the three-tag story on the textbook repository,
// where staging and prod carry the version through tag channels of their
// own: each environment ends on its channel's tag of the next version,
// pushed to the registry before its step (prod's through the operation
// /promote uses, which lists the tags from the registry). As seeded, dev
// already runs v1.2.4-dev, so the story brings v1.2.5; with dev one
// version back it is the story of v1.2.4 as written.
func TestTextbookStory(t *testing.T) {
	const repo = "../../testdata/textbook-repo"
	const devOverlay = "apps/order-service/overlays/development/kustomization.yaml"
	type step struct{ env, push, title string }
	tests := []struct {
		name  string
		devOn string // the dev overlay's tag before the story; "" as seeded
		want  []step
	}{
		{"as seeded", "", []step{
			{"dev", "v1.2.5-dev", "Promote order-service to dev: v1.2.4-dev → v1.2.5-dev"},
			{"staging", "v1.2.5-rc1", "Promote order-service to staging: v1.2.3-rc1 → v1.2.5-rc1"},
			{"prod", "v1.2.5", "Promote order-service to prod: v1.2.3 → v1.2.5"},
		}},
		{"the issue's v1.2.4 story", "v1.2.3-dev", []step{
			{"dev", "v1.2.4-dev", "Promote order-service to dev: v1.2.3-dev → v1.2.4-dev"},
			{"staging", "v1.2.4-rc1", "Promote order-service to staging: v1.2.3-rc1 → v1.2.4-rc1"},
			{"prod", "v1.2.4", "Promote order-service to prod: v1.2.3 → v1.2.4"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			seed := fs.FS(os.DirFS(repo))
			if tt.devOn != "" {
				seed = withTag(t, repo, devOverlay, "v1.2.4-dev", tt.devOn)
			}
			res, _ := playFS(t, seed)
			if len(res.PRs) != len(tt.want) {
				t.Fatalf("%d pull requests, want %d", len(res.PRs), len(tt.want))
			}
			for i, w := range tt.want {
				st, pr := res.Script.Steps[i], res.PRs[i]
				if st.Env.Name != w.env || st.Push != w.push || pr.Title != w.title || !pr.Merged {
					t.Errorf("step %d: %s pushed %q, PR %q merged=%v; want %s, %q, %q merged", i+1, st.Env.Name, st.Push, pr.Title, pr.Merged, w.env, w.push, w.title)
				}
			}
			for _, row := range res.Inventory {
				if row.App != "order-service" {
					continue
				}
				for i, c := range row.Envs {
					if c.Version.Tag != tt.want[i].push {
						t.Errorf("order-service runs %s in %s, want %s", c.Version, c.Env, tt.want[i].push)
					}
				}
			}
		})
	}
}

// withTag is the tree under dir with old replaced by tag in the file at path.
func withTag(t *testing.T, dir, path, old, tag string) fs.FS {
	t.Helper()
	tree := fstest.MapFS{}
	err := fs.WalkDir(os.DirFS(dir), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(os.DirFS(dir), p)
		tree[p] = &fstest.MapFile{Data: data}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	f, ok := tree[path]
	if !ok || !strings.Contains(string(f.Data), "newTag: "+old) {
		t.Fatalf("%s does not pin %s", path, old)
	}
	f.Data = []byte(strings.Replace(string(f.Data), "newTag: "+old, "newTag: "+tag, 1))
	return tree
}
