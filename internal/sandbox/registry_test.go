package sandbox

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/stagehand-gitops/stagehand/internal/githubsim"
)

// TestDistributionNotifications pushes and pulls with go-containerregistry
// against the real Distribution registry, whose notifications reach
// Stagehand's registry webhook route: a tracked tag opens the dev pull
// request; a pull and an image no policy tracks are answered 202 and
// change nothing.
func TestDistributionNotifications(t *testing.T) {
	s := start(t, "../../testdata/demo-repo")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	settle := func() {
		t.Helper()
		select {
		case <-s.quiet(ctx, 300*time.Millisecond):
		case <-ctx.Done():
			t.Fatal(ctx.Err())
		}
	}
	tests := []struct {
		name     string
		act      func(t *testing.T) string // returns the digest of a tracked push
		pulls    int                       // dev pull requests in the repository afterwards
		decision string                    // a decision Stagehand logged, "" for none
	}{
		{"tracked tag", func(t *testing.T) string { return push(t, s, "acme/web-frontend", "v0.10.0") }, 1, "proposed"},
		{"pull", func(t *testing.T) string {
			ref, err := name.ParseReference(s.RegistryAddr()+"/acme/web-frontend:v0.10.0", name.Insecure)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := remote.Image(ref); err != nil {
				t.Fatal(err)
			}
			return ""
		}, 1, ""},
		{"untracked image", func(t *testing.T) string {
			push(t, s, "acme/unknown", "v1.0.0")
			return ""
		}, 1, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hooks, decisions := len(s.RegistryWebhooks()), len(s.Decisions())
			digest := tt.act(t)
			if _, err := poll(ctx, 30*time.Second, nil, func() (bool, bool) { return true, len(s.RegistryWebhooks()) > hooks }); err != nil {
				t.Fatalf("no notification reached Stagehand: %v", err)
			}
			settle()
			for _, h := range s.RegistryWebhooks()[hooks:] {
				if h.Status != 202 {
					t.Errorf("%s answered %d, want 202", h.Path, h.Status)
				}
			}
			// A registry event acts on dev; what follows the tracked
			// tag's auto-merge (its merge and branch, staging after its
			// soak) runs on its own schedule and may fall in a later row.
			var whats []string
			for _, d := range s.Decisions()[decisions:] {
				if followUp(d) {
					continue
				}
				whats = append(whats, d.What)
			}
			if tt.decision == "" && len(whats) > 0 || tt.decision != "" && !slices.Contains(whats, tt.decision) {
				t.Errorf("decisions %q, want %q", whats, tt.decision)
			}
			prs, err := devPulls(s)
			if err != nil {
				t.Fatal(err)
			}
			if len(prs) != tt.pulls {
				t.Fatalf("%d dev pull requests, want %d", len(prs), tt.pulls)
			}
			if digest == "" {
				return
			}
			overlay, err := s.Sim().File(s.Repo(), prs[0].HeadSHA, "apps/web-frontend/overlays/dev/kustomization.yaml")
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(overlay), "newTag: v0.10.0 # set by Stagehand") {
				t.Errorf("dev overlay on the branch:\n%s", overlay)
			}
			if prs[0].Title != "Promote web-frontend to dev: v0.9.0 → v0.10.0" || !slices.Contains(prs[0].Labels, "env:dev") {
				t.Errorf("pull request %q labels %v", prs[0].Title, prs[0].Labels)
			}
		})
	}
}

func push(t *testing.T, s *Sandbox, repository, tag string) string {
	t.Helper()
	d, err := s.Push(context.Background(), repository, tag)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// followUp reports whether d is Stagehand's own follow-up of an earlier
// dev pull request rather than a decision on a registry event.
func followUp(d Decision) bool {
	return (d.Env != "" && d.Env != "dev") || d.What == "merged" || d.What == "deleted merged branch"
}

// devPulls lists the repository's dev pull requests.
func devPulls(s *Sandbox) ([]githubsim.PullRequest, error) {
	prs, err := s.Sim().PullRequests(s.Repo())
	if err != nil {
		return nil, err
	}
	var out []githubsim.PullRequest
	for _, pr := range prs {
		if strings.HasPrefix(pr.Head, "stagehand/dev/") {
			out = append(out, pr)
		}
	}
	return out, nil
}
