package promote

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/stagehand-gitops/stagehand/internal/golden"
	"github.com/stagehand-gitops/stagehand/internal/policy"
)

// releasedTree is trainTree after the release of checkout to prod:
// order-service and web moved, payment-service ran v2.1.0 already.
func releasedTree() map[policy.ImageRef]Version {
	return map[policy.ImageRef]Version{
		{App: "order-service", Image: "ghcr.io/acme/order-service"}:     {Tag: "v1.2.3"},
		{App: "payment-service", Image: "ghcr.io/acme/payment-service"}: {Tag: "v2.1.0"},
		{App: "web", Image: "ghcr.io/acme/web"}:                         {Tag: "v5.0.0"},
		{App: "web", Image: "ghcr.io/acme/web-assets"}:                  {Tag: "v5.0.0", Digest: "sha256:" + strings.Repeat("a", 64)},
	}
}

func TestPlanGroupRollback(t *testing.T) {
	pol := mustTrainPolicy(t)
	tree := trainTree()
	tree["apps/order-service/overlays/prod/kustomization.yaml"] = trainOverlay("order-service", "v1.3.0")
	tree["apps/payment-service/overlays/prod/kustomization.yaml"] = trainOverlay("payment-service", "v2.1.0")
	tree["apps/web/overlays/prod/kustomization.yaml"] = trainOverlay("web", "v5.1.0", "web-assets", "v5.1.0")
	r := GroupRollback{Group: "checkout", Env: "prod", Release: "0123456789abcdef0123", Before: releasedTree(),
		Branch: "stagehand-rollback/prod/checkout", Labels: []string{"stagehand", "env:prod", "rollback"}, Requester: "sam"}
	g, skip, err := PlanGroupRollback(pol, tree, r)
	if err != nil || skip != nil {
		t.Fatalf("PlanGroupRollback = %+v, %v", skip, err)
	}
	if len(g.Files) != 2 || g.Branch != r.Branch || g.Held || g.RollbackOf != r.Release {
		t.Fatalf("%d files, branch %q, held %v, rollback of %q", len(g.Files), g.Branch, g.Held, g.RollbackOf)
	}
	web := string(g.Files[1].After)
	if g.Files[1].Path != "apps/web/overlays/prod/kustomization.yaml" || strings.Count(web, "v5.0.0") != 2 || !strings.Contains(web, "digest: sha256:aaaa") {
		t.Errorf("web's overlay:\n%s", web)
	}
	if want := "Roll back checkout in prod: order-service v1.3.0 → v1.2.3, web v5.1.0 → v5.0.0"; g.Title != want {
		t.Errorf("title = %q\nwant    %q", g.Title, want)
	}
	if len(g.Members) != 3 || len(g.Members[1].Changes) != 0 {
		t.Errorf("members %+v; want payment-service unchanged", g.Members)
	}
	golden.CheckString(t, filepath.Join("testdata", "group-rollback-body.md"), g.Body)
	golden.CheckString(t, filepath.Join("testdata", "group-rollback-commit.txt"), g.CommitMessage)
	// Its own commit is no release: a second rollback finds the same one.
	if ReleasesGroup(g.CommitMessage, "checkout", "prod") {
		t.Error("the rollback's commit counts as a release of checkout")
	}

	// Merged, asked again: nothing to go back to.
	for _, f := range g.Files {
		tree[f.Path].Data = f.After
	}
	if _, skip, err = PlanGroupRollback(pol, tree, r); err != nil || skip == nil || !skip.UpToDate {
		t.Errorf("after the rollback: skip %+v, err %v", skip, err)
	}
}

func TestReleasesGroup(t *testing.T) {
	release := GroupProposal{Group: "checkout", Env: "prod", From: "staging", Members: []Member{{App: "web", Changes: []Proposal{{Image: "ghcr.io/acme/web"}}}}}
	release.Title = groupTitle(release)
	for _, tt := range []struct {
		name, message string
		want          bool
	}{
		{"the release's commit", groupCommitMessage(release, "d-1"), true},
		{"a squash merge of it", release.Title + " (#6)\n\n* squashed", true},
		{"a title with no member", "Release checkout to prod", true},
		{"trailers only", "Ship it\n\nStagehand-Group: checkout\nStagehand-Env: prod\n", true},
		{"another environment", "Release checkout to staging: web v1 → v2", false},
		{"another group", "Release checkouts to prod: web v1 → v2\n\nStagehand-Group: checkouts\nStagehand-Env: prod\n", false},
		{"a group trailer of another environment", "x\n\nStagehand-Group: checkout\nStagehand-Env: staging\n", false},
		{"a rollback", "Roll back checkout in prod: web v2 → v1\n\nStagehand-Group: checkout\nStagehand-Env: prod\nStagehand-Rollback-Of: abc\n", false},
		{"a merge commit", "Merge pull request #6 from acme/stagehand/prod/checkout\n\nRelease checkout to prod: web v1 → v2", false},
		{"an app's promotion", "Promote web to prod: v1 → v2\n\nStagehand-App: web\nStagehand-Env: prod\n", false},
		{"empty", "", false},
	} {
		if got := ReleasesGroup(tt.message, "checkout", "prod"); got != tt.want {
			t.Errorf("%s: ReleasesGroup = %v, want %v", tt.name, got, tt.want)
		}
	}
}

// FuzzReleasesGroup: any commit message is read without a panic, and a
// message with the rollback trailer is never a release unless its title
// is the release's.
func FuzzReleasesGroup(f *testing.F) {
	f.Add("Release checkout to prod: web v1 → v2\n\nStagehand-Group: checkout\nStagehand-Env: prod\n", "checkout", "prod")
	f.Add("Roll back checkout in prod\n\nStagehand-Rollback-Of: abc\n", "checkout", "prod")
	f.Add("\n\n:\n", "", "")
	f.Fuzz(func(t *testing.T, message, group, env string) {
		got := ReleasesGroup(message, group, env)
		title, _, _ := strings.Cut(message, "\n")
		if got && !strings.HasPrefix(strings.TrimSpace(title), "Release "+group+" to "+env) && strings.Contains(message, trailerRollbackOf) {
			t.Errorf("ReleasesGroup(%q) = true for a message with the rollback trailer", message)
		}
	})
}
