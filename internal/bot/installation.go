package bot

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/google/go-github/v62/github"
	"go.uber.org/zap"

	"github.com/stagehand-gitops/stagehand/internal/event"
)

// onInstallation keeps the routing index in step with where the App is
// installed: an installation or added repositories are read (and their
// pending promotions re-evaluated), a removed installation or repository
// leaves the index.
func (b *Bot) onInstallation(ctx context.Context, d event.Delivery) error {
	var id int64
	switch p := d.Payload.(type) {
	case *github.InstallationEvent:
		id = p.GetInstallation().GetID()
		if a := p.GetAction(); a == "deleted" || a == "suspend" {
			for _, key := range append(b.index.reposOf(id), "installation/"+strconv.FormatInt(id, 10)) {
				b.forgetDue(key)
				b.forgetRepo(key)
			}
			b.index.removeInstallation(id)
			b.cfg.Forges.Forget(id)
			b.log.Info("installation removed from the routing index", zap.String("delivery_id", d.ID), zap.Int64("installation_id", id))
			return nil
		}
	case *github.InstallationRepositoriesEvent:
		id = p.GetInstallation().GetID()
		for _, r := range p.RepositoriesRemoved {
			b.forgetDue(r.GetFullName())
			b.index.set(r.GetFullName(), nil)
			b.forgetRepo(r.GetFullName())
		}
		if len(p.RepositoriesAdded) == 0 {
			return nil
		}
	default:
		return fmt.Errorf("%s delivery %s carries %T", d.Event, d.ID, d.Payload)
	}
	failed, err := b.refreshInstallation(ctx, id)
	errs := []error{err}
	for _, f := range failed {
		errs = append(errs, f.err)
	}
	for _, r := range b.index.Repos() {
		if st := b.index.get(r); st != nil && st.installation == id {
			errs = append(errs, b.enqueue(recheck(r, id, "installation-"+d.ID, true)),
				PostInstallChecks(ctx, b.cfg.Forges.Forge(id), st.repo, st.commit, st.pol))
		}
	}
	return errors.Join(errs...)
}
