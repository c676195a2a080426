package bot

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-github/v62/github"

	"github.com/stagehand-gitops/stagehand/internal/chatops"
	"github.com/stagehand-gitops/stagehand/internal/checks"
	"github.com/stagehand-gitops/stagehand/internal/event"
	"github.com/stagehand-gitops/stagehand/internal/githubsim"
	"github.com/stagehand-gitops/stagehand/internal/golden"
)

// checksPolicy: prod soaks an hour in staging, is frozen from 12:00 to
// 14:00 on the test's day, and lists alice as its promoter; web stays
// below 2.0.0.
const checksPolicy = `version: 1
environments:
  - name: dev
  - name: staging
  - name: prod
    promotion: manual
    soak: 1h
    promoters: [alice]
    freeze:
      - from: "2026-03-02T12:00:00Z"
        to: "2026-03-02T14:00:00Z"
apps:
  web:
    images:
      - name: ghcr.io/acme/web
        constraint: "<2.0.0"
`

func checksOverlay(tag string) string {
	return "resources:\n- ../../base\nimages:\n- name: ghcr.io/acme/web\n  newTag: " + tag + "\n"
}

// checksWorld is a world whose dev and staging run v1.1.0 and prod
// v1.0.0. Staging took v1.1.0 through a merged pull request, as
// promotions do: its merge time, which GitHub records, is what prod's
// soak counts from.
func checksWorld(t *testing.T) *world { return checksWorldWith(t, checksPolicy) }

// checksWorldWith is checksWorld under another policy.
func checksWorldWith(t *testing.T, pol string) *world {
	files := seedFiles(pol)
	files["apps/web/overlays/dev/kustomization.yaml"] = checksOverlay("v1.1.0")
	files["apps/web/overlays/staging/kustomization.yaml"] = checksOverlay("v1.0.0")
	files["apps/web/overlays/prod/kustomization.yaml"] = checksOverlay("v1.0.0")
	w := newWorld(t, worldOptions{files: files})
	w.mergeStaging("v1.1.0")
	return w
}

// mergeStaging merges a pull request that sets staging to tag.
func (w *world) mergeStaging(tag string) {
	w.t.Helper()
	n := w.propose("staging-"+tag, map[string]string{"apps/web/overlays/staging/kustomization.yaml": checksOverlay(tag)})
	if _, err := w.sim.Merge("alice", configRepo, n, "merge"); err != nil {
		w.t.Fatal(err)
	}
	w.settle()
}

// propose pushes files to a new branch as dev and opens a pull request.
func (w *world) propose(branch string, files map[string]string) int {
	w.t.Helper()
	if _, err := w.sim.Push("dev", configRepo, branch, "change "+branch, files); err != nil {
		w.t.Fatal(err)
	}
	n, err := w.sim.OpenPR("dev", configRepo, branch, "main", "Change "+branch, "")
	if err != nil {
		w.t.Fatal(err)
	}
	w.settle()
	return n
}

// checkRun returns the check run called name on branch's head.
func (w *world) checkRun(branch, name string) githubsim.CheckRun {
	w.t.Helper()
	runs, err := w.sim.CheckRuns(configRepo, branch)
	if err != nil {
		w.t.Fatal(err)
	}
	var names []string
	for _, r := range runs {
		if r.Name == name {
			return r
		}
		names = append(names, r.Name)
	}
	w.t.Fatalf("no check run %s on %s (have %v)", name, branch, names)
	return githubsim.CheckRun{}
}

// TestChecksRules plays one pull request per rule through githubsim and
// asserts each check's state, summary and annotations.
func TestChecksRules(t *testing.T) {
	w := checksWorld(t)
	prod, staging, dev := "apps/web/overlays/prod/kustomization.yaml", "apps/web/overlays/staging/kustomization.yaml", "apps/web/overlays/dev/kustomization.yaml"
	tests := []struct {
		branch      string
		files       map[string]string
		label, by   string
		check       string
		status      string // the conclusion, or in_progress
		annotations int
	}{
		{branch: "order-fail", files: map[string]string{prod: checksOverlay("v1.2.0")}, check: "stagehand/prod", status: "failure", annotations: 1},
		{branch: "soak-wait", files: map[string]string{prod: checksOverlay("v1.1.0")}, check: "stagehand/prod", status: "in_progress"},
		{branch: "tags-fail", files: map[string]string{dev: checksOverlay("v2.0.0")}, check: "stagehand/dev", status: "failure", annotations: 1},
		{branch: "downgrade-fail", files: map[string]string{dev: checksOverlay("v1.0.5")}, check: "stagehand/dev", status: "failure", annotations: 1},
		// The rollback label counts from a promoter of the environment
		// only: from anyone else, a version that ran nowhere fails.
		{branch: "rollback-promoter", files: map[string]string{prod: checksOverlay("v0.9.0")}, label: "rollback", by: "alice", check: "stagehand/prod", status: "success"},
		{branch: "rollback-stranger", files: map[string]string{prod: checksOverlay("v1.2.0")}, label: "rollback", by: "dev", check: "stagehand/prod", status: "failure", annotations: 1},
		{branch: "hold", files: map[string]string{staging: checksOverlay("v1.1.0") + "# note\n"}, label: "stagehand:hold", by: "alice", check: "stagehand/staging", status: "failure"},
		{branch: "secret", files: map[string]string{"apps/web/overlays/staging/db.yaml": "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\nstringData:\n  password: hunter2\n"},
			check: "stagehand/staging", status: "failure", annotations: 1},
		{branch: "secret-sealed", files: map[string]string{"apps/web/overlays/staging/db.yaml": "apiVersion: bitnami.com/v1alpha1\nkind: SealedSecret\nmetadata:\n  name: db\nspec:\n  encryptedData:\n    password: AgBy8h==\n"},
			check: "stagehand/staging", status: "success"},
		// A plain Secret added to the base every overlay reaches fails
		// every environment, prod included.
		{branch: "base-secret", files: map[string]string{"apps/web/base/kustomization.yaml": "resources:\n- deployment.yaml\n- db.yaml\n",
			"apps/web/base/db.yaml": "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\nstringData:\n  password: hunter2\n"},
			check: "stagehand/prod", status: "failure", annotations: 1},
		{branch: "build-fail", files: map[string]string{staging: "resources:\n- ../../base\n- missing.yaml\n"}, check: "stagehand/staging", status: "failure", annotations: 1},
		{branch: "untouched", files: map[string]string{"README.md": "# config\n"}, check: "stagehand", status: "neutral"},
		{branch: "policy", files: map[string]string{".stagehand.yaml": strings.Replace(checksPolicy, "soak: 1h", "soak: 10m", 1)}, check: "stagehand", status: "success"},
		{branch: "policy-invalid", files: map[string]string{".stagehand.yaml": strings.Replace(checksPolicy, "soak: 1h", "soak: an hour", 1)}, check: "stagehand", status: "failure", annotations: 1},
	}
	for _, tt := range tests {
		t.Run(tt.branch, func(t *testing.T) {
			w.t = t
			n := w.propose(tt.branch, tt.files)
			if tt.label != "" {
				if err := w.sim.AddLabel(tt.by, configRepo, n, tt.label); err != nil {
					t.Fatal(err)
				}
				w.settle()
			}
			run := w.checkRun(tt.branch, tt.check)
			got := run.Conclusion
			if run.Status != "completed" {
				got = run.Status
			}
			if got != tt.status {
				t.Errorf("%s is %s, want %s\n%s", tt.check, got, tt.status, run.Summary)
			}
			if run.Annotations != tt.annotations {
				t.Errorf("%d annotations, want %d", run.Annotations, tt.annotations)
			}
			checksGolden(t, filepath.Join("testdata", "checks", tt.branch+".md"), run.Summary)
		})
	}
}

// TestChecksBranchProtection: with stagehand/prod required from the App,
// a failing prod pull request cannot merge, a forged status does not
// help, and a soaking one merges once the clock passes the soak.
func TestChecksBranchProtection(t *testing.T) {
	w := checksWorld(t)
	if err := w.sim.Protect(configRepo, "main", &githubsim.Protection{RequiredChecks: []githubsim.RequiredCheck{{Context: "stagehand/prod", AppID: w.sim.AppID()}}}); err != nil {
		t.Fatal(err)
	}
	prod := "apps/web/overlays/prod/kustomization.yaml"
	bad := w.propose("prod-bad", map[string]string{prod: checksOverlay("v1.2.0")})
	if run := w.checkRun("prod-bad", "stagehand/prod"); run.Conclusion != "failure" {
		t.Fatalf("stagehand/prod on the bad pull request: %s %s", run.Status, run.Conclusion)
	}
	if _, err := w.sim.Merge("alice", configRepo, bad, "merge"); err == nil {
		t.Fatal("a failing prod pull request merged")
	}
	sha, err := w.sim.RefSHA(configRepo, "prod-bad")
	if err != nil {
		t.Fatal(err)
	}
	if err := w.sim.SetStatus("dev", configRepo, sha, "stagehand/prod", "success", "forged"); err != nil {
		t.Fatal(err)
	}
	w.settle()
	if _, err := w.sim.Merge("alice", configRepo, bad, "merge"); err == nil {
		t.Fatal("a forged stagehand/prod status let a failing pull request merge")
	}

	// A change to the base that prod's overlay builds on is judged as a
	// prod change: a plain Secret there cannot merge either.
	base := w.propose("base-secret", map[string]string{"apps/web/base/kustomization.yaml": "resources:\n- deployment.yaml\n- db.yaml\n",
		"apps/web/base/db.yaml": "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\nstringData:\n  password: hunter2\n"})
	if run := w.checkRun("base-secret", "stagehand/prod"); run.Conclusion != "failure" {
		t.Fatalf("stagehand/prod on a base change with a plain Secret: %s %s", run.Status, run.Conclusion)
	}
	if _, err := w.sim.Merge("alice", configRepo, base, "merge"); err == nil {
		t.Fatal("a plain Secret in the shared base merged past a required stagehand/prod")
	}

	// A pull request that leaves prod alone gets a neutral stagehand/prod,
	// so the required check does not hold it back.
	devOnly := w.propose("dev-only", map[string]string{"apps/web/overlays/dev/kustomization.yaml": checksOverlay("v1.1.1")})
	if run := w.checkRun("dev-only", "stagehand/prod"); run.Conclusion != "neutral" {
		t.Fatalf("stagehand/prod on a dev-only pull request: %s %s", run.Status, run.Conclusion)
	}
	if _, err := w.sim.Merge("alice", configRepo, devOnly, "merge"); err != nil {
		t.Fatalf("a dev-only pull request did not merge with stagehand/prod required: %v", err)
	}
	w.settle()

	good := w.propose("prod-good", map[string]string{prod: checksOverlay("v1.1.0")})
	run := w.checkRun("prod-good", "stagehand/prod")
	if run.Status != "in_progress" || !strings.Contains(run.Summary, "1h0m0s left") {
		t.Fatalf("stagehand/prod while staging soaks: %s %s\n%s", run.Status, run.Conclusion, run.Summary)
	}
	if _, err := w.sim.Merge("alice", configRepo, good, "merge"); err == nil {
		t.Fatal("merged while the soak was in progress")
	}
	w.sched.advance(59 * time.Minute)
	w.settle()
	if run := w.checkRun("prod-good", "stagehand/prod"); run.Status != "in_progress" {
		t.Fatalf("stagehand/prod before the soak ends: %s %s", run.Status, run.Conclusion)
	}
	w.sched.advance(time.Minute)
	w.settle()
	if run := w.checkRun("prod-good", "stagehand/prod"); run.Status != "completed" || run.Conclusion != "success" {
		t.Fatalf("stagehand/prod after the soak: %s %s\n%s", run.Status, run.Conclusion, run.Summary)
	}
	if _, err := w.sim.Merge("alice", configRepo, good, "merge"); err != nil {
		t.Fatalf("a passing prod pull request did not merge: %v", err)
	}
}

// TestChecksResumeAfterRestart: a check in progress completes on time
// even when Stagehand restarted meanwhile and lost its timers.
func TestChecksResumeAfterRestart(t *testing.T) {
	w := checksWorld(t)
	w.propose("prod-soak", map[string]string{"apps/web/overlays/prod/kustomization.yaml": checksOverlay("v1.1.0")})
	if run := w.checkRun("prod-soak", "stagehand/prod"); run.Status != "in_progress" {
		t.Fatalf("before the restart: %s %s", run.Status, run.Conclusion)
	}
	w.restart()
	w.sched.advance(time.Hour)
	w.settle()
	if run := w.checkRun("prod-soak", "stagehand/prod"); run.Conclusion != "success" {
		t.Fatalf("an hour after the restart: %s %s\n%s", run.Status, run.Conclusion, run.Summary)
	}
}

// TestChecksFreeze: inside prod's freeze the check waits; the emergency
// label lifts it only when a promoter added it.
func TestChecksFreeze(t *testing.T) {
	w := checksWorld(t)
	w.sched.advance(3 * time.Hour) // 12:00, inside the freeze; staging has soaked
	w.settle()
	n := w.propose("frozen", map[string]string{"apps/web/overlays/prod/kustomization.yaml": checksOverlay("v1.1.0")})
	run := w.checkRun("frozen", "stagehand/prod")
	if run.Status != "in_progress" || !strings.Contains(run.Summary, "frozen until 2026-03-02T14:00:00Z") || run.Annotations != 0 {
		t.Fatalf("in the freeze: %s %s, %d annotations\n%s", run.Status, run.Conclusion, run.Annotations, run.Summary)
	}
	checksGolden(t, filepath.Join("testdata", "checks", "freeze-wait.md"), run.Summary)
	if err := w.sim.AddLabel("dev", configRepo, n, "stagehand/emergency"); err != nil {
		t.Fatal(err)
	}
	w.settle()
	run = w.checkRun("frozen", "stagehand/prod")
	if run.Status != "in_progress" || !strings.Contains(run.Summary, "@dev, who is not a promoter of prod") {
		t.Fatalf("emergency label by a non-promoter: %s %s\n%s", run.Status, run.Conclusion, run.Summary)
	}
	checksGolden(t, filepath.Join("testdata", "checks", "freeze-emergency-stranger.md"), run.Summary)
	if err := w.sim.RemoveLabel("dev", configRepo, n, "stagehand/emergency"); err != nil {
		t.Fatal(err)
	}
	if err := w.sim.AddLabel("alice", configRepo, n, "stagehand/emergency"); err != nil {
		t.Fatal(err)
	}
	w.settle()
	run = w.checkRun("frozen", "stagehand/prod")
	if run.Conclusion != "success" {
		t.Fatalf("emergency label by alice: %s %s\n%s", run.Status, run.Conclusion, run.Summary)
	}
	checksGolden(t, filepath.Join("testdata", "checks", "freeze-emergency-promoter.md"), run.Summary)
}

// TestChecksRerunWithHold: a hold recorded in the holds issue fails the
// check when someone re-runs it, by the run's "Re-run" (check_run
// rerequested) or by "Re-run all checks" (check_suite rerequested).
func TestChecksRerunWithHold(t *testing.T) {
	for _, suite := range []bool{false, true} {
		name := "check run"
		if suite {
			name = "check suite"
		}
		t.Run(name, func(t *testing.T) { rerunWithHold(t, suite) })
	}
}

func rerunWithHold(t *testing.T, suite bool) {
	w := checksWorld(t)
	w.propose("staging-note", map[string]string{"apps/web/overlays/staging/kustomization.yaml": checksOverlay("v1.1.0") + "# note\n"})
	run := w.checkRun("staging-note", "stagehand/staging")
	if run.Conclusion != "success" {
		t.Fatalf("before the hold: %s %s\n%s", run.Status, run.Conclusion, run.Summary)
	}
	body := chatops.RenderHolds(chatops.Holds{{App: "web", Env: "staging", By: "alice", Since: w.clock.Now(), Reason: "database migration"}})
	issue, err := w.sim.CreateIssue("alice", configRepo, chatops.HoldsTitle, body)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.sim.AddLabel("alice", configRepo, issue, chatops.LabelHolds); err != nil {
		t.Fatal(err)
	}
	w.settle()
	if still := w.checkRun("staging-note", "stagehand/staging"); still.Conclusion != "success" {
		t.Fatalf("the check changed before anyone re-ran it: %s", still.Conclusion)
	}
	rerun := func() error { return w.sim.RerequestCheckRun("alice", configRepo, run.ID) }
	if suite {
		sha, err := w.sim.RefSHA(configRepo, "staging-note")
		if err != nil {
			t.Fatal(err)
		}
		rerun = func() error { return w.sim.RerequestCheckSuite("alice", configRepo, sha) }
	}
	if err := rerun(); err != nil {
		t.Fatal(err)
	}
	w.settle()
	run = w.checkRun("staging-note", "stagehand/staging")
	if run.Conclusion != "failure" || !strings.Contains(run.Summary, "web is on hold in staging by @alice: database migration") {
		t.Fatalf("after the hold and a re-run: %s %s\n%s", run.Status, run.Conclusion, run.Summary)
	}
}

// TestChecksLabels: the hold label the checks read is the one /hold sets.
func TestChecksLabels(t *testing.T) {
	if checks.LabelHold != chatops.LabelHold {
		t.Errorf("checks.LabelHold = %q, chatops.LabelHold = %q", checks.LabelHold, chatops.LabelHold)
	}
	if checks.LabelRollback != LabelRollback {
		t.Errorf("checks.LabelRollback = %q, bot.LabelRollback = %q", checks.LabelRollback, LabelRollback)
	}
}

// TestPostInstallChecks: installing the App posts every environment's
// check on the default branch, so branch protection can offer it;
// installing again updates nothing.
func TestPostInstallChecks(t *testing.T) {
	w := checksWorld(t)
	for range 2 {
		w.sim.InstallApp("alice")
		w.settle()
	}
	runs, err := w.sim.CheckRuns(configRepo, "main")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range runs {
		if strings.HasPrefix(r.Name, "stagehand/") && r.Name != PolicyCheck {
			got = append(got, r.Name+"="+r.Conclusion)
		}
	}
	want := "stagehand/dev=neutral stagehand/prod=neutral stagehand/staging=neutral"
	if strings.Join(slices.Sorted(slices.Values(got)), " ") != want {
		t.Errorf("check runs on main = %v, want %s", got, want)
	}
}

// TestChecksRelevant: which deliveries re-evaluate a pull request's
// checks.
func TestChecksRelevant(t *testing.T) {
	base := &github.EditChange{Base: &github.EditBase{Ref: &github.EditRef{From: github.String("develop")}}}
	title := &github.EditChange{Title: &github.EditTitle{From: github.String("old")}}
	pr := func(action string, label string, changes *github.EditChange) event.Delivery {
		p := &github.PullRequestEvent{Action: github.String(action), Changes: changes}
		if label != "" {
			p.Label = &github.Label{Name: github.String(label)}
		}
		return event.Delivery{Event: event.PullRequest, Action: action, Payload: p}
	}
	run := func(action, name string) event.Delivery {
		return event.Delivery{Event: event.CheckRun, Action: action, Payload: &github.CheckRunEvent{Action: github.String(action), CheckRun: &github.CheckRun{Name: github.String(name)}}}
	}
	suite := func(action string) event.Delivery {
		return event.Delivery{Event: event.CheckSuite, Action: action, Payload: &github.CheckSuiteEvent{Action: github.String(action)}}
	}
	tests := []struct {
		name string
		d    event.Delivery
		want bool
	}{
		{"opened", pr("opened", "", nil), true},
		{"synchronize", pr("synchronize", "", nil), true},
		{"reopened", pr("reopened", "", nil), true},
		{"closed", pr("closed", "", nil), false},
		{"edited base", pr("edited", "", base), true},
		{"edited title", pr("edited", "", title), false},
		{"labeled rollback", pr("labeled", checks.LabelRollback, nil), true},
		{"labeled emergency", pr("labeled", checks.LabelEmergency, nil), true},
		{"unlabeled hold", pr("unlabeled", checks.LabelHold, nil), true},
		{"labeled other", pr("labeled", "documentation", nil), false},
		{"suite requested", suite("requested"), true},
		{"suite rerequested", suite("rerequested"), true},
		{"suite completed", suite("completed"), false},
		{"run rerequested", run("rerequested", "stagehand/prod"), true},
		{"run rerequested, another app's", run("rerequested", "lint"), false},
		{"run completed", run("completed", "stagehand/prod"), false},
		{"timer", event.Delivery{Event: EventChecks, Payload: ChecksDue{Number: 3}}, true},
		{"comment", event.Delivery{Event: event.IssueComment, Action: "created"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ChecksRelevant(tt.d); got != tt.want {
				t.Errorf("ChecksRelevant = %v, want %v", got, tt.want)
			}
		})
	}
}

func checksGolden(t *testing.T, file, got string) {
	t.Helper()
	golden.CheckString(t, file, got)
}
