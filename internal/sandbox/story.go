package sandbox

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/stagehand-gitops/stagehand/internal/githubsim"
	"github.com/stagehand-gitops/stagehand/internal/policy"
	"github.com/stagehand-gitops/stagehand/internal/promote"
)

// The simulated people of the story.
const (
	reviewer = "dev"
	promoter = "sre"
	deployer = "admin" // stands for Argo CD reporting deployments
)

// PlayOptions configures Play.
type PlayOptions struct {
	// App is the app the story promotes ("" picks one, see NewScript).
	App string
	// StepTimeout bounds the wait for one step beyond the environment's
	// soak (default 20 s).
	StepTimeout time.Duration
	// NoTrusted ends the story when the release runs everywhere, without
	// the trusted-images epilogue (which changes the policy).
	NoTrusted bool
}

// Result is what a complete story did.
type Result struct {
	Script Script
	// PRs are the pull requests that carried the release, one per
	// environment, in promotion order.
	PRs []githubsim.PullRequest
	// Inventory is what every app runs in every environment at the end.
	Inventory []promote.Row
	// Trusted is the trusted-images epilogue: an unsigned tag refused and
	// a signed one promoted into the first environment (nil when skipped).
	Trusted *Trusted
}

// StepError says which step of the story did not happen, and Stagehand's
// last word on it.
type StepError struct {
	Step int // 1-based
	Env  string
	// Reason is why, with Stagehand's last decision on the app.
	Reason string
}

func (e *StepError) Error() string {
	return fmt.Sprintf("step %d (%s) did not happen: %s", e.Step, e.Env, e.Reason)
}

// Play plays the promotion story of one app on the sandbox and writes it
// to w as a timeline, one line per event: the release is pushed to the
// registry, the first environment's pull request opens (and merges itself
// when the policy says autoMerge), each next environment's opens once its
// gates hold and a reviewer approves and merges it, a manual environment is
// promoted by the SRE's /promote comment (after the developer's is
// refused, when the environment names its promoters); then the table of
// what runs where. It returns a
// *StepError when a step does not happen.
func (s *Sandbox) Play(ctx context.Context, w io.Writer, o PlayOptions) (Result, error) {
	if o.StepTimeout <= 0 {
		o.StepTimeout = 20 * time.Second
	}
	t := &timeline{w: w, start: time.Now()}
	tree, err := s.Forge().SnapshotBranch(ctx, s.repo, "main")
	if err != nil {
		return Result{}, fmt.Errorf("read %s: %w", s.repo, err)
	}
	pol, err := seedPolicy(tree)
	if err != nil {
		return Result{}, err
	}
	sc, err := NewScript(pol, tree, o.App)
	if err != nil {
		return Result{}, err
	}
	res := Result{Script: sc}
	t.say("story", "%s %s through %s, in %s (GitHub: %s)", sc.App, sc.Version, strings.Join(envNames(pol), " → "),
		s.repo, s.sim.URL()+"/"+s.repo.String())
	for i := range sc.Steps {
		prev := 0
		if i > 0 {
			prev = res.PRs[i-1].Number
		}
		pr, err := s.step(ctx, t, sc, i, prev, o.StepTimeout)
		if err != nil {
			return res, err
		}
		res.PRs = append(res.PRs, pr)
	}
	tree, err = s.Forge().SnapshotBranch(ctx, s.repo, "main")
	if err != nil {
		return res, fmt.Errorf("read %s: %w", s.repo, err)
	}
	if pol, err = seedPolicy(tree); err != nil {
		return res, err
	}
	res.Inventory = promote.Inventory(pol, tree)
	t.say("story", "complete: %s runs %s in every environment", sc.App, sc.Version)
	writeInventory(w, res.Inventory)
	if o.NoTrusted {
		return res, nil
	}
	t.say("story", "trusted images: %s requires a cosign signature from now on", sc.Steps[0].Env.Name)
	if res.Trusted, err = s.playTrusted(ctx, t, sc, o.StepTimeout); err != nil {
		return res, &StepError{Step: len(sc.Steps) + 1, Env: sc.Steps[0].Env.Name, Reason: "trusted images: " + err.Error()}
	}
	return res, nil
}

// step brings the release into one environment and returns its merged
// pull request.
func (s *Sandbox) step(ctx context.Context, t *timeline, sc Script, i, prev int, timeout time.Duration) (githubsim.PullRequest, error) {
	st := sc.Steps[i]
	env := st.Env.Name
	fail := func(reason string) (githubsim.PullRequest, error) {
		return githubsim.PullRequest{}, &StepError{Step: i + 1, Env: env, Reason: reason}
	}
	if st.Push != "" && i > 0 {
		// The next tag comes later, as from a later CI run: Stagehand has
		// finished with the previous merge by then.
		select {
		case <-s.quiet(ctx, 500*time.Millisecond):
		case <-ctx.Done():
			return fail(ctx.Err().Error())
		}
	}
	seen := len(s.Decisions())
	if st.Push != "" {
		if err := s.push(ctx, t, sc, st.Push); err != nil {
			return fail(err.Error())
		}
	}
	if st.Env.Promotion == policy.Manual {
		if err := s.promoteByComment(ctx, t, sc, i, prev, timeout); err != nil {
			return fail(err.Error())
		}
	}
	pr, err := s.waitPR(ctx, t, sc, st, seen, st.Env.Soak+timeout)
	if err != nil {
		return githubsim.PullRequest{}, s.stepError(i, sc, st, err)
	}
	t.say("github", "PR #%d opened by Stagehand: %q %s", pr.Number, pr.Title, s.prURL(pr.Number))
	if st.Env.AutoMerge {
		if pr, err = s.waitMerged(ctx, pr.Number, timeout); err != nil {
			return fail(err.Error())
		}
		t.say("github", "PR #%d merged by Stagehand (autoMerge: checks green)", pr.Number)
	} else {
		if pr, err = s.approveAndMerge(t, st, pr); err != nil {
			return fail(err.Error())
		}
	}
	return pr, s.deployed(t, env, pr)
}

// stepError explains a step whose pull request did not open, with
// Stagehand's last decision on the app (a gate it waits on, a tag it
// skipped and why).
func (s *Sandbox) stepError(i int, sc Script, st Step, err error) *StepError {
	env := st.Env.Name
	se := &StepError{Step: i + 1, Env: env, Reason: fmt.Sprintf("no pull request brought %s to %s (%v)", st.Tag, env, err)}
	if d, ok := s.lastDecision(sc.App); ok {
		se.Reason += "; Stagehand's last decision on " + sc.App + " was for " + d.Env + ": " + d.What
	}
	return se
}

// push pushes tag and waits until Stagehand has answered the registry's
// notification.
func (s *Sandbox) push(ctx context.Context, t *timeline, sc Script, tag string) error {
	before := len(s.RegistryWebhooks())
	digest, err := s.Push(ctx, sc.Repository, tag)
	if err != nil {
		return err
	}
	t.say("registry", "pushed %s:%s (%s) to the in-process registry", sc.Image, tag, shortDigest(digest))
	hook, err := poll(ctx, 10*time.Second, nil, func() (Webhook, bool) {
		hooks := s.RegistryWebhooks()
		if len(hooks) > before {
			return hooks[len(hooks)-1], true
		}
		return Webhook{}, false
	})
	if err != nil {
		return fmt.Errorf("no registry notification reached Stagehand: %w", err)
	}
	t.say("stagehand", "answered the registry's notification: POST %s → %d", hook.Path, hook.Status)
	return nil
}

// approveAndMerge plays the person who merges a pull request Stagehand
// does not merge itself.
func (s *Sandbox) approveAndMerge(t *timeline, st Step, pr githubsim.PullRequest) (githubsim.PullRequest, error) {
	who := reviewer
	if st.Env.Promotion == policy.Manual {
		who = promoter
	}
	if err := s.sim.Review(who, s.repo.String(), pr.Number, "APPROVE", "Looks good."); err != nil {
		return pr, fmt.Errorf("%s approves #%d: %w", who, pr.Number, err)
	}
	t.say(who, "approved PR #%d", pr.Number)
	if _, err := s.sim.Merge(who, s.repo.String(), pr.Number, "merge"); err != nil {
		return pr, fmt.Errorf("%s merges #%d: %w", who, pr.Number, err)
	}
	merged, err := s.pull(pr.Number)
	if err != nil {
		return pr, err
	}
	t.say(who, "merged PR #%d into main (%s)", pr.Number, shortSHA(merged.MergeCommitSHA))
	return merged, nil
}

// deployed reports the merge commit deployed to env, as Argo CD's
// notifications do: a successful deployment status.
func (s *Sandbox) deployed(t *timeline, env string, pr githubsim.PullRequest) error {
	id, err := s.sim.CreateDeployment(deployer, s.repo.String(), pr.MergeCommitSHA, env)
	if err != nil {
		return fmt.Errorf("deployment of %s to %s: %w", shortSHA(pr.MergeCommitSHA), env, err)
	}
	if err := s.sim.SetDeploymentStatus(deployer, s.repo.String(), id, "success"); err != nil {
		return fmt.Errorf("deployment status of %s in %s: %w", shortSHA(pr.MergeCommitSHA), env, err)
	}
	t.say("argo cd", "synced %s to %s: deployment status success", shortSHA(pr.MergeCommitSHA), env)
	return nil
}

func (s *Sandbox) prURL(n int) string { return fmt.Sprintf("%s/%s/pull/%d", s.sim.URL(), s.repo, n) }

// errTimeout is what poll returns when its condition never held.
var errTimeout = errors.New("timed out")

// errQuiet is what poll returns when it gave up on a quiet system.
var errQuiet = errors.New("Stagehand went quiet")

// poll checks cond every 20 ms until it holds, ctx ends, timeout passes or
// giveUp (when not nil) is closed.
func poll[T any](ctx context.Context, timeout time.Duration, giveUp <-chan struct{}, cond func() (T, bool)) (T, error) {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		if v, ok := cond(); ok {
			return v, nil
		}
		select {
		case <-ctx.Done():
			var zero T
			return zero, ctx.Err()
		case <-deadline.C:
			var zero T
			return zero, fmt.Errorf("%w after %s", errTimeout, timeout)
		case <-giveUp:
			if v, ok := cond(); ok {
				return v, nil
			}
			var zero T
			return zero, errQuiet
		case <-tick.C:
		}
	}
}
