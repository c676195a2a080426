package bot

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"sync"
	"time"

	"github.com/google/go-github/v62/github"
	"go.uber.org/zap"

	"github.com/stagehand-gitops/stagehand/internal/chatops"
	"github.com/stagehand-gitops/stagehand/internal/event"
	"github.com/stagehand-gitops/stagehand/internal/forge"
	"github.com/stagehand-gitops/stagehand/internal/policy"
	"github.com/stagehand-gitops/stagehand/internal/promote"
	"github.com/stagehand-gitops/stagehand/internal/registry"
	"github.com/stagehand-gitops/stagehand/internal/tags"
)

// imageDelivery is the delivery that brings one registry event from a
// GitHub package event to one config repository; its ID is derived from
// the package event's.
func imageDelivery(id string, ev registry.ImagePushed, t Target) event.Delivery {
	return event.Delivery{ID: id + ":" + t.Repo, Event: EventImagePushed, Repo: t.Repo, InstallationID: t.InstallationID, Payload: ev}
}

// onPackage turns a GitHub package or registry_package event into image
// events, one per config repository that tracks the image.
func (b *Bot) onPackage(ctx context.Context, d event.Delivery) error {
	var pkg *event.PublishedPackage
	var action string
	switch p := d.Payload.(type) {
	case *event.RegistryPackageEvent:
		pkg, action = p.RegistryPackage, p.GetAction()
	case *event.PackageEvent:
		pkg, action = p.Package, p.GetAction()
	default:
		return fmt.Errorf("%s delivery %s carries %T", d.Event, d.ID, d.Payload)
	}
	if pkg == nil {
		b.decision(d, "", "", "ignored: no package in the payload")
		return nil
	}
	evs, err := registry.FromGitHubPackage(githubPackage(action, pkg))
	if err != nil {
		b.decision(d, "", "", "ignored: "+err.Error())
		return nil
	}
	var errs []error
	for _, ev := range evs {
		targets := b.index.Targets(ev.Image())
		if len(targets) == 0 {
			b.decision(d, "", "", "untracked image", zap.String("image", ev.Image()), zap.String("tag", ev.Tag))
			continue
		}
		for _, t := range targets {
			errs = append(errs, b.enqueue(imageDelivery(d.ID, ev, t)))
		}
	}
	return errors.Join(errs...)
}

// githubPackage maps the decoded package event onto the registry's view,
// as registry.ParseGitHubPackage reads the raw payload: the version's
// update time when GitHub knows it, else the package's.
func githubPackage(action string, p *event.PublishedPackage) registry.GitHubPackage {
	v := p.GetPackageVersion()
	gp := registry.GitHubPackage{Action: action, Owner: p.Owner.GetLogin(), Name: p.GetName(),
		Version: v.GetName(), PackageURL: v.GetPackageURL()}
	if p.PackageType != nil {
		gp.PackageType = *p.PackageType
	}
	if cm := v.GetContainerMetadata(); cm != nil {
		gp.Tag, gp.TagDigest = cm.GetTag().GetName(), cm.GetTag().GetDigest()
		if mt, ok := cm.Manifest["media_type"].(string); ok {
			gp.MediaType = mt
		}
	}
	if p.UpdatedAt != nil {
		gp.UpdatedAt = githubTime(*p.UpdatedAt)
	}
	if v != nil && v.UpdatedAt != nil {
		if t := githubTime(*v.UpdatedAt); !t.IsZero() {
			gp.UpdatedAt = t
		}
	}
	return gp
}

// githubTime reads a GitHub timestamp; GitHub sends "0001-01-01T00:00:00Z"
// for a time it does not know, which is as good as none.
func githubTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil || t.Year() <= 1 {
		return time.Time{}
	}
	return t
}

// onImage proposes a pushed tag to the first environment of every app of
// the repository that tracks the image.
func (b *Bot) onImage(ctx context.Context, d event.Delivery) error {
	ev, ok := d.Payload.(registry.ImagePushed)
	if !ok {
		return fmt.Errorf("%s delivery %s carries %T", d.Event, d.ID, d.Payload)
	}
	st := b.index.get(d.Repo)
	if st == nil {
		b.decision(d, "", "", "untracked: repository has no policy", zap.String("image", ev.Image()))
		return nil
	}
	refs := st.pol.AppsForImage(ev.Image())
	if len(refs) == 0 {
		b.decision(d, "", "", "untracked image", zap.String("image", ev.Image()), zap.String("tag", ev.Tag))
		return nil
	}
	if b.cfg.Resolver != nil {
		confirmed, err := b.confirm(ctx, ev)
		if errors.Is(err, registry.ErrTagNotFound) {
			b.decision(d, "", "", "ignored: tag does not resolve in the registry", zap.String("ref", ev.Ref()))
			return nil
		}
		if err != nil {
			return fmt.Errorf("confirm %s: %w", ev.Ref(), err)
		}
		ev = confirmed
	}
	f := b.cfg.Forges.Forge(st.installation)
	first := st.pol.Environments[0].Name
	var auto []policy.ImageRef
	for _, ref := range refs {
		if e, _ := st.pol.Env(ref.App, first); e.Promotion == policy.Manual {
			b.decision(d, ref.App, first, "skipped: promotion is manual", zap.String("tag", ev.Tag))
			continue
		}
		auto = append(auto, ref)
	}
	in, err := b.gather(ctx, d, f, st, auto, first)
	if err != nil {
		return err
	}
	push := promote.Push{Image: ev.Image(), Tag: ev.Tag, Digest: ev.Digest}
	var errs []error
	for i, ref := range auto {
		if why := held(in.holds, ref.App, first); why != "" {
			b.decision(d, ref.App, first, "skipped: held", zap.String("reason", why), zap.String("tag", ev.Tag))
			continue
		}
		if _, err := b.pushApp(ctx, d, f, st, in.snap, ref, first, push, in.open[i]); err != nil {
			errs = append(errs, err)
		}
	}
	errs = append(errs, b.pushChannels(ctx, d, f, st, in, refs, push))
	return errors.Join(errs...)
}

// pushChannels offers the pushed tag to the later environments that carry
// the version through a channel of their own (carry: version): a release
// candidate pushed after dev runs that version opens staging's pull request
// at once, once staging's gates hold; if dev does not run the version yet,
// nothing opens and the tag waits for the merge into dev.
func (b *Bot) pushChannels(ctx context.Context, d event.Delivery, f *forge.Forge, st *repoState, in facts, refs []policy.ImageRef, push promote.Push) error {
	pushed := []tags.Candidate{{Tag: push.Tag, Digest: push.Digest}}
	holds := func() (chatops.Holds, error) { return in.holds, nil }
	var errs []error
	for _, ref := range refs {
		for _, env := range st.pol.Environments[1:] {
			e, _ := st.pol.Env(ref.App, env.Name)
			if e.Carry != policy.CarryVersion || e.Promotion == policy.Manual {
				continue
			}
			out, until, err := b.promoteNext(ctx, d, f, st, in.snap, ref.App, ref.Image, env.Name, holds, true, pushed)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			b.setWaiting(st, pair{ref.App, ref.Image, env.Name}, out.Waiting)
			if out.Waiting && !until.IsZero() {
				b.scheduleRecheck(st, until)
			}
		}
	}
	return errors.Join(errs...)
}

// confirm asks the registry what the pushed tag points at. A tag that does
// not resolve is asked for again after each of ConfirmWaits: a registry may
// notify before it has written the tag (CNCF Distribution does).
func (b *Bot) confirm(ctx context.Context, ev registry.ImagePushed) (registry.ImagePushed, error) {
	for i := 0; ; i++ {
		confirmed, err := b.cfg.Resolver.Confirm(ctx, ev)
		if !errors.Is(err, registry.ErrTagNotFound) || i == len(b.cfg.ConfirmWaits) {
			return confirmed, err
		}
		select {
		case <-ctx.Done():
			return ev, ctx.Err()
		case <-time.After(b.cfg.ConfirmWaits[i]):
		}
	}
}

// facts are what an image event reads from GitHub before deciding.
type facts struct {
	snap  *forge.Snapshot
	holds chatops.Holds
	open  []*github.PullRequest // per ref, the open pull request of its branch
}

// gather reads the default branch's head, the holds and each app's open
// pull request at the same time: they do not depend on each other, and
// each is a round trip to GitHub.
func (b *Bot) gather(ctx context.Context, d event.Delivery, f *forge.Forge, st *repoState, refs []policy.ImageRef, env string) (facts, error) {
	in := facts{open: make([]*github.PullRequest, len(refs))}
	errs := make([]error, 2+len(refs))
	var wg sync.WaitGroup
	wg.Go(func() { in.snap, errs[0] = f.SnapshotBranch(ctx, st.repo, st.defaultBranch) })
	wg.Go(func() { in.holds, errs[1] = b.holds(ctx, d, f, st) })
	for i, ref := range refs {
		wg.Go(func() { in.open[i], _, errs[2+i] = f.BranchPulls(ctx, st.repo, promote.BranchName(env, ref.App)) })
	}
	wg.Wait()
	return in, errors.Join(errs...)
}

// pushApp proposes the pushed tag to one app in env, unless an open pull
// request already proposes something the rule ranks higher.
func (b *Bot) pushApp(ctx context.Context, d event.Delivery, f *forge.Forge, st *repoState, base fs.FS, ref policy.ImageRef, env string, push promote.Push, open *github.PullRequest) (Outcome, error) {
	req := promote.Request{Push: push, Env: env, Delivery: d.ID}
	plan := func(tree fs.FS) (promote.Proposal, *promote.Skip, error) {
		return b.checkSignatures(ctx, st, tree, &req.Trust, nil, func() (promote.Proposal, *promote.Skip, error) { return planPushFor(st.pol, tree, req, ref, env, push) })
	}
	out := Outcome{App: ref.App, Env: env, Image: ref.Image}
	p, skip, err := plan(base)
	if err != nil {
		return out, err
	}
	var pending promote.Version
	if open != nil {
		if pending, err = b.pendingVersion(ctx, f, st, open, ref.App, ref.Image, env); err != nil {
			return out, err
		}
		closed, err := b.closeStale(ctx, d, f, st, base, open, pending, ref.App, ref.Image, env)
		if err != nil {
			return out, err
		}
		if closed {
			pending = promote.Version{}
		}
	}
	if skip != nil {
		out.Skip = skip
		b.decision(d, ref.App, env, "skipped: "+skip.Reason, zap.String("tag", push.Tag))
		return out, nil
	}
	ok, why, err := promote.Supersedes(st.pol, base, ref.App, ref.Image, env, push, pending)
	if err != nil {
		return out, err
	}
	if !ok {
		if open != nil {
			// The open pull request's labels depend on its environment only;
			// an earlier run may have opened it and failed before them.
			if err := f.EnsureLabels(ctx, st.repo, open, p.Labels); err != nil {
				return out, err
			}
		}
		out.Skip = &promote.Skip{App: ref.App, Env: env, Image: ref.Image, Reason: why}
		b.decision(d, ref.App, env, "skipped: "+why, zap.String("tag", push.Tag))
		return out, nil
	}
	return b.apply(ctx, d, f, st, p, plan)
}

// planPushFor plans the push and picks ref's proposal or skip from it.
func planPushFor(pol *policy.Policy, tree fs.FS, req promote.Request, ref policy.ImageRef, env string, push promote.Push) (promote.Proposal, *promote.Skip, error) {
	pl, err := promote.PlanPush(pol, tree, req)
	if err != nil {
		return promote.Proposal{}, nil, err
	}
	for _, p := range pl.Proposals {
		if p.App == ref.App && p.Image == ref.Image {
			return p, nil, nil
		}
	}
	for _, s := range pl.Skips {
		if s.App == ref.App && s.Image == ref.Image {
			return promote.Proposal{}, &s, nil
		}
	}
	return promote.Proposal{}, &promote.Skip{App: ref.App, Env: env, Image: ref.Image, Reason: "the policy does not route " + push.Image + " here"}, nil
}
