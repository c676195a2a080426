package sandbox

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"
)

// TestTrainStory plays the release train after the demo story: one
// /promote of the group opens one pull request whose one commit changes
// the three members' prod overlays, and merging it brings all three.
func TestTrainStory(t *testing.T) {
	s := start(t, "../../testdata/demo-repo")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var out bytes.Buffer
	res, err := s.PlayTrain(ctx, &out, 0)
	t.Logf("timeline:\n%s", out.String())
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"apps/order-service/overlays/prod/kustomization.yaml",
		"apps/payment-service/overlays/prod/kustomization.yaml",
		"apps/web-frontend/overlays/prod/kustomization.yaml",
	}
	if strings.Join(res.Changed, "\n") != strings.Join(want, "\n") {
		t.Errorf("the train's commit changed %q, want %q", res.Changed, want)
	}
	if !res.PR.Merged || res.PR.Head != "stagehand/prod/checkout" {
		t.Errorf("PR #%d head %q merged %v", res.PR.Number, res.PR.Head, res.PR.Merged)
	}
	prs, _ := s.Sim().PullRequests(s.Repo())
	if len(prs) != 1 {
		t.Errorf("%d pull requests, want the train's one", len(prs))
	}
	for _, row := range res.Inventory {
		for _, c := range row.Envs {
			if c.Env == "dev" {
				continue
			}
			if c.Version.Tag != res.To[row.App] {
				t.Errorf("%s runs %s in %s, want %s", row.App, c.Version, c.Env, res.To[row.App])
			}
		}
	}
	for _, line := range []string{"sre        commented on #1: /promote checkout to prod", "🚀 Done: `checkout` in `prod`: 3 apps in one pull request."} {
		if !strings.Contains(out.String(), line) {
			t.Errorf("timeline lacks %q", line)
		}
	}
}

// TestTrainStorySkipsChannels: where the last environments carry the
// version through their own tag channels, the train is not played, and
// the result says why.
func TestTrainStorySkipsChannels(t *testing.T) {
	s := start(t, "../../testdata/textbook-repo")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var out bytes.Buffer
	res, err := s.PlayTrain(ctx, &out, 0)
	if err != nil || !strings.Contains(res.Skipped, "carries the version") || !strings.Contains(out.String(), "release train not played") {
		t.Fatalf("PlayTrain = %+v, %v\n%s", res, err, out.String())
	}
	if prs, _ := s.Sim().PullRequests(s.Repo()); len(prs) != 0 {
		t.Errorf("%d pull requests, want none", len(prs))
	}
}
