package sandbox

import (
	"bytes"
	"context"
	"errors"
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

// TestDemoStory plays the sandbox story on the demo repository: the whole
// system end to end, from a push to the real registry to the prod merge.
func TestDemoStory(t *testing.T) {
	s := start(t, "../../testdata/demo-repo")
	var out bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	res, err := s.Play(ctx, &out, PlayOptions{})
	t.Logf("timeline:\n%s", out.String())
	if err != nil {
		t.Fatal(err)
	}
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
		"merged by Stagehand (autoMerge", "calls the operation behind it, Bot.Promote, directly"} {
		if !strings.Contains(out.String(), line) {
			t.Errorf("timeline lacks %q", line)
		}
	}
}

// TestTextbookStory plays the three-tag story on the textbook repository,
// where staging and prod carry the version through tag channels of their
// own. Either the whole story plays, each environment on its channel's
// tag, or the demo names the step this build cannot play.
func TestTextbookStory(t *testing.T) {
	s := start(t, "../../testdata/textbook-repo")
	var out bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	res, err := s.Play(ctx, &out, PlayOptions{})
	t.Logf("timeline:\n%s", out.String())
	var pushed []string
	for _, st := range res.Script.Steps {
		pushed = append(pushed, st.Push)
	}
	if got := strings.Join(pushed, ","); got != "v1.2.5-dev,v1.2.5-rc1,v1.2.5" {
		t.Fatalf("pushes %s, want each environment's channel tag of v1.2.5", got)
	}
	var se *StepError
	switch {
	case err == nil:
		for i, pr := range res.PRs {
			if want := "→ " + res.Script.Steps[i].Tag; !pr.Merged || !strings.HasSuffix(pr.Title, want) {
				t.Errorf("PR #%d %q merged=%v, want merged and ending %q", pr.Number, pr.Title, pr.Merged, want)
			}
		}
	case errors.As(err, &se):
		if se.Step != 2 || se.Env != "staging" || !strings.Contains(se.Unsupported, "carry: version") {
			t.Fatalf("the story stopped at %+v; want the first carried step (2, staging) named as not supported", se)
		}
		if len(res.PRs) != 1 || !res.PRs[0].Merged || !strings.HasSuffix(res.PRs[0].Title, "→ v1.2.5-dev") {
			t.Errorf("dev step before the stop: %+v", res.PRs)
		}
	default:
		t.Fatal(err)
	}
}
