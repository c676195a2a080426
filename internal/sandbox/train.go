package sandbox

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"slices"
	"strings"
	"time"

	"github.com/stagehand-gitops/stagehand/internal/githubsim"
	"github.com/stagehand-gitops/stagehand/internal/overlay"
	"github.com/stagehand-gitops/stagehand/internal/policy"
	"github.com/stagehand-gitops/stagehand/internal/promote"
)

// TrainGroup is the name of the release train the train story declares.
const TrainGroup = "checkout"

// TrainResult is what the release-train story did.
type TrainResult struct {
	// Apps are the members of the train, Env the environment it moved into.
	Apps []string
	Env  string
	// To is the tag each member was brought to, by app.
	To map[string]string
	// PR is the one pull request that moved them, merged.
	PR githubsim.PullRequest
	// Changed are the files the pull request's one commit changed, sorted.
	Changed []string
	// Inventory is what every app runs in every environment at the end.
	Inventory []promote.Row
	// Skipped says why the story was not played ("" when it was): it
	// needs the last two environments to carry the artifact.
	Skipped string
}

// PlayTrain plays the release-train story after Play: the policy declares
// the group checkout of every app, moving together into the last
// environment; each member reaches the environment before with a release
// of its own (standing for their own promotions, the admin commits the
// three overlay edits); one /promote checkout by the promoter opens one
// pull request that moves every member in one commit, which the promoter
// approves and merges. A policy whose last two environments do not both
// carry the artifact is not played: TrainResult.Skipped says so.
func (s *Sandbox) PlayTrain(ctx context.Context, w io.Writer, timeout time.Duration) (TrainResult, error) {
	if timeout <= 0 {
		timeout = 20 * time.Second
	}
	t := &timeline{w: w, start: time.Now()}
	tree, err := s.Forge().SnapshotBranch(ctx, s.repo, "main")
	if err != nil {
		return TrainResult{}, fmt.Errorf("read %s: %w", s.repo, err)
	}
	pol, err := seedPolicy(tree)
	if err != nil {
		return TrainResult{}, err
	}
	if len(pol.Environments) < 2 || len(pol.Apps) < 2 {
		return TrainResult{}, fmt.Errorf("the train story needs two environments and two apps; %s has %d and %d", s.repo, len(pol.Environments), len(pol.Apps))
	}
	res := TrainResult{Env: pol.Environments[len(pol.Environments)-1].Name, To: map[string]string{}}
	prev := pol.Prev(res.Env)
	for _, env := range []string{prev, res.Env} {
		if e, _ := pol.Env("", env); e.Carry == policy.CarryVersion {
			// Its releases would need tags of the environments' own
			// channels in the registry; the story writes overlays only.
			res.Skipped = fmt.Sprintf("%s carries the version through a tag channel of its own, and the train story moves artifacts", env)
			t.say("story", "release train not played: %s", res.Skipped)
			return res, nil
		}
	}
	for _, a := range pol.Apps {
		res.Apps = append(res.Apps, a.Name)
	}
	t.say("story", "release train %s: %s move into %s together", TrainGroup, strings.Join(res.Apps, ", "), res.Env)
	files, err := trainSetup(pol, tree, res, prev)
	if err != nil {
		return res, err
	}
	for app, tag := range files.to {
		res.To[app] = tag
	}
	setup, err := s.sim.Push(deployer, s.repo.String(), "main", "Release train "+TrainGroup+": every member in "+prev, files.content)
	if err != nil {
		return res, fmt.Errorf("commit the train's setup: %w", err)
	}
	t.say(deployer, "committed to main: group %s in %s, and %s", TrainGroup, policy.FileName, files.summary)
	// Stagehand reads the new policy from the push to main.
	select {
	case <-s.quiet(ctx, 500*time.Millisecond):
	case <-ctx.Done():
		return res, ctx.Err()
	}
	n, err := s.sim.CreateIssue(promoter, s.repo.String(), "Release "+TrainGroup, "")
	if err != nil {
		return res, fmt.Errorf("open an issue: %w", err)
	}
	cmd := fmt.Sprintf("/promote %s to %s", TrainGroup, res.Env)
	reaction, err := s.command(ctx, t, promoter, n, cmd, timeout)
	if err != nil {
		return res, err
	}
	if reaction != "rocket" {
		return res, fmt.Errorf("%s's %s did not succeed (reaction %q)", promoter, cmd, reaction)
	}
	pr, err := s.openPR(ctx, timeout, promote.BranchName(res.Env, TrainGroup))
	if err != nil {
		return res, fmt.Errorf("no pull request for the train: %w", err)
	}
	t.say("github", "PR #%d opened by Stagehand: %q %s", pr.Number, pr.Title, s.prURL(pr.Number))
	if res.Changed, err = s.commitFiles(ctx, pr.HeadSHA, setup); err != nil {
		return res, err
	}
	t.say("github", "PR #%d holds one commit changing %s", pr.Number, strings.Join(res.Changed, ", "))
	if res.PR, err = s.approveAndMerge(t, Step{Env: pol.Environments[len(pol.Environments)-1]}, pr); err != nil {
		return res, err
	}
	if tree, err = s.Forge().SnapshotBranch(ctx, s.repo, "main"); err != nil {
		return res, err
	}
	if pol, err = seedPolicy(tree); err != nil {
		return res, err
	}
	res.Inventory = promote.Inventory(pol, tree)
	t.say("story", "complete: the train %s runs in %s what it ran in %s", TrainGroup, res.Env, prev)
	writeInventory(w, res.Inventory)
	return res, nil
}

// openPR waits for the open pull request from branch head.
func (s *Sandbox) openPR(ctx context.Context, timeout time.Duration, head string) (githubsim.PullRequest, error) {
	return poll(ctx, timeout, nil, func() (githubsim.PullRequest, bool) {
		prs, _ := s.sim.PullRequests(s.repo.String())
		i := slices.IndexFunc(prs, func(p githubsim.PullRequest) bool { return p.Head == head && p.State == "open" })
		if i < 0 {
			return githubsim.PullRequest{}, false
		}
		return prs[i], true
	})
}

// trainFiles is the setup commit of the train story.
type trainFiles struct {
	content map[string]string
	to      map[string]string // the tag each member reaches, by app
	summary string
}

// trainSetup adds the group to the policy and gives each member a new
// minor release in prev: the overlays of prev, edited as Stagehand would.
func trainSetup(pol *policy.Policy, tree fs.FS, res TrainResult, prev string) (trainFiles, error) {
	data, err := fs.ReadFile(tree, policy.FileName)
	if err != nil {
		return trainFiles{}, err
	}
	group := fmt.Sprintf("\n# The release train: these apps move into %s together, in one pull request.\ngroups:\n  %s:\n    apps: [%s]\n    envs: [%s]\n",
		res.Env, TrainGroup, strings.Join(res.Apps, ", "), res.Env)
	out := trainFiles{content: map[string]string{policy.FileName: string(data) + group}, to: map[string]string{}}
	var said []string
	for _, app := range res.Apps {
		a, _ := pol.App(app)
		for _, img := range a.Images {
			cur, err := promote.Current(pol, tree, app, img.Name, prev)
			if err != nil {
				return out, err
			}
			tag, err := nextMinor(cur.Version.Tag)
			if err != nil {
				return out, fmt.Errorf("%s in %s: %w", app, prev, err)
			}
			for _, file := range cur.Files {
				before, err := fs.ReadFile(tree, file)
				if err != nil {
					return out, err
				}
				after, _, err := overlay.SetImage(before, overlay.Edit{Name: img.Name, NewTag: overlay.Value(tag)})
				if err != nil {
					return out, err
				}
				out.content[file] = string(after)
			}
			out.to[app] = tag
			said = append(said, fmt.Sprintf("%s %s in %s", app, tag, prev))
		}
	}
	out.summary = strings.Join(said, ", ")
	return out, nil
}

// nextMinor is the next minor version of a vMAJOR.MINOR.PATCH tag.
func nextMinor(tag string) (string, error) {
	var major, minor, patch int
	if _, err := fmt.Sscanf(tag, "v%d.%d.%d", &major, &minor, &patch); err != nil {
		return "", fmt.Errorf("tag %q is not vMAJOR.MINOR.PATCH", tag)
	}
	return fmt.Sprintf("v%d.%d.0", major, minor+1), nil
}

// commitFiles lists the files a commit changed against its one parent,
// as GitHub's commit API reports them, after checking that the parent is
// base: the pull request is that one commit.
func (s *Sandbox) commitFiles(ctx context.Context, sha, base string) ([]string, error) {
	c, _, err := s.Forge().Client().Repositories.GetCommit(ctx, s.repo.Owner, s.repo.Name, sha, nil)
	if err != nil {
		return nil, fmt.Errorf("read commit %s: %w", shortSHA(sha), err)
	}
	if len(c.Parents) != 1 || c.Parents[0].GetSHA() != base {
		return nil, fmt.Errorf("commit %s is not one commit on %s (parents %v)", shortSHA(sha), shortSHA(base), c.Parents)
	}
	var out []string
	for _, f := range c.Files {
		out = append(out, f.GetFilename())
	}
	slices.Sort(out)
	return out, nil
}
