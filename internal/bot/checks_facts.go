package bot

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"

	"github.com/google/go-github/v62/github"

	"github.com/stagehand-gitops/stagehand/internal/chatops"
	"github.com/stagehand-gitops/stagehand/internal/checks"
	"github.com/stagehand-gitops/stagehand/internal/event"
	"github.com/stagehand-gitops/stagehand/internal/forge"
	"github.com/stagehand-gitops/stagehand/internal/queue"
)

// checkHistoryLimit bounds the commits read per overlay for the order
// and soak rules.
const checkHistoryLimit = 100

// evaluate gathers the facts of a pull request and asks checks for its
// verdicts.
func (b *Bot) evaluate(ctx context.Context, f *forge.Forge, st *repoState, pr *github.PullRequest) (checks.Report, error) {
	in, err := b.checkFacts(ctx, f, st, pr)
	if err != nil {
		return checks.Report{}, err
	}
	rep, err := checks.Evaluate(in)
	if err != nil {
		return checks.Report{}, fmt.Errorf("evaluate: %w", err)
	}
	return rep, nil
}

// unevaluated reports on sha, in every environment's check, that the
// facts could not be read (checks.Unevaluated), and returns why, so that
// the delivery is retried: a failure to read is never a verdict.
func unevaluated(ctx context.Context, f *forge.Forge, st *repoState, sha string, why error) error {
	if ctx.Err() != nil {
		return why
	}
	posted, err := existingRuns(ctx, f, st.repo, sha)
	if err != nil {
		return errors.Join(why, err)
	}
	errs := []error{why}
	for _, env := range st.pol.Environments {
		v := checks.Unevaluated(env.Name, why)
		errs = append(errs, publishVerdict(ctx, f, st.repo, sha, v, posted[v.Name]))
	}
	return errors.Join(errs...)
}

// checkFacts gathers what checks.Evaluate needs about a pull request: the
// base branch's head and the head commit as snapshots, the changed files, the labels and who added them, the holds, team
// memberships for the emergency label, the history, and the time.
func (b *Bot) checkFacts(ctx context.Context, f *forge.Forge, st *repoState, pr *github.PullRequest) (checks.Input, error) {
	repo := st.repo
	baseSHA, err := f.Head(ctx, repo, st.defaultBranch)
	if err != nil {
		return checks.Input{}, fmt.Errorf("head of %s: %w", st.defaultBranch, err)
	}
	headSHA := pr.GetHead().GetSHA()
	in := checks.Input{Base: f.Snapshot(ctx, repo, baseSHA), Head: f.Snapshot(ctx, repo, headSHA), Now: b.cfg.Now(), Charts: b.cfg.Charts,
		PR: checks.PR{Number: pr.GetNumber(), Author: pr.GetUser().GetLogin()}}
	if in.PR.ByRollback, err = b.byRollback(ctx, repo, pr); err != nil {
		return in, err
	}
	// GitHub lists the files a pull request changes against its merge
	// base, so the merge base itself need not be read.
	if in.Changed, err = pullFiles(ctx, f, repo, pr.GetNumber()); err != nil {
		return in, err
	}
	if in.PR.Labels, err = labelsAddedBy(ctx, f, repo, pr); err != nil {
		return in, err
	}
	if in.Holds, err = readHolds(ctx, f, repo); err != nil {
		return in, err
	}
	if in.Teams, err = labelTeams(ctx, f, st, in.PR.Labels); err != nil {
		return in, err
	}
	if in.History, err = checkHistory(ctx, f, repo, baseSHA, st.defaultBranch, in); err != nil {
		return in, err
	}
	if err := b.signatureFacts(ctx, &in); err != nil {
		return in, err
	}
	return in, nil
}

// byRollback reports whether Stagehand opened the pull request for
// /rollback: its head is a rollback branch of the same repository and its
// author is the App. Only the App can author a pull request as itself; a
// label or a branch name alone anyone with write access can make.
func (b *Bot) byRollback(ctx context.Context, repo forge.Repo, pr *github.PullRequest) (bool, error) {
	head := pr.GetHead()
	if !strings.HasPrefix(head.GetRef(), rollbackPrefix) || !strings.EqualFold(head.GetRepo().GetFullName(), repo.String()) {
		return false, nil
	}
	self, err := b.ownLogin(ctx)
	if err != nil || self == "" {
		return false, err
	}
	return strings.EqualFold(pr.GetUser().GetLogin(), self), nil
}

// pullFiles lists the paths a pull request changes; a rename counts as
// both of its paths.
func pullFiles(ctx context.Context, f *forge.Forge, repo forge.Repo, number int) ([]string, error) {
	out := []string{}
	opts := &github.ListOptions{PerPage: 100}
	for {
		files, resp, err := f.Client().PullRequests.ListFiles(ctx, repo.Owner, repo.Name, number, opts)
		if err != nil {
			return nil, fmt.Errorf("files of #%d: %w", number, err)
		}
		for _, cf := range files {
			out = append(out, cf.GetFilename())
			if p := cf.GetPreviousFilename(); p != "" {
				out = append(out, p)
			}
		}
		if resp.NextPage == 0 {
			return out, nil
		}
		opts.Page = resp.NextPage
	}
}

// actorLabels are the labels whose author a rule asks about: each counts
// only when a promoter of the environment added it.
var actorLabels = []string{checks.LabelEmergency, checks.LabelRollback}

// labelsAddedBy returns the pull request's labels with who added each,
// read from its labeled events (the latest one per label).
func labelsAddedBy(ctx context.Context, f *forge.Forge, repo forge.Repo, pr *github.PullRequest) ([]checks.Label, error) {
	// Only the authors of actorLabels matter to a rule; spare the calls
	// otherwise.
	if !slices.ContainsFunc(pr.Labels, func(l *github.Label) bool { return isActorLabel(l.GetName()) }) {
		return labelList(pr, nil), nil
	}
	by, err := f.LabelAdders(ctx, repo, pr.GetNumber())
	if err != nil {
		return nil, err
	}
	return labelList(pr, by), nil
}

func labelList(pr *github.PullRequest, by map[string]string) []checks.Label {
	var out []checks.Label
	for _, l := range pr.Labels {
		out = append(out, checks.Label{Name: l.GetName(), AddedBy: by[strings.ToLower(l.GetName())]})
	}
	return out
}

// readHolds reads the pinned holds issue that /hold keeps.
func readHolds(ctx context.Context, f *forge.Forge, repo forge.Repo) ([]checks.Hold, error) {
	issue, err := f.FindIssue(ctx, repo, chatops.LabelHolds, chatops.HoldsTitle)
	if err != nil || issue == nil {
		return nil, err
	}
	// Rows that do not parse are left out; the others still hold.
	holds, _ := chatops.ParseHolds(issue.GetBody())
	out := make([]checks.Hold, 0, len(holds))
	for _, h := range holds {
		out = append(out, checks.Hold{App: h.App, Env: h.Env, By: h.By, Reason: h.Reason})
	}
	return out, nil
}

func isActorLabel(name string) bool {
	return slices.ContainsFunc(actorLabels, func(l string) bool { return strings.EqualFold(l, name) })
}

// labelTeams resolves, for whoever added the emergency or rollback label,
// the teams among the environments' promoters they belong to.
func labelTeams(ctx context.Context, f *forge.Forge, st *repoState, labels []checks.Label) (map[string][]string, error) {
	var users []string
	for _, l := range labels {
		if isActorLabel(l.Name) && l.AddedBy != "" && !slices.Contains(users, l.AddedBy) {
			users = append(users, l.AddedBy)
		}
	}
	if len(users) == 0 {
		return nil, nil
	}
	teams := map[string][]string{}
	for _, p := range promoterTeams(st) {
		org, slug, _ := strings.Cut(strings.TrimPrefix(p, "@"), "/")
		key := "@" + org + "/" + slug
		teams[key] = nil
		for _, user := range users {
			member, err := f.TeamMember(ctx, org, slug, user)
			if err != nil {
				return nil, fmt.Errorf("is %s in %s: %w", user, p, err)
			}
			if member {
				teams[key] = append(teams[key], user)
			}
		}
	}
	return teams, nil
}

// promoterTeams lists, once each, the teams ("@org/team") named among the
// promoters of any environment or app override.
func promoterTeams(st *repoState) []string {
	var out []string
	for _, env := range st.pol.Environments {
		promoters := slices.Clone(env.Promoters)
		for _, app := range st.pol.Apps {
			if o, ok := app.Environments[env.Name]; ok {
				promoters = append(promoters, o.Promoters...)
			}
		}
		for _, p := range promoters {
			org, slug, ok := strings.Cut(strings.TrimPrefix(p, "@"), "/")
			if key := "@" + org + "/" + slug; ok && !slices.Contains(out, key) {
				out = append(out, key)
			}
		}
	}
	return out
}

// checkHistory answers checks.Queries from the base branch's history of
// each previous environment's overlays. When a version entered an
// environment is when GitHub merged the pull request that brought it, and
// its health is that merge commit's deployment and commit statuses.
func checkHistory(ctx context.Context, f *forge.Forge, repo forge.Repo, baseSHA, branch string, in checks.Input) (checks.History, error) {
	return checks.Gather(in, func(paths []string) ([]checks.Revision, error) {
		return revisions(ctx, f, repo, baseSHA, paths)
	}, func(rev checks.Revision, health bool) (checks.Entry, error) {
		return arrival(ctx, f, repo, branch, rev, health)
	})
}

// arrival is the Entry of the revision that began a version's stretch on
// branch: the merge commit and merged_at of the pull request that brought
// it (no time for a direct push), and, when asked, whether that commit was
// reported healthy.
func arrival(ctx context.Context, f *forge.Forge, repo forge.Repo, branch string, rev checks.Revision, health bool) (checks.Entry, error) {
	e := checks.Entry{Commit: rev.SHA}
	l, ok, err := f.Landed(ctx, repo, branch, rev.SHA)
	if err != nil {
		return e, err
	}
	if ok {
		e.Commit, e.Since = l.Commit, l.When
	}
	if health {
		if e.Healthy, err = f.Healthy(ctx, repo, e.Commit, ""); err != nil {
			return e, err
		}
	}
	return e, nil
}

// revisions are the commits that touched any of paths, newest first, each
// as a snapshot. Commit dates only order the listings of several paths;
// no time is taken from them.
func revisions(ctx context.Context, f *forge.Forge, repo forge.Repo, ref string, paths []string) ([]checks.Revision, error) {
	var commits []*github.RepositoryCommit
	for _, p := range paths {
		list, err := f.PathHistory(ctx, repo, ref, p, checkHistoryLimit)
		if err != nil {
			return nil, fmt.Errorf("history of %s: %w", p, err)
		}
		for _, c := range list {
			if !slices.ContainsFunc(commits, func(x *github.RepositoryCommit) bool { return x.GetSHA() == c.GetSHA() }) {
				commits = append(commits, c)
			}
		}
	}
	if len(paths) > 1 {
		slices.SortStableFunc(commits, func(a, b *github.RepositoryCommit) int {
			return b.GetCommit().GetCommitter().GetDate().Compare(a.GetCommit().GetCommitter().GetDate().Time)
		})
	}
	revs := make([]checks.Revision, 0, len(commits))
	for _, c := range commits {
		var tree fs.FS = f.Snapshot(ctx, repo, c.GetSHA())
		revs = append(revs, checks.Revision{SHA: c.GetSHA(), Tree: tree})
	}
	return revs, nil
}

// jobFor wraps a delivery and its handler as a queue job.
func jobFor(d event.Delivery, run func(context.Context, event.Delivery) error) queue.Job {
	return queue.Job{Key: d.Key(), ID: d.ID, Event: d.Event, Run: func(ctx context.Context) error { return run(ctx, d) }}
}
