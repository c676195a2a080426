package githubsim

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-github/v62/github"
)

// missingKeys lists the keys of want (recursively) that got lacks, as JSON paths.
func missingKeys(want, got any, path string, out *[]string) {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			if got != nil {
				*out = append(*out, path+" (not an object)")
			}
			return
		}
		for k, wv := range w {
			gv, present := g[k]
			if !present {
				*out = append(*out, path+"."+k)
				continue
			}
			missingKeys(wv, gv, path+"."+k, out)
		}
	case []any:
		g, ok := got.([]any)
		if ok && len(w) > 0 && len(g) > 0 {
			missingKeys(w[0], g[0], path+"[]", out)
		}
	}
}

// webhookShapeOptional lists keys of GitHub's examples that githubsim does not model
// (features Stagehand does not use); every other key must be present.
var webhookShapeOptional = []string{
	".organization",         // repositories here belong to users in the simulator's account model
	".permissions.",         // the App's permissions are its own, not the example App's
	".check_run.deployment", // only set for GitHub Actions jobs that deploy
}

func optional(p string) bool {
	for _, o := range webhookShapeOptional {
		if strings.Contains(p, o) {
			return true
		}
	}
	return false
}

func TestWebhookShapesMatchGitHubExamples(t *testing.T) {
	dir := filepath.Join("..", "..", "testdata", "webhooks")
	if _, err := os.Stat(dir); err != nil {
		t.Fatalf("no webhook examples at %s: %v", dir, err)
	}
	f, _ := newHookFixture(t)
	runWebhookScenario(t, f)
	f.sim.Flush()
	byKind := map[string][]byte{}
	for _, d := range f.sim.Deliveries() {
		kind := d.Event
		if d.Action != "" {
			kind += "." + d.Action
		}
		byKind[kind] = d.Payload
	}
	// Every webhook Stagehand relies on is among them.
	for _, kind := range []string{"push", "pull_request.opened", "pull_request.synchronize", "pull_request.closed",
		"pull_request.labeled", "issue_comment.created", "pull_request_review.submitted", "check_suite.requested",
		"check_run.rerequested", "deployment_status.created", "status", "installation.created"} {
		if byKind[kind] == nil {
			t.Errorf("the scenario sent no %s webhook", kind)
		}
	}
	kinds := make([]string, 0, len(byKind))
	for k := range byKind {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	for _, kind := range kinds {
		example, err := os.ReadFile(filepath.Join(dir, kind+".json"))
		if err != nil {
			continue
		}
		t.Run(kind, func(t *testing.T) {
			var want, got any
			if err := json.Unmarshal(example, &want); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(byKind[kind], &got); err != nil {
				t.Fatal(err)
			}
			var missing []string
			missingKeys(want, got, "", &missing)
			sort.Strings(missing)
			for _, m := range missing {
				if !optional(m) {
					t.Errorf("%s payload lacks %s", kind, m)
				}
			}
		})
	}
}

// runWebhookScenario makes the simulator send one webhook of every kind it models.
func runWebhookScenario(t *testing.T, f *fixture) {
	t.Helper()
	s := f.sim
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	_, err := s.Push("dev", testRepo, "feature", "x", map[string]string{"a": "a"})
	must(err)
	n, err := s.OpenPR("dev", testRepo, "feature", "main", "t", "")
	must(err)
	must(s.AddLabel("alice", testRepo, n, "hold"))
	must(s.RemoveLabel("alice", testRepo, n, "hold"))
	id, err := s.Comment("alice", testRepo, n, "/promote")
	must(err)
	_, _, err = f.client(t, "alice").Issues.EditComment(f.ctx, "acme", "config", id, &github.IssueComment{Body: github.String("/promote web")})
	must(err)
	gone, err := s.Comment("dev", testRepo, n, "typo")
	must(err)
	must(s.EditComment("dev", testRepo, gone, "typo fixed"))
	must(s.DeleteComment("dev", testRepo, gone))
	_, err = s.Push("dev", testRepo, "feature", "y", map[string]string{"b": "b"})
	must(err)
	must(s.Review("alice", testRepo, n, "APPROVE", ""))
	sha, err := s.RefSHA(testRepo, "feature")
	must(err)
	c := f.client(t, "")
	run, _, err := c.Checks.CreateCheckRun(f.ctx, "acme", "config", createRunOpts(sha))
	must(err)
	must(s.RerequestCheckRun("alice", testRepo, run.GetID()))
	must(s.RerequestCheckSuite("alice", testRepo, sha))
	_, _, err = c.Checks.UpdateCheckRun(f.ctx, "acme", "config", run.GetID(), github.UpdateCheckRunOptions{Name: "stagehand/dev", Conclusion: github.String("success")})
	must(err)
	_, err = s.Merge("alice", testRepo, n, "merge")
	must(err)
	must(s.SetStatus("", testRepo, sha, "argo", "success", ""))
	dep, err := s.CreateDeployment("dev", testRepo, "main", "dev")
	must(err)
	must(s.SetDeploymentStatus("dev", testRepo, dep, "success"))
	s.InstallApp("acme")
	if err := s.CreateRepo(RepoOptions{Owner: "acme", Name: "later", NotInstalled: true}); err != nil {
		t.Fatal(err)
	}
	must(s.SetInstalled("alice", "acme/later", true))
}
