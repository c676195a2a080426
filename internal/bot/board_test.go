package bot

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/stagehand-gitops/stagehand/internal/githubsim"
	"github.com/stagehand-gitops/stagehand/internal/registry"
)

// TestBoardFacts: a carry: version environment whose channel has no tag
// of the version yet waits on the board in the planner's words; once the
// rc is pushed, the board has its pull request with the stagehand/<env>
// check run on the pull request's head.
func TestBoardFacts(t *testing.T) {
	w, image := channelWorld(t)
	pushImage(t, image, "v1.2.4-dev", nil, "")
	w.eventually("dev merged", func() bool { prs := w.pulls(); return len(prs) == 1 && prs[0].Merged })
	f, err := w.bot.Board(context.Background(), configRepo)
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(f.Waiting, func(x Waiting) bool { return x.App == "web" && x.Env == "staging" })
	// The registry lists only v1.2.4-dev: the planner's one rejection.
	if i < 0 || !slices.Contains(f.Waiting[i].Reasons, `v1.2.4-dev: not in staging's channel (allowTags ^v\d+\.\d+\.\d+-rc\d+$)`) {
		t.Fatalf("staging waits for its channel's tag, the board says %+v", f.Waiting)
	}
	if f.Head == "" || len(f.Checks) != 0 {
		t.Errorf("head %q, checks %v", f.Head, f.Checks)
	}

	pushImage(t, image, "v1.2.4-rc1", nil, "")
	w.eventually("staging pull request", func() bool { _, ok := w.open()["stagehand/staging/web"]; return ok })
	w.settle()
	if f, err = w.bot.Board(context.Background(), configRepo); err != nil {
		t.Fatal(err)
	}
	if len(f.Waiting) != 0 || len(f.Status.Open) != 1 {
		t.Fatalf("waiting %+v, open %+v", f.Waiting, f.Status.Open)
	}
	checks := f.Checks[f.Status.Open[0].PR.Number]
	j := slices.IndexFunc(checks, func(c Check) bool { return c.Name == "stagehand/staging" })
	if j < 0 || checks[j].State == "" || !strings.Contains(checks[j].URL, "/runs/") {
		t.Errorf("checks of the staging pull request: %+v", checks)
	}

	// Checks that cannot be read leave the grid whole, with a note.
	w.sim.SetFaults(githubsim.Faults{Operations: []string{"checks/list-for-ref"}, NotFound: 10})
	defer w.sim.SetFaults(githubsim.Faults{})
	if f, err = w.bot.Board(context.Background(), configRepo); err != nil {
		t.Fatal(err)
	}
	n := f.Status.Open[0].PR.Number
	if len(f.Checks[n]) != 0 || !slices.ContainsFunc(f.Status.Notes, func(s string) bool { return strings.HasPrefix(s, fmt.Sprintf("the checks of #%d cannot be read: ", n)) }) {
		t.Errorf("unreadable checks: %+v, notes %q", f.Checks, f.Status.Notes)
	}
}

// channelWorld is a world whose staging carries the version from dev
// (channelPolicy), on a registry of its own; it returns the image.
func channelWorld(t *testing.T) (*world, string) {
	res := registry.NewResolver()
	w := newWorld(t, worldOptions{resolver: res, tags: res})
	image := startDistribution(t, w.srv.URL+"/webhooks/registry/distribution") + "/acme/web"
	w.useChannels(image)
	return w, image
}
