package bot

import (
	"context"
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
	in := checks.Input{Base: f.Snapshot(ctx, repo, baseSHA), Head: f.Snapshot(ctx, repo, headSHA), Now: b.cfg.Now(),
		PR: checks.PR{Number: pr.GetNumber(), Author: pr.GetUser().GetLogin()}}
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
	if in.Teams, err = emergencyTeams(ctx, f, st, in.PR.Labels); err != nil {
		return in, err
	}
	if in.History, err = checkHistory(ctx, f, repo, baseSHA, in); err != nil {
		return in, err
	}
	return in, nil
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

// labelsAddedBy returns the pull request's labels with who added each,
// read from its labeled events (the latest one per label).
func labelsAddedBy(ctx context.Context, f *forge.Forge, repo forge.Repo, pr *github.PullRequest) ([]checks.Label, error) {
	by := map[string]string{}
	// Only the emergency label's author matters to a rule; spare the calls
	// otherwise.
	if !slices.ContainsFunc(pr.Labels, func(l *github.Label) bool { return strings.EqualFold(l.GetName(), checks.LabelEmergency) }) {
		return labelList(pr, by), nil
	}
	opts := &github.ListOptions{PerPage: 100}
	for {
		evs, resp, err := f.Client().Issues.ListIssueEvents(ctx, repo.Owner, repo.Name, pr.GetNumber(), opts)
		if err != nil {
			return nil, fmt.Errorf("events of #%d: %w", pr.GetNumber(), err)
		}
		for _, e := range evs {
			if e.GetEvent() == "labeled" {
				by[strings.ToLower(e.GetLabel().GetName())] = e.GetActor().GetLogin()
			}
		}
		if resp.NextPage == 0 {
			break
		}
		opts.Page = resp.NextPage
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

// emergencyTeams resolves, for whoever added the emergency label, the
// teams among the environments' promoters they belong to.
func emergencyTeams(ctx context.Context, f *forge.Forge, st *repoState, labels []checks.Label) (map[string][]string, error) {
	i := slices.IndexFunc(labels, func(l checks.Label) bool { return strings.EqualFold(l.Name, checks.LabelEmergency) })
	if i < 0 || labels[i].AddedBy == "" {
		return nil, nil
	}
	user := labels[i].AddedBy
	teams := map[string][]string{}
	for _, env := range st.pol.Environments {
		promoters := env.Promoters
		for _, app := range st.pol.Apps {
			if o, ok := app.Environments[env.Name]; ok {
				promoters = append(promoters, o.Promoters...)
			}
		}
		for _, p := range promoters {
			org, slug, ok := strings.Cut(strings.TrimPrefix(p, "@"), "/")
			if !ok {
				continue
			}
			if _, seen := teams["@"+org+"/"+slug]; seen {
				continue
			}
			member, err := f.TeamMember(ctx, org, slug, user)
			if err != nil {
				return nil, fmt.Errorf("is %s in %s: %w", user, p, err)
			}
			teams["@"+org+"/"+slug] = nil
			if member {
				teams["@"+org+"/"+slug] = []string{user}
			}
		}
	}
	return teams, nil
}

// checkHistory answers checks.Queries from the base branch's history of
// each previous environment's overlays.
func checkHistory(ctx context.Context, f *forge.Forge, repo forge.Repo, baseSHA string, in checks.Input) (checks.History, error) {
	return checks.Gather(in, func(paths []string) ([]checks.Revision, error) {
		return revisions(ctx, f, repo, baseSHA, paths)
	})
}

// revisions are the commits that touched any of paths, newest first, each
// as a snapshot.
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
	slices.SortStableFunc(commits, func(a, b *github.RepositoryCommit) int {
		return b.GetCommit().GetCommitter().GetDate().Compare(a.GetCommit().GetCommitter().GetDate().Time)
	})
	revs := make([]checks.Revision, 0, len(commits))
	for _, c := range commits {
		var tree fs.FS = f.Snapshot(ctx, repo, c.GetSHA())
		revs = append(revs, checks.Revision{When: c.GetCommit().GetCommitter().GetDate().Time, Tree: tree})
	}
	return revs, nil
}

// jobFor wraps a delivery and its handler as a queue job.
func jobFor(d event.Delivery, run func(context.Context, event.Delivery) error) queue.Job {
	return queue.Job{Key: d.Key(), ID: d.ID, Event: d.Event, Run: func(ctx context.Context) error { return run(ctx, d) }}
}
