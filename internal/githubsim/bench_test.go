package githubsim

import (
	"fmt"
	"testing"
	"testing/fstest"

	"github.com/google/go-github/v62/github"
)

// BenchmarkAtomicCommit measures one Git Data commit (tree, commit, CAS ref update)
// through go-github, contract validation included.
func BenchmarkAtomicCommit(b *testing.B) {
	sim := benchSim(b)
	fsys := fstest.MapFS{}
	for i := 0; i < 300; i++ {
		fsys[fmt.Sprintf("apps/app%03d/overlays/dev/kustomization.yaml", i)] = &fstest.MapFile{Data: []byte("images: []\n")}
	}
	head, err := sim.SeedFS(testRepo, "main", fsys, "seed\n")
	if err != nil {
		b.Fatal(err)
	}
	c, _ := github.NewClient(nil).WithAuthToken(sim.InstallationToken()).WithEnterpriseURLs(sim.URL(), sim.URL())
	ctx := b.Context()
	parentTree, _, err := c.Git.GetTree(ctx, "acme", "config", head, false)
	if err != nil {
		b.Fatal(err)
	}
	sim.ResetCalls()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		tree, _, err := c.Git.CreateTree(ctx, "acme", "config", parentTree.GetSHA(), []*github.TreeEntry{{
			Path: github.String("apps/app001/overlays/dev/kustomization.yaml"), Mode: github.String("100644"),
			Type: github.String("blob"), Content: github.String(fmt.Sprintf("images: [%d]\n", i))}})
		if err != nil {
			b.Fatal(err)
		}
		cm, _, err := c.Git.CreateCommit(ctx, "acme", "config", &github.Commit{Message: github.String("bump"), Tree: tree,
			Parents: []*github.Commit{{SHA: github.String(head)}}}, nil)
		if err != nil {
			b.Fatal(err)
		}
		if _, _, err := c.Git.UpdateRef(ctx, "acme", "config", &github.Reference{Ref: github.String("heads/main"),
			Object: &github.GitObject{SHA: cm.SHA}}, false); err != nil {
			b.Fatal(err)
		}
		head = cm.GetSHA()
	}
	b.ReportMetric(float64(sim.Calls().Total())/float64(b.N), "calls/op")
}

// BenchmarkRecursiveTreeLargeRepo reads the recursive tree of a 5,000-app × 3-env
// config repository (about 20,000 entries), contract validation included.
func BenchmarkRecursiveTreeLargeRepo(b *testing.B) {
	sim := benchSim(b)
	files := map[string]string{}
	for i := 0; i < 5000; i++ {
		for _, env := range []string{"dev", "staging", "prod"} {
			files[fmt.Sprintf("apps/app%04d/overlays/%s/kustomization.yaml", i, env)] = "images: []\n"
		}
	}
	// Push edits the tree structurally; fstest.MapFS would make seeding quadratic.
	head, err := sim.Push("acme", testRepo, "main", "seed\n", files)
	if err != nil {
		b.Fatal(err)
	}
	c, _ := github.NewClient(nil).WithAuthToken(sim.InstallationToken()).WithEnterpriseURLs(sim.URL(), sim.URL())
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		tree, _, err := c.Git.GetTree(b.Context(), "acme", "config", head, true)
		if err != nil {
			b.Fatal(err)
		}
		if len(tree.Entries) < 15000 {
			b.Fatalf("%d entries", len(tree.Entries))
		}
	}
}

// benchSim starts a simulator with an empty acme/config repository.
func benchSim(b *testing.B) *Sim {
	b.Helper()
	sim, err := New(Options{T: b})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(sim.Close)
	if err := sim.CreateRepo(RepoOptions{Owner: "acme", Name: "config"}); err != nil {
		b.Fatal(err)
	}
	return sim
}
