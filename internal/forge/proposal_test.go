package forge

import (
	"context"
	"io/fs"
	"slices"
	"strings"
	"testing"
)

const devOverlay = "apps/web/overlays/dev/kustomization.yaml"

// promotion is the proposal Stagehand makes to bring web's image to tag in dev.
func promotion(tag string) Proposal {
	return Proposal{
		Base:    "main",
		Branch:  "stagehand/dev/web",
		Message: "Promote web to dev: " + tag + "\n\nStagehand-App: web\nStagehand-Env: dev\n",
		Edit: func(fsys fs.FS) (map[string][]byte, error) {
			data, err := fs.ReadFile(fsys, devOverlay)
			if err != nil {
				return nil, err
			}
			lines := strings.Split(string(data), "\n")
			for i, l := range lines {
				if k, _, ok := strings.Cut(l, "newTag: "); ok {
					_, comment, _ := strings.Cut(l, " #")
					lines[i] = k + "newTag: " + tag
					if comment != "" {
						lines[i] += " #" + comment
					}
				}
			}
			return map[string][]byte{devOverlay: []byte(strings.Join(lines, "\n"))}, nil
		},
		Title:  "Promote web to dev: → " + tag,
		Body:   "| image | tag |\n|---|---|\n| ghcr.io/acme/web | " + tag + " |\n",
		Labels: []string{"stagehand", "env:dev"},
	}
}

// TestPromotionBudget asserts what one promotion costs in API calls.
func TestPromotionBudget(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, envOptions{})

	res, err := e.forge.Propose(ctx, testRepo, promotion("v1.1.0"))
	if err != nil {
		t.Fatal(err)
	}
	cold := e.calls()
	t.Run("cold cache: 6 calls, 4 writes", func(t *testing.T) {
		want := []string{
			"git/get-ref 200",                          // main's head
			"repos/get-content 200",                    // the overlay at that commit
			"git/create-ref 201",                       // stagehand/dev/web at main's head
			"repos/create-or-update-file-contents 200", // the edit, as one commit on the branch
			"pulls/create 201",                         // the pull request
			"issues/add-labels 200",                    // its labels
		}
		if !slices.Equal(cold.Log, want) {
			t.Fatalf("calls:\n%s\nwant:\n%s", strings.Join(cold.Log, "\n"), strings.Join(want, "\n"))
		}
		if cold.Total() > 6 || cold.Writes > 4 {
			t.Fatalf("%d calls, %d writes; budget is 6 and 4", cold.Total(), cold.Writes)
		}
		if !res.Written || res.PR == nil || res.Commit == "" {
			t.Fatalf("result %+v", res)
		}
		got, err := fs.ReadFile(e.forge.Snapshot(ctx, testRepo, res.Commit), devOverlay)
		if err != nil || !strings.Contains(string(got), "newTag: v1.1.0 # pinned") {
			t.Fatalf("branch holds %q, %v", got, err)
		}
	})

	again, err := e.forge.Propose(ctx, testRepo, promotion("v1.1.0"))
	if err != nil {
		t.Fatal(err)
	}
	warm := e.calls()
	t.Run("warm repeat: at most 2 reads, no writes", func(t *testing.T) {
		if warm.Writes != 0 || warm.Reads > 2 {
			t.Fatalf("%d reads, %d writes: %v", warm.Reads, warm.Writes, warm.Log)
		}
		t.Logf("%d reads: %v", warm.Reads, warm.Log)
		if again.Written || again.PR.GetNumber() != res.PR.GetNumber() || again.Commit != res.Commit {
			t.Fatalf("repeat changed something: %+v", again)
		}
	})

	if _, err := e.forge.Merge(ctx, testRepo, res.PR.GetNumber(), res.Commit, MergeOptions{Method: "squash"}); err != nil {
		t.Fatal(err)
	}
	e.calls()
	t.Run("environment already has the tag: no writes", func(t *testing.T) {
		for _, f := range []struct {
			name  string
			forge *Forge
		}{{"warm", e.forge}, {"cold", e.coldForge(t)}} {
			done, err := f.forge.Propose(ctx, testRepo, promotion("v1.1.0"))
			if err != nil {
				t.Fatal(err)
			}
			c := e.calls()
			if c.Writes != 0 || done.Written || done.PR != nil {
				t.Fatalf("%s: %d writes (%v), result %+v", f.name, c.Writes, c.Log, done)
			}
			t.Logf("%s: %d reads: %v", f.name, c.Reads, c.Log)
		}
	})
}

// TestProposalLifecycle supersedes an open proposal with a newer change and
// closes it once the base holds the change.
func TestProposalLifecycle(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, envOptions{})
	first, err := e.forge.Propose(ctx, testRepo, promotion("v1.1.0"))
	if err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		name  string
		run   func(*Forge) (ProposalResult, error)
		check func(t *testing.T, res ProposalResult)
	}{
		{"a newer tag moves the branch and retitles the same pull request",
			func(f *Forge) (ProposalResult, error) { return f.Propose(ctx, testRepo, promotion("v1.2.0")) },
			func(t *testing.T, res ProposalResult) {
				if !res.Written || res.PR.GetNumber() != first.PR.GetNumber() || res.PR.GetTitle() != "Promote web to dev: → v1.2.0" {
					t.Fatalf("result %+v, PR %q", res, res.PR.GetTitle())
				}
				data, _ := fs.ReadFile(e.forge.Snapshot(ctx, testRepo, res.Commit), devOverlay)
				if !strings.Contains(string(data), "v1.2.0") {
					t.Fatalf("branch holds %q", data)
				}
				info, err := e.forge.commitInfo(ctx, testRepo, res.Commit)
				if err != nil || !slices.Equal(info.Parents, []string{e.head}) {
					t.Fatalf("branch head parents %v, %v; want one commit on main", info.Parents, err)
				}
			}},
		{"after a restart the same proposal changes nothing",
			func(*Forge) (ProposalResult, error) {
				return e.coldForge(t).Propose(ctx, testRepo, promotion("v1.2.0"))
			},
			func(t *testing.T, res ProposalResult) {
				// Without a hint, the branch is assumed new (that keeps a new
				// promotion within budget): the one write tried is refused.
				want := []string{"git/get-ref 200", "repos/get-content 200", "git/create-ref 422",
					"pulls/list 200", "git/get-commit 200", "repos/get-content 200"}
				if c := e.calls(); res.Written || !slices.Equal(c.Log, want) {
					t.Fatalf("written %v, calls %v; want %v", res.Written, c.Log, want)
				}
			}},
		{"once main holds the change the pull request is closed with a reason",
			func(f *Forge) (ProposalResult, error) {
				if _, err := f.Commit(ctx, testRepo, "main", "", "Bump by hand", promotion("v1.2.0").Edit, CommitOptions{}); err != nil {
					return ProposalResult{}, err
				}
				return f.Propose(ctx, testRepo, promotion("v1.2.0"))
			},
			func(t *testing.T, res ProposalResult) {
				if res.Closed != first.PR.GetNumber() || res.PR != nil {
					t.Fatalf("result %+v", res)
				}
				pr, _, err := e.forge.gh.PullRequests.Get(ctx, testRepo.Owner, testRepo.Name, res.Closed)
				if err != nil || pr.GetState() != "closed" {
					t.Fatalf("pull request state %q, %v", pr.GetState(), err)
				}
				comments, _, err := e.forge.gh.Issues.ListComments(ctx, testRepo.Owner, testRepo.Name, res.Closed, nil)
				if err != nil || len(comments) != 1 || !strings.Contains(comments[0].GetBody(), "already holds this change") {
					t.Fatalf("comments %v, %v", comments, err)
				}
			}},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			e.calls()
			res, err := st.run(e.forge)
			if err != nil {
				t.Fatal(err)
			}
			st.check(t, res)
		})
	}
}

// coldForge returns a Forge with empty caches on a new client stack, as after a restart.
func (e *env) coldForge(t testing.TB) *Forge {
	t.Helper()
	rt, err := NewTransport(TransportOptions{Sleep: e.clock.Sleep, Now: e.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	gh, err := NewClient(e.sim.URL(), e.sim.InstallationToken(), rt)
	if err != nil {
		t.Fatal(err)
	}
	return New(gh, Options{Sleep: e.clock.Sleep})
}
