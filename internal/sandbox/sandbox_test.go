package sandbox

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"
	"time"
)

// start starts a sandbox seeded from dir and stops it after the test,
// failing the test on any call that breaks GitHub's contract.
func start(t *testing.T, dir string) *Sandbox {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s, err := Start(ctx, Options{Seed: os.DirFS(dir)})
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
	s := start(t, dir)
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
}

// TestTextbookStory plays the three-tag story on the textbook repository,
// where staging and prod carry the version through tag channels of their
// own: each environment ends on its channel's tag of v1.2.5, pushed to the
// registry before its step.
func TestTextbookStory(t *testing.T) {
	res, _ := play(t, "../../testdata/textbook-repo")
	want := []struct{ env, push, title string }{
		{"dev", "v1.2.5-dev", "Promote order-service to dev: v1.2.4-dev → v1.2.5-dev"},
		{"staging", "v1.2.5-rc1", "Promote order-service to staging: v1.2.3-rc1 → v1.2.5-rc1"},
		{"prod", "v1.2.5", "Promote order-service to prod: v1.2.3 → v1.2.5"},
	}
	if len(res.PRs) != len(want) {
		t.Fatalf("%d pull requests, want %d", len(res.PRs), len(want))
	}
	for i, w := range want {
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
			if c.Version.Tag != want[i].push {
				t.Errorf("order-service runs %s in %s, want %s", c.Version, c.Env, want[i].push)
			}
		}
	}
}
