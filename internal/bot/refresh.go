package bot

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"strings"

	"github.com/google/go-github/v62/github"
	"go.uber.org/zap"

	"github.com/stagehand-gitops/stagehand/internal/forge"
	"github.com/stagehand-gitops/stagehand/internal/policy"
)

// PolicyCheck is the check run that says whether the policy on a commit is
// valid.
const PolicyCheck = "stagehand/policy"

// Start builds the routing index from every installed repository in one
// pass, then re-evaluates each indexed repository's pending promotions,
// so that gates that lifted while Stagehand was down are acted on and
// timers are set again. A repository (or an installation) that cannot be
// read does not hold the others back: it is left out, and tried again on
// its own with backoff until it can be read (see onRefresh). Start fails
// only when the App or its installations cannot be read, when nothing is
// known.
func (b *Bot) Start(ctx context.Context) error {
	if b.cfg.Installations == nil {
		return errors.New("bot: no way to list installations")
	}
	if b.cfg.Login != nil {
		self, err := b.cfg.Login(ctx)
		if err != nil {
			return err
		}
		b.mu.Lock()
		b.self = self
		b.mu.Unlock()
	}
	ids, err := b.cfg.Installations(ctx)
	if err != nil {
		return fmt.Errorf("list installations: %w", err)
	}
	for _, id := range ids {
		failed, err := b.refreshInstallation(ctx, id)
		if err != nil {
			b.retryRefresh(Refresh{Installation: id}, err)
		}
		for _, f := range failed {
			b.retryRefresh(Refresh{Installation: id, Repo: f.repo, Branch: f.branch}, f.err)
		}
	}
	for _, name := range b.index.Repos() {
		st := b.index.get(name)
		if err := b.enqueue(recheck(name, st.installation, "start", true)); err != nil {
			// The next event for the repository re-evaluates it.
			b.log.Warn("recheck at start not queued", zap.String("repo", name), zap.Error(err))
		}
	}
	return nil
}

// repoFailure is a repository whose policy could not be read.
type repoFailure struct {
	repo   forge.Repo
	branch string
	err    error
}

// refreshInstallation reads the policy of every repository of an
// installation. It returns the repositories that could not be read, and
// an error when the installation's repositories could not be listed.
func (b *Bot) refreshInstallation(ctx context.Context, id int64) ([]repoFailure, error) {
	f := b.cfg.Forges.Forge(id)
	var failed []repoFailure
	opts := &github.ListOptions{PerPage: 100}
	for {
		list, resp, err := f.Client().Apps.ListRepos(ctx, opts)
		if err != nil {
			return failed, fmt.Errorf("repositories of installation %d: %w", id, err)
		}
		for _, r := range list.Repositories {
			repo := forge.Repo{Owner: r.GetOwner().GetLogin(), Name: r.GetName()}
			if err := b.refreshRepo(ctx, f, id, repo, r.GetDefaultBranch(), ""); err != nil {
				failed = append(failed, repoFailure{repo: repo, branch: r.GetDefaultBranch(), err: err})
			}
		}
		if resp.NextPage == 0 {
			return failed, nil
		}
		opts.Page = resp.NextPage
	}
}

// refreshRepo reads the policy at commit (the default branch's head when
// empty) and puts it in the index. A repository without a policy leaves
// the index; an invalid policy leaves the previous entry in place and is
// reported as a failing check run on the commit. It returns the error of
// the policy, if any, only through the check. What a read that began
// before a newer one finds is dropped (see Index).
func (b *Bot) refreshRepo(ctx context.Context, f *forge.Forge, installation int64, repo forge.Repo, branch, commit string) error {
	if branch == "" {
		branch = "main"
	}
	ticket := b.index.begin()
	defer b.index.end(ticket)
	put := func(st *repoState) {
		if !b.index.put(repo.String(), st, ticket) {
			b.log.Info("routing index kept: a newer read won", zap.String("repo", repo.String()), zap.String("commit", commit))
		}
	}
	if commit == "" {
		head, err := f.Head(ctx, repo, branch)
		if errors.Is(err, fs.ErrNotExist) {
			put(nil)
			return nil
		}
		if err != nil {
			return err
		}
		commit = head
	}
	snap := f.Snapshot(ctx, repo, commit)
	data, err := fs.ReadFile(snap, policy.FileName)
	if errors.Is(err, fs.ErrNotExist) {
		put(nil)
		return nil
	}
	if err != nil {
		return fmt.Errorf("read %s of %s@%s: %w", policy.FileName, repo, commit, err)
	}
	pol, err := policy.Parse(policy.FileName, data)
	if err == nil {
		err = pol.Discover(snap)
		if err != nil && !policyError(err) {
			// A read failed (the archive, a blob): not the policy's fault,
			// so no failing check; the refresh is tried again.
			return fmt.Errorf("discover apps of %s@%s: %w", repo, commit, err)
		}
	}
	if err != nil {
		b.log.Info("policy invalid: index kept", zap.String("repo", repo.String()), zap.String("commit", commit), zap.Error(err))
		return b.policyCheck(ctx, f, repo, commit, err)
	}
	put(&repoState{repo: repo, installation: installation, defaultBranch: branch, commit: commit, pol: pol})
	b.log.Info("routing index refreshed", zap.String("repo", repo.String()), zap.String("commit", commit), zap.Int("apps", len(pol.Apps)))
	return nil
}

// policyError reports whether err is a problem of the policy or of the
// files it points at, which its check reports, rather than a failed read.
func policyError(err error) bool {
	var list policy.ErrorList
	var one *policy.Error
	return errors.As(err, &list) || errors.As(err, &one)
}

// policyCheck publishes the stagehand/policy check run on commit: success
// when perr is nil, else failure with one annotation per problem at its
// file and line.
func (b *Bot) policyCheck(ctx context.Context, f *forge.Forge, repo forge.Repo, commit string, perr error) error {
	run := forge.CheckRun{Name: PolicyCheck, HeadSHA: commit, Status: "completed", Conclusion: "success",
		Title: "Policy is valid", Summary: fmt.Sprintf("`%s` is valid; Stagehand routes images with it.", policy.FileName)}
	if perr != nil {
		run.Conclusion = "failure"
		run.Title = "Policy is invalid"
		var list policy.ErrorList
		var one *policy.Error
		switch {
		case errors.As(perr, &list):
		case errors.As(perr, &one):
			list = policy.ErrorList{one}
		}
		var b strings.Builder
		fmt.Fprintf(&b, "`%s` on this commit is invalid, so Stagehand keeps routing with the last valid policy.\n\n", policy.FileName)
		if len(list) == 0 {
			fmt.Fprintf(&b, "- %v\n", perr)
		}
		for _, e := range list {
			fmt.Fprintf(&b, "- %s\n", e.Error())
			file := e.File
			if file == "" {
				file = policy.FileName
			}
			line := max(e.Line, 1)
			run.Annotations = append(run.Annotations, &github.CheckRunAnnotation{
				Path: github.String(file), StartLine: github.Int(line), EndLine: github.Int(line),
				AnnotationLevel: github.String("failure"), Message: github.String(e.Msg), Title: github.String("invalid policy"),
			})
		}
		run.Summary = b.String()
	}
	if _, err := f.PublishCheck(ctx, repo, run); err != nil {
		return fmt.Errorf("publish %s on %s@%s: %w", PolicyCheck, repo, commit, err)
	}
	return nil
}
