package bot

import (
	"context"
	"errors"
	"strings"

	"github.com/google/go-github/v62/github"

	"github.com/stagehand-gitops/stagehand/internal/event"
	"github.com/stagehand-gitops/stagehand/internal/forge"
)

// onStatus handles what can turn something green: a successful commit
// status, check suite or check run merges the auto-merge pull requests
// whose head it is on; a successful commit status or deployment status can
// satisfy a requireHealthy gate, so pending promotions and the checks that
// failed on health are re-evaluated.
func (b *Bot) onStatus(ctx context.Context, d event.Delivery) error {
	st := b.index.get(d.Repo)
	if st == nil {
		return nil
	}
	f := b.cfg.Forges.Forge(st.installation)
	var errs []error
	if sha := headSHA(d.Payload); sha != "" && d.Event != event.DeploymentStatus {
		errs = append(errs, b.mergeGreen(ctx, d, f, st, sha))
	}
	if d.Event == event.Status || d.Event == event.DeploymentStatus {
		errs = append(errs, b.recheckHealth(ctx, f, st))
	}
	if waiting := b.waitingPairs(d.Repo); len(waiting) > 0 && (d.Event == event.Status || d.Event == event.DeploymentStatus) {
		snap, err := f.SnapshotBranch(ctx, st.repo, st.defaultBranch)
		if err != nil {
			return errors.Join(append(errs, err)...)
		}
		errs = append(errs, b.advance(ctx, d, f, st, snap, waiting))
	}
	return errors.Join(errs...)
}

// headSHA is the commit a status or check event is about.
func headSHA(payload any) string {
	switch p := payload.(type) {
	case *github.StatusEvent:
		return p.GetSHA()
	case *github.CheckSuiteEvent:
		return p.GetCheckSuite().GetHeadSHA()
	case *github.CheckRunEvent:
		return p.GetCheckRun().GetHeadSHA()
	case *github.DeploymentStatusEvent:
		return p.GetDeployment().GetSHA()
	}
	return ""
}

// mergeGreen merges the open promotion pull requests whose head is sha,
// in environments that auto-merge.
func (b *Bot) mergeGreen(ctx context.Context, d event.Delivery, f *forge.Forge, st *repoState, sha string) error {
	prs, err := f.OpenProposals(ctx, st.repo, branchPrefix)
	if err != nil {
		return err
	}
	var errs []error
	for _, pr := range prs {
		if pr.GetHead().GetSHA() != sha {
			continue
		}
		env, app, ok := parseBranch(pr.GetHead().GetRef())
		if !ok {
			continue
		}
		if e, ok := st.pol.Env(app, env); !ok || !e.AutoMerge {
			continue
		}
		_, err := b.tryMerge(ctx, d, f, st, app, env, pr.GetNumber(), sha)
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// parseBranch reads env and app from stagehand/<env>/<app>.
func parseBranch(branch string) (string, string, bool) {
	rest, ok := strings.CutPrefix(branch, branchPrefix)
	if !ok {
		return "", "", false
	}
	env, app, ok := strings.Cut(rest, "/")
	return env, app, ok && env != "" && app != ""
}
