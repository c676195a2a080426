package bot

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/google/go-github/v62/github"

	"github.com/stagehand-gitops/stagehand/internal/checks"
	"github.com/stagehand-gitops/stagehand/internal/forge"
	"github.com/stagehand-gitops/stagehand/internal/policy"
)

// recheckHealth evaluates again the checks of the open pull requests whose
// stagehand check failed on the health rule: a successful commit status or
// deployment status may be the one it waited for. A policy without
// requireHealthy spares the calls.
func (b *Bot) recheckHealth(ctx context.Context, f *forge.Forge, st *repoState) error {
	if !requiresHealth(st.pol) {
		return nil
	}
	numbers, err := pullsFailingHealth(ctx, f, st)
	if err != nil {
		return err
	}
	var errs []error
	for _, n := range numbers {
		if err := b.checkPull(ctx, f, st, n, nil); err != nil {
			errs = append(errs, fmt.Errorf("checks of %s#%d: %w", st.repo, n, err))
		}
	}
	return errors.Join(errs...)
}

// requiresHealth reports whether any environment, or any app's override
// of one, sets requireHealthy.
func requiresHealth(pol *policy.Policy) bool {
	for _, env := range pol.Environments {
		for _, app := range pol.Apps {
			if e, _ := pol.Env(app.Name, env.Name); e.RequireHealthy {
				return true
			}
		}
		if env.RequireHealthy {
			return true
		}
	}
	return false
}

// pullsFailingHealth lists the open pull requests into the default branch
// whose newest stagehand check failed on the health rule.
func pullsFailingHealth(ctx context.Context, f *forge.Forge, st *repoState) ([]int, error) {
	return openPulls(ctx, f, st, func(pr *github.PullRequest) (bool, error) {
		runs, err := existingRuns(ctx, f, st.repo, pr.GetHead().GetSHA())
		if err != nil {
			return false, err
		}
		return slices.ContainsFunc(slices.Collect(maps.Values(runs)), failedOnHealth), nil
	})
}

// failedOnHealth reports whether a stagehand check run failed on the
// health rule (its title lists the failed rules).
func failedOnHealth(r *github.CheckRun) bool {
	title, ok := strings.CutPrefix(r.GetOutput().GetTitle(), "Failed: ")
	return ok && r.GetConclusion() == string(checks.Failure) &&
		slices.Contains(strings.FieldsFunc(title, func(c rune) bool { return c == ',' || c == ' ' }), string(checks.RuleHealth))
}
