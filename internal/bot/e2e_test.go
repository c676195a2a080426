package bot

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-github/v62/github"
	"go.uber.org/zap"

	"github.com/stagehand-gitops/stagehand/internal/githubsim"
)

const devOverlay = "apps/web/overlays/dev/kustomization.yaml"

// TestPushOpensDevPR: a new tag on ghcr.io ends in a dev pull request
// (not merged: a required check has not passed), with the title, labels,
// commit trailers and a byte-exact edit.
func TestPushOpensDevPR(t *testing.T) {
	w := newWorld(t, worldOptions{})
	if err := w.sim.Protect(configRepo, "main", &githubsim.Protection{RequiredChecks: []githubsim.RequiredCheck{{Context: "ci"}}}); err != nil {
		t.Fatal(err)
	}
	w.publish("v1.1.0")
	t.Logf("decisions: %q", w.decisions())
	open := w.open()
	pr, ok := open["stagehand/dev/web"]
	if !ok || len(open) != 1 {
		t.Fatalf("open pull requests %v, want only stagehand/dev/web", open)
	}
	if pr.Title != "Promote web to dev: v1.0.0 → v1.1.0" {
		t.Errorf("title %q", pr.Title)
	}
	if strings.Join(pr.Labels, ",") != "env:dev,stagehand" && strings.Join(pr.Labels, ",") != "stagehand,env:dev" {
		t.Errorf("labels %v", pr.Labels)
	}
	got := w.file(pr.HeadSHA, devOverlay)
	want := strings.Replace(seedFiles(testPolicy)[devOverlay], "v1.0.0", "v1.1.0", 1)
	if got != want {
		t.Errorf("overlay on the branch:\n%s\nwant:\n%s", got, want)
	}
	if !strings.Contains(pr.Body, "v1.1.0") {
		t.Errorf("body does not name the new tag:\n%s", pr.Body)
	}
	gh := github.NewClient(nil).WithAuthToken(w.sim.AddUser("alice"))
	gh, err := gh.WithEnterpriseURLs(w.sim.URL(), w.sim.URL())
	if err != nil {
		t.Fatal(err)
	}
	commit, _, err := gh.Git.GetCommit(context.Background(), "acme", "config", pr.HeadSHA)
	if err != nil {
		t.Fatal(err)
	}
	for _, trailer := range []string{"Stagehand-App: web\n", "Stagehand-Env: dev\n", "Stagehand-From: registry\n", "Stagehand-Delivery: "} {
		if !strings.Contains(commit.GetMessage(), trailer) {
			t.Errorf("commit message lacks %q:\n%s", trailer, commit.GetMessage())
		}
	}
	// One log line per decision, with the delivery, repository, app and environment.
	lines := w.logs.FilterMessage("decision").FilterField(zap.String("decision", "proposed")).All()
	if len(lines) != 1 {
		t.Fatalf("%d proposed decisions logged", len(lines))
	}
	m := lines[0].ContextMap()
	if m["repo"] != configRepo || m["app"] != "web" || m["env"] != "dev" || m["delivery_id"] == "" {
		t.Errorf("decision fields %v", m)
	}
}

// protect requires a "ci" status on main, so nothing auto-merges until CI says so.
func (w *world) protect() {
	w.t.Helper()
	if err := w.sim.Protect(configRepo, "main", &githubsim.Protection{RequiredChecks: []githubsim.RequiredCheck{{Context: "ci"}}}); err != nil {
		w.t.Fatal(err)
	}
}

// TestSupersede: a newer tag updates the same branch and pull request,
// title and body included; an older or repeated one changes nothing.
func TestSupersede(t *testing.T) {
	w := newWorld(t, worldOptions{})
	w.protect()
	w.publish("v1.1.0")
	first := w.open()["stagehand/dev/web"]
	w.publish("v1.2.0")
	prs := w.pulls()
	if len(prs) != 1 {
		t.Fatalf("%d pull requests, want the one updated in place: %+v", len(prs), prs)
	}
	pr := prs[0]
	if pr.Number != first.Number || pr.Title != "Promote web to dev: v1.0.0 → v1.2.0" || !strings.Contains(pr.Body, "v1.2.0") || strings.Contains(pr.Body, "v1.1.0") {
		t.Fatalf("pull request after v1.2.0: #%d %q\n%s", pr.Number, pr.Title, pr.Body)
	}
	if got := w.file(pr.HeadSHA, devOverlay); !strings.Contains(got, "newTag: v1.2.0 # keep this comment") {
		t.Fatalf("branch overlay:\n%s", got)
	}
	w.sim.ResetCalls()
	w.publish("v1.1.5") // late, older: must not take the pull request back
	if pr2 := w.pulls()[0]; pr2.HeadSHA != pr.HeadSHA || pr2.Title != pr.Title {
		t.Fatalf("an older tag moved the pull request: %+v", pr2)
	}
	if c := w.sim.Calls(); c.Writes != 0 {
		t.Fatalf("an older tag wrote: %v", c.Log)
	}
}

// TestDuplicateEvent: the same event twice, and two events for the same
// tag, open no second pull request and make no second commit.
func TestDuplicateEvent(t *testing.T) {
	w := newWorld(t, worldOptions{})
	w.protect()
	w.sim.ResetCalls()
	w.publish("v1.1.0")
	cold := w.sim.Calls()
	t.Logf("first event: %d calls (%d writes): %v", cold.Total(), cold.Writes, cold.Log)
	w.sim.ResetCalls()
	w.publish("v1.1.0")
	// Redeliver the very first delivery too, as GitHub does on request.
	for _, d := range w.sim.Deliveries() {
		if d.Event == "registry_package" {
			if err := w.sim.Redeliver(d.ID); err != nil {
				t.Fatal(err)
			}
			break
		}
	}
	w.settle()
	warm := w.sim.Calls()
	t.Logf("repeated events: %d calls: %v", warm.Total(), warm.Log)
	if warm.Writes != 0 {
		t.Fatalf("repeated events wrote %d times: %v", warm.Writes, warm.Log)
	}
	if prs := w.pulls(); len(prs) != 1 {
		t.Fatalf("%d pull requests, want 1", len(prs))
	}
}

// TestUntrackedImage: an image no policy tracks changes nothing.
func TestUntrackedImage(t *testing.T) {
	w := newWorld(t, worldOptions{})
	if err := w.sim.PublishContainer("ci", sourceRepo, "other", "v9.9.9", digestOf("v9.9.9")); err != nil {
		t.Fatal(err)
	}
	w.settle()
	if c := w.sim.Calls(); c.Total() != 0 {
		t.Fatalf("an untracked image made calls: %v", c.Log)
	}
	if prs := w.pulls(); len(prs) != 0 {
		t.Fatalf("pull requests %+v", prs)
	}
	if d := w.decisions(); len(d) != 1 || !strings.Contains(d[0], "untracked image") {
		t.Fatalf("decisions %q", d)
	}
	// The same through a registry webhook: 202, dropped at the door.
	code := w.postRegistry("generic", nil, []byte(`{"image": "ghcr.io/acme/other", "tag": "v9.9.9"}`))
	w.settle()
	if code != http.StatusAccepted || w.sim.Calls().Total() != 0 || len(w.pulls()) != 0 {
		t.Fatalf("registry webhook for an untracked image: %d, calls %v", code, w.sim.Calls().Log)
	}
}

// TestMultiOverlayCommit: an environment that spans several overlays (a
// list of templates, one with a * segment, and dir:) is promoted in one
// commit on the base that edits every one of them, and the body lists each
// file.
func TestMultiOverlayCommit(t *testing.T) {
	pol := `version: 1
overlays:
  - apps/{app}/overlays/{env}
  - clusters/{env}-*/apps/{app}
environments:
  - name: dev
    dir: development
  - name: prod
    promotion: manual
apps:
  web:
    image: ghcr.io/acme/web
`
	ov := "images:\n- name: ghcr.io/acme/web\n  newTag: v1.0.0\n"
	files := map[string]string{".stagehand.yaml": pol,
		"apps/web/overlays/development/kustomization.yaml":    ov,
		"clusters/development-eu/apps/web/kustomization.yaml": ov,
		"clusters/development-us/apps/web/kustomization.yaml": ov,
		"clusters/prod-eu/apps/web/kustomization.yaml":        ov,
	}
	w := newWorld(t, worldOptions{files: files})
	w.protect()
	base, err := w.sim.RefSHA(configRepo, "heads/main")
	if err != nil {
		t.Fatal(err)
	}
	w.publish("v1.1.0")
	pr, ok := w.open()["stagehand/dev/web"]
	if !ok {
		t.Fatalf("no dev pull request; decisions %q", w.decisions())
	}
	gh, err := github.NewClient(nil).WithAuthToken(w.sim.AddUser("alice")).WithEnterpriseURLs(w.sim.URL(), w.sim.URL())
	if err != nil {
		t.Fatal(err)
	}
	cmp, _, err := gh.Repositories.CompareCommits(context.Background(), "acme", "config", base, pr.HeadSHA, nil)
	if err != nil {
		t.Fatal(err)
	}
	var changed []string
	for _, f := range cmp.Files {
		changed = append(changed, f.GetFilename())
	}
	want := []string{"apps/web/overlays/development/kustomization.yaml",
		"clusters/development-eu/apps/web/kustomization.yaml", "clusters/development-us/apps/web/kustomization.yaml"}
	if len(cmp.Commits) != 1 || strings.Join(changed, ",") != strings.Join(want, ",") {
		t.Fatalf("%d commits changing %v, want one changing %v", len(cmp.Commits), changed, want)
	}
	for _, path := range want {
		if !strings.Contains(w.file(pr.HeadSHA, path), "newTag: v1.1.0") {
			t.Errorf("%s not bumped on the branch", path)
		}
		if !strings.Contains(pr.Body, "`"+path+"`") {
			t.Errorf("body does not list %s:\n%s", path, pr.Body)
		}
	}
}
