package sandbox

import (
	"bytes"
	"io/fs"
	"os"
	"strings"
	"testing"
)

// TestMixedStory plays the story on the mixed repository, where the app
// promoted is a local Helm chart with a values file per environment: a
// new tag opens the dev PR, staging and prod follow under the same gates
// as overlays (dev merges itself, staging soaks, prod waits for the sre's
// /promote), and after each merge every file of the repository is as
// seeded but for the tag bytes of the values files promoted so far.
func TestMixedStory(t *testing.T) {
	const repo = "../../testdata/mixed-repo"
	seed := os.DirFS(repo)
	s := startFS(t, seed)
	res, _ := playOn(t, s)
	if res.Script.App != "payment-service" || res.Script.Version != "v2.4.0" {
		t.Fatalf("script %s %s, want payment-service v2.4.0", res.Script.App, res.Script.Version)
	}
	if len(res.PRs) != 3 {
		t.Fatalf("%d pull requests, want 3", len(res.PRs))
	}
	var files []string
	if err := fs.WalkDir(seed, ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			files = append(files, p)
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	bumped := map[string]bool{}
	for i, pr := range res.PRs {
		env := res.Script.Steps[i].Env.Name
		if !pr.Merged || pr.Head != "stagehand/"+env+"/payment-service" {
			t.Fatalf("PR #%d %s merged=%v, want stagehand/%s/payment-service merged", pr.Number, pr.Head, pr.Merged, env)
		}
		bumped["apps/payment-service/values-"+env+".yaml"] = true
		for _, f := range files {
			want, _ := fs.ReadFile(seed, f)
			if bumped[f] {
				want = []byte(strings.Replace(string(want), `tag: "v2.3.0"`, `tag: "v2.4.0"`, 1))
			}
			got, err := s.Sim().File(s.repo.Owner+"/"+s.repo.Name, pr.MergeCommitSHA, f)
			if err != nil {
				t.Fatalf("%s after #%d: %v", f, pr.Number, err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("after #%d (%s), %s is\n%s\nwant\n%s", pr.Number, env, f, got, want)
			}
		}
	}
	for _, row := range res.Inventory {
		if row.App != "payment-service" {
			continue
		}
		for _, c := range row.Envs {
			if c.Version.Tag != "v2.4.0" {
				t.Errorf("payment-service runs %s in %s, want v2.4.0", c.Version, c.Env)
			}
		}
	}
}
