package bot

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/go-github/v62/github"
	"go.uber.org/zap"

	"github.com/stagehand-gitops/stagehand/internal/checks"
	"github.com/stagehand-gitops/stagehand/internal/event"
	"github.com/stagehand-gitops/stagehand/internal/forge"
	"github.com/stagehand-gitops/stagehand/internal/policy"
)

// EventChecks re-evaluates the stagehand checks of one pull request when
// a time-based rule (soak, freeze end) is due. Its payload is ChecksDue.
const EventChecks = "stagehand_checks"

// ChecksDue is the payload of an EventChecks delivery.
type ChecksDue struct{ Number int }

// checkTriggers lists, per event, the actions after which the stagehand
// checks of a pull request are evaluated again.
var checkTriggers = map[string][]string{
	event.PullRequest: {"opened", "synchronize", "reopened", "labeled", "unlabeled", "edited"},
	event.CheckSuite:  {"requested", "rerequested"},
	event.CheckRun:    {"rerequested"},
	EventChecks:       {""},
	EventRecheck:      {""},
}

// ruleLabels are the labels the check rules read.
var ruleLabels = []string{checks.LabelRollback, checks.LabelEmergency, checks.LabelHold}

// ChecksRelevant reports whether d can change a pull request's stagehand
// checks: the events of the check-run handler, which differ from those of
// the promotion handlers (every pull request is checked, not only
// Stagehand's own).
func ChecksRelevant(d event.Delivery) bool {
	if !slices.Contains(checkTriggers[d.Event], d.Action) {
		return false
	}
	switch p := d.Payload.(type) {
	case *github.PullRequestEvent:
		switch d.Action {
		case "edited":
			return p.GetChanges().GetBase() != nil
		case "labeled", "unlabeled":
			// Only the labels the rules read change a verdict.
			return slices.ContainsFunc(ruleLabels, func(l string) bool { return strings.EqualFold(l, p.GetLabel().GetName()) })
		}
	case *github.CheckRunEvent:
		return strings.HasPrefix(p.GetCheckRun().GetName(), checks.GeneralCheck)
	case Recheck:
		// At start and installation: timers of checks in progress were
		// lost with the previous process.
		return p.All
	}
	return true
}

// OnChecks evaluates and publishes the stagehand checks of the pull
// requests a delivery is about. It is idempotent: a second run updates
// the same check runs.
func (b *Bot) OnChecks(ctx context.Context, d event.Delivery) error {
	if !ChecksRelevant(d) {
		return nil
	}
	st := b.index.get(d.Repo)
	if st == nil {
		return nil
	}
	f := b.cfg.Forges.Forge(st.installation)
	var errs []error
	var known *github.PullRequest
	if p, ok := d.Payload.(*github.PullRequestEvent); ok {
		known = p.GetPullRequest()
	}
	numbers := checkedPulls(d)
	if d.Event == EventRecheck {
		var err error
		if numbers, err = pullsInProgress(ctx, f, st); err != nil {
			return err
		}
	}
	for _, n := range numbers {
		if err := b.checkPull(ctx, f, st, n, known); err != nil {
			errs = append(errs, fmt.Errorf("checks of %s#%d: %w", d.Repo, n, err))
		}
	}
	return errors.Join(errs...)
}

// checkedPulls returns the numbers of the pull requests d is about.
func checkedPulls(d event.Delivery) []int {
	var prs []*github.PullRequest
	switch p := d.Payload.(type) {
	case *github.PullRequestEvent:
		return []int{p.GetNumber()}
	case *github.CheckSuiteEvent:
		prs = p.GetCheckSuite().PullRequests
	case *github.CheckRunEvent:
		prs = p.GetCheckRun().PullRequests
	case ChecksDue:
		return []int{p.Number}
	}
	var out []int
	for _, pr := range prs {
		if !slices.Contains(out, pr.GetNumber()) {
			out = append(out, pr.GetNumber())
		}
	}
	return out
}

// checkPull gathers the facts of one pull request, asks checks for the
// verdicts and publishes them on the head commit.
// The pull request of a pull_request event comes with it (known); others
// are read.
func (b *Bot) checkPull(ctx context.Context, f *forge.Forge, st *repoState, number int, known *github.PullRequest) error {
	pr := known
	if pr == nil || pr.GetNumber() != number {
		var err error
		if pr, _, err = f.Client().PullRequests.Get(ctx, st.repo.Owner, st.repo.Name, number); err != nil {
			return fmt.Errorf("read the pull request: %w", err)
		}
	}
	if pr.GetState() != "open" || pr.GetBase().GetRef() != st.defaultBranch {
		return nil
	}
	rep, err := b.evaluate(ctx, f, st, pr)
	if err != nil {
		return unevaluated(ctx, f, st, pr.GetHead().GetSHA(), err)
	}
	head := pr.GetHead().GetSHA()
	posted, err := existingRuns(ctx, f, st.repo, head)
	if err != nil {
		return err
	}
	for _, v := range rep.Untouched {
		if err := publishVerdict(ctx, f, st.repo, head, v, posted[v.Name]); err != nil {
			return err
		}
	}
	for _, v := range rep.Verdicts {
		if err := publishVerdict(ctx, f, st.repo, head, v, posted[v.Name]); err != nil {
			return err
		}
		b.log.Info("check evaluated", zap.String("repo", st.repo.String()), zap.Int("pull", number), zap.String("check", v.Name),
			zap.String("status", string(v.Status)), zap.String("conclusion", string(v.Conclusion)))
		if v.Status == checks.InProgress && !v.Due.IsZero() {
			b.scheduleChecks(st, number, v.Due)
		}
	}
	return nil
}

// publishVerdict publishes a verdict on sha. A run of that name that
// Stagehand posted already is left alone when it says the same, and
// updated in place when it has no annotations. Otherwise a new run is
// created, because GitHub appends annotations across updates and stale
// ones would stay; the old run, if still in progress, is then completed
// as superseded (after the new one exists, so the newest run decides).
func publishVerdict(ctx context.Context, f *forge.Forge, repo forge.Repo, sha string, v checks.Verdict, old *github.CheckRun) error {
	if old != nil && old.GetStatus() == string(v.Status) && old.GetConclusion() == string(v.Conclusion) &&
		old.GetOutput().GetTitle() == v.Title && old.GetOutput().GetSummary() == v.Summary {
		return nil
	}
	run := checkRun(sha, v)
	if old != nil && old.GetOutput().GetAnnotationsCount() == 0 {
		run.ID = old.GetID()
	}
	if _, err := f.PublishCheck(ctx, repo, run); err != nil {
		return fmt.Errorf("publish %s on %s: %w", v.Name, sha, err)
	}
	if old == nil || run.ID != 0 || old.GetStatus() == "completed" {
		return nil
	}
	done := forge.CheckRun{ID: old.GetID(), Name: v.Name, HeadSHA: sha, Status: "completed", Conclusion: "neutral",
		ExternalID: checkExternalID, Title: "Superseded", Summary: "A newer evaluation of this check replaces this one.\n"}
	if _, err := f.PublishCheck(ctx, repo, done); err != nil {
		return fmt.Errorf("supersede %s on %s: %w", v.Name, sha, err)
	}
	return nil
}

// checkExternalID marks the check runs Stagehand's checks handler posts.
const checkExternalID = "stagehand-checks"

func checkRun(sha string, v checks.Verdict) forge.CheckRun {
	run := forge.CheckRun{Name: v.Name, HeadSHA: sha, Status: string(v.Status), Conclusion: string(v.Conclusion),
		ExternalID: checkExternalID, Title: v.Title, Summary: v.Summary}
	for _, a := range v.Annotations {
		ann := &github.CheckRunAnnotation{Path: github.String(a.Path), StartLine: github.Int(a.Line), EndLine: github.Int(a.Line),
			AnnotationLevel: github.String(string(a.Level)), Title: github.String(a.Title), Message: github.String(a.Message)}
		if a.Col > 0 {
			ann.StartColumn, ann.EndColumn = github.Int(a.Col), github.Int(a.Col)
		}
		run.Annotations = append(run.Annotations, ann)
	}
	return run
}

// existingRuns returns, by name, the newest check run Stagehand's checks
// handler posted on sha.
func existingRuns(ctx context.Context, f *forge.Forge, repo forge.Repo, sha string) (map[string]*github.CheckRun, error) {
	runs, err := f.CheckRuns(ctx, repo, sha)
	if err != nil {
		return nil, err
	}
	out := map[string]*github.CheckRun{}
	for _, r := range runs {
		if old := out[r.GetName()]; r.GetExternalID() == checkExternalID && (old == nil || r.GetID() > old.GetID()) {
			out[r.GetName()] = r
		}
	}
	return out, nil
}

// scheduleChecks asks for the pull request's checks again at t, on the
// repository's one timer (see due).
func (b *Bot) scheduleChecks(st *repoState, number int, t time.Time) {
	key := fmt.Sprintf("checks:%s#%d@%d", st.repo, number, t.Unix())
	d := event.Delivery{ID: key, Event: EventChecks, Repo: st.repo.String(), InstallationID: st.installation, Payload: ChecksDue{Number: number}}
	b.due(d.Repo, fmt.Sprintf("checks#%d", number), t, jobFor(d, b.OnChecks))
}

// PostInstallChecks posts a neutral stagehand/<env> check for every
// environment on commit (the default branch's head), so that the names can
// be chosen in branch protection before any pull request needs them.
func PostInstallChecks(ctx context.Context, f *forge.Forge, repo forge.Repo, commit string, pol *policy.Policy) error {
	posted, err := existingRuns(ctx, f, repo, commit)
	if err != nil {
		return err
	}
	for _, env := range pol.Environments {
		name := checks.CheckName(env.Name)
		v := checks.Verdict{Name: name, Env: env.Name, Status: checks.Completed, Conclusion: checks.Neutral,
			Title: "Ready for branch protection",
			Summary: fmt.Sprintf("Stagehand checks every pull request that changes %s's overlays under this name. "+
				"Require `%s` in branch protection, with the Stagehand App as its expected source.\n", env.Name, name)}
		if err := publishVerdict(ctx, f, repo, commit, v, posted[name]); err != nil {
			return err
		}
	}
	return nil
}

// pullsInProgress lists the open pull requests into the default branch
// whose head has a stagehand check still in progress.
func pullsInProgress(ctx context.Context, f *forge.Forge, st *repoState) ([]int, error) {
	return openPulls(ctx, f, st, func(pr *github.PullRequest) (bool, error) {
		runs, _, err := f.Client().Checks.ListCheckRunsForRef(ctx, st.repo.Owner, st.repo.Name, pr.GetHead().GetSHA(),
			&github.ListCheckRunsOptions{Status: github.String("in_progress"), Filter: github.String("latest")})
		if err != nil {
			return false, fmt.Errorf("check runs of #%d: %w", pr.GetNumber(), err)
		}
		return slices.ContainsFunc(runs.CheckRuns, func(r *github.CheckRun) bool { return r.GetExternalID() == checkExternalID }), nil
	})
}

// openPulls lists the numbers of the open pull requests into the default
// branch that keep says to keep.
func openPulls(ctx context.Context, f *forge.Forge, st *repoState, keep func(*github.PullRequest) (bool, error)) ([]int, error) {
	var out []int
	opts := &github.PullRequestListOptions{State: "open", Base: st.defaultBranch, ListOptions: github.ListOptions{PerPage: 100}}
	for {
		prs, resp, err := f.Client().PullRequests.List(ctx, st.repo.Owner, st.repo.Name, opts)
		if err != nil {
			return nil, fmt.Errorf("open pull requests of %s: %w", st.repo, err)
		}
		for _, pr := range prs {
			ok, err := keep(pr)
			if err != nil {
				return nil, err
			}
			if ok {
				out = append(out, pr.GetNumber())
			}
		}
		if resp.NextPage == 0 {
			return out, nil
		}
		opts.Page = resp.NextPage
	}
}

// postUnlisted says on the default branch's head, in env's check, that env
// waits because the registry could not list the tags of its channel: no
// pull request exists yet to carry the reason, and people look at the
// commit's checks. An identical run is not posted again.
func postUnlisted(ctx context.Context, f *forge.Forge, repo forge.Repo, commit, app, env string, why error) error {
	posted, err := existingRuns(ctx, f, repo, commit)
	if err != nil {
		return err
	}
	v := unlistedVerdict(app, env, why)
	return publishVerdict(ctx, f, repo, commit, v, posted[v.Name])
}
