package githubsim_test

import (
	"context"
	"fmt"
	"testing/fstest"

	"github.com/google/go-github/v62/github"
	"github.com/stagehand-gitops/stagehand/internal/githubsim"
)

// A go-github client talks to the simulator unchanged; a person-action then merges the PR.
func Example() {
	sim, err := githubsim.New(githubsim.Options{})
	if err != nil {
		panic(err)
	}
	defer sim.Close()
	_ = sim.CreateRepo(githubsim.RepoOptions{Owner: "acme", Name: "config",
		Collaborators: map[string]githubsim.Permission{"alice": githubsim.PermAdmin}})
	_, _ = sim.SeedFS("acme/config", "main", fstest.MapFS{"README.md": {Data: []byte("hi\n")}}, "Initial commit\n")
	_, _ = sim.Push("alice", "acme/config", "feature", "Say hello", map[string]string{"hello.txt": "hello\n"})

	c, _ := github.NewClient(nil).WithAuthToken(sim.InstallationToken()).WithEnterpriseURLs(sim.URL(), sim.URL())
	pr, _, err := c.PullRequests.Create(context.Background(), "acme", "config", &github.NewPullRequest{
		Title: github.String("Say hello"), Head: github.String("feature"), Base: github.String("main")})
	if err != nil {
		panic(err)
	}
	if _, err := sim.Merge("alice", "acme/config", pr.GetNumber(), "squash"); err != nil {
		panic(err)
	}
	content, _ := sim.File("acme/config", "main", "hello.txt")
	fmt.Printf("PR #%d merged; hello.txt = %q; calls: %v; contract violations: %d\n",
		pr.GetNumber(), content, sim.Calls().Log, len(sim.Violations()))
	// Output: PR #1 merged; hello.txt = "hello\n"; calls: [pulls/create 201]; contract violations: 0
}
