package bot

import (
	"context"
	"errors"
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/stagehand-gitops/stagehand/internal/event"
	"github.com/stagehand-gitops/stagehand/internal/forge"
	"github.com/stagehand-gitops/stagehand/internal/policy"
	"github.com/stagehand-gitops/stagehand/internal/promote"
)

// onPush handles a push to the default branch: it refreshes the routing
// index when the policy or the layout changed, closes promotion pull
// requests the push made stale, and advances every promotion whose previous
// environment now runs something new (a merge into env N opens env N+1's
// pull request once its gates hold).
func (b *Bot) onPush(ctx context.Context, d event.Delivery) error {
	ev, ok := d.Payload.(*event.PushEvent)
	if !ok {
		return fmt.Errorf("push delivery %s carries %T", d.ID, d.Payload)
	}
	repo, err := parseRepo(d.Repo)
	if err != nil {
		return err
	}
	f := b.cfg.Forges.Forge(d.InstallationID)
	paths, policyChanged, layoutChanged := changes(ev)
	if st := b.index.get(d.Repo); st == nil || policyChanged || layoutChanged {
		valid, err := b.refresh(ctx, f, d.InstallationID, repo, ev.Repo.DefaultBranch, ev.GetAfter())
		if err != nil {
			return err
		}
		if valid && policyChanged {
			if err := b.policyCheck(ctx, f, repo, ev.GetAfter(), nil); err != nil {
				return err
			}
		}
	}
	st := b.index.get(d.Repo)
	if st == nil {
		return nil
	}
	snap := f.Snapshot(ctx, repo, ev.GetAfter())
	var errs []error
	// The next environment of every environment the push changed, and
	// whatever a gate held back; everything when the layout changed.
	var only []pair
	if !policyChanged && !layoutChanged {
		only = b.waitingPairs(d.Repo)
	}
	for _, t := range touched(st.pol, snap, paths) {
		errs = append(errs, b.closeStaleBranch(ctx, d, f, st, snap, t))
		if next := st.pol.Next(t.env); next != "" && only != nil && !slices.Contains(only, pair{t.app, t.image, next}) {
			only = append(only, pair{t.app, t.image, next})
		}
	}
	errs = append(errs, b.advance(ctx, d, f, st, snap, only))
	return errors.Join(errs...)
}

// refresh re-reads the policy at commit and reports whether it is valid.
func (b *Bot) refresh(ctx context.Context, f *forge.Forge, installation int64, repo forge.Repo, branch, commit string) (bool, error) {
	if err := b.refreshRepo(ctx, f, installation, repo, branch, commit); err != nil {
		return false, err
	}
	st := b.index.get(repo.String())
	return st != nil && st.commit == commit, nil
}

// changes lists the paths a push changed, and whether the policy file
// changed or overlays were added or removed (which changes which apps are
// found from the layout).
func changes(ev *event.PushEvent) ([]string, bool, bool) {
	seen := map[string]bool{}
	var paths []string
	var policyChanged, layoutChanged bool
	commits := append([]event.PushCommit(nil), ev.Commits...)
	if ev.HeadCommit != nil {
		commits = append(commits, *ev.HeadCommit)
	}
	for _, c := range commits {
		for _, lists := range [][]string{c.Added, c.Removed, c.Modified} {
			for _, p := range lists {
				if !seen[p] {
					seen[p] = true
					paths = append(paths, p)
				}
				if p == policy.FileName {
					policyChanged = true
				}
			}
		}
		for _, p := range append(append([]string(nil), c.Added...), c.Removed...) {
			switch path.Base(p) {
			case "kustomization.yaml", "kustomization.yml", "Kustomization":
				layoutChanged = true
			}
		}
	}
	return paths, policyChanged, layoutChanged
}

// pair is one image of one app in one environment.
type pair struct{ app, image, env string }

// touched returns the (app, image, env) whose overlays a push changed.
// Only apps whose name appears in a changed path can be touched (every
// overlay template names the app), which spares the others the lookup.
func touched(pol *policy.Policy, tree *forge.Snapshot, paths []string) []pair {
	var out []pair
	for _, app := range pol.Apps {
		if !slices.ContainsFunc(paths, func(p string) bool { return strings.Contains(p, app.Name) }) {
			continue
		}
		for _, env := range pol.Environments {
			dirs, err := pol.OverlayDirs(tree, app.Name, env.Name)
			if err != nil {
				continue
			}
			files, err := pol.SourceFiles(tree, app.Name, env.Name)
			if err != nil || (!anyUnder(paths, dirs) && !slices.ContainsFunc(files, func(f string) bool { return slices.Contains(paths, f) })) {
				continue
			}
			for _, img := range app.Images {
				out = append(out, pair{app.Name, img.Name, env.Name})
			}
		}
	}
	return out
}

func anyUnder(paths, dirs []string) bool {
	for _, p := range paths {
		for _, d := range dirs {
			if strings.HasPrefix(p, d+"/") {
				return true
			}
		}
	}
	return false
}

// closeStaleBranch closes the open promotion pull request of t, if the
// base now holds or has passed its change.
func (b *Bot) closeStaleBranch(ctx context.Context, d event.Delivery, f *forge.Forge, st *repoState, base *forge.Snapshot, t pair) error {
	open, _, err := f.BranchPulls(ctx, st.repo, promote.BranchName(t.env, t.app))
	if err != nil || open == nil {
		return err
	}
	pending, err := b.pendingVersion(ctx, f, st, open, t.app, t.image, t.env)
	if err != nil {
		return err
	}
	_, err = b.closeStale(ctx, d, f, st, base, open, pending, t.app, t.image, t.env)
	return err
}
