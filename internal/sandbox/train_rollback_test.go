package sandbox

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stagehand-gitops/stagehand/internal/promote"
)

// TestTrainRollback: after the train's release into prod, one comment
// rolls the whole train back: one pull request whose one commit sets the
// three members' prod overlays back to what prod ran before the release.
func TestTrainRollback(t *testing.T) {
	s := start(t, "../../testdata/demo-repo")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	tree, err := s.Forge().SnapshotBranch(ctx, s.repo, "main")
	if err != nil {
		t.Fatal(err)
	}
	pol, err := seedPolicy(tree)
	if err != nil {
		t.Fatal(err)
	}
	before := promote.Inventory(pol, tree)
	var out bytes.Buffer
	train, err := s.PlayTrain(ctx, &out, 0)
	if err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	out.Reset()
	res, err := s.RollbackTrain(ctx, &out, train, 0)
	t.Logf("timeline:\n%s", out.String())
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(res.Changed, "\n") != strings.Join(train.Changed, "\n") {
		t.Errorf("the rollback's commit changed %q, want the train's %q", res.Changed, train.Changed)
	}
	if !res.PR.Merged || res.PR.Head != "stagehand-rollback/prod/checkout" || !strings.HasPrefix(res.PR.Title, "Roll back checkout in prod: ") {
		t.Errorf("PR #%d %q head %q merged %v", res.PR.Number, res.PR.Title, res.PR.Head, res.PR.Merged)
	}
	if got, want := runs(res.Inventory, train.Env), runs(before, train.Env); got != want {
		t.Errorf("prod runs %s after the rollback, want what it ran before the train: %s", got, want)
	}
	for _, line := range []string{"sre        commented on #3: /rollback checkout in prod", "🚀 Done: `checkout` in `prod`: 3 apps back to what ran before"} {
		if !strings.Contains(out.String(), line) {
			t.Errorf("timeline lacks %q", line)
		}
	}
}

// runs is what every app runs in env, one "app=version" each.
func runs(rows []promote.Row, env string) string {
	var out []string
	for _, row := range rows {
		for _, c := range row.Envs {
			if c.Env == env {
				out = append(out, row.App+"="+c.Version.String())
			}
		}
	}
	return strings.Join(out, " ")
}
