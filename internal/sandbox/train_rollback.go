package sandbox

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/stagehand-gitops/stagehand/internal/bot"
	"github.com/stagehand-gitops/stagehand/internal/githubsim"
	"github.com/stagehand-gitops/stagehand/internal/promote"
)

// TrainRollback is what rolling the release train back did.
type TrainRollback struct {
	// PR is the one rollback pull request, merged.
	PR githubsim.PullRequest
	// Changed are the files its one commit changed, sorted.
	Changed []string
	// Inventory is what every app runs in every environment at the end.
	Inventory []promote.Row
}

// RollbackTrain plays, after PlayTrain, the rollback of the whole train:
// the promoter's one "/rollback checkout in <env>" opens one pull request
// whose one commit sets every member back to what it ran before the
// train's release, which the promoter approves and merges.
func (s *Sandbox) RollbackTrain(ctx context.Context, w io.Writer, train TrainResult, timeout time.Duration) (TrainRollback, error) {
	var out TrainRollback
	if timeout <= 0 {
		timeout = 20 * time.Second
	}
	if train.Skipped != "" || !train.PR.Merged {
		return out, fmt.Errorf("the train was not released (%s), so there is nothing to roll back", train.Skipped)
	}
	t := &timeline{w: w, start: time.Now()}
	base, err := s.sim.RefSHA(s.repo.String(), "heads/main")
	if err != nil {
		return out, err
	}
	n, err := s.sim.CreateIssue(promoter, s.repo.String(), "Roll back "+TrainGroup, "")
	if err != nil {
		return out, fmt.Errorf("open an issue: %w", err)
	}
	cmd := fmt.Sprintf("/rollback %s in %s", TrainGroup, train.Env)
	reaction, err := s.command(ctx, t, promoter, n, cmd, timeout)
	if err != nil {
		return out, err
	}
	if reaction != "rocket" {
		return out, fmt.Errorf("%s's %s did not succeed (reaction %q)", promoter, cmd, reaction)
	}
	pr, err := s.openPR(ctx, timeout, bot.RollbackBranch(train.Env, TrainGroup))
	if err != nil {
		return out, fmt.Errorf("no pull request for the train's rollback: %w", err)
	}
	t.say("github", "PR #%d opened by Stagehand: %q %s", pr.Number, pr.Title, s.prURL(pr.Number))
	if out.Changed, err = s.commitFiles(ctx, pr.HeadSHA, base); err != nil {
		return out, err
	}
	t.say("github", "PR #%d holds one commit changing %s", pr.Number, strings.Join(out.Changed, ", "))
	tree, err := s.Forge().SnapshotBranch(ctx, s.repo, "main")
	if err != nil {
		return out, err
	}
	pol, err := seedPolicy(tree)
	if err != nil {
		return out, err
	}
	env, _ := pol.Env("", train.Env)
	if out.PR, err = s.approveAndMerge(t, Step{Env: env}, pr); err != nil {
		return out, err
	}
	if tree, err = s.Forge().SnapshotBranch(ctx, s.repo, "main"); err != nil {
		return out, err
	}
	out.Inventory = promote.Inventory(pol, tree)
	t.say("story", "complete: the train %s runs in %s what it ran before its release", TrainGroup, train.Env)
	writeInventory(w, out.Inventory)
	return out, nil
}
