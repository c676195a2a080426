package bot

import (
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stagehand-gitops/stagehand/internal/chatops"
	"github.com/stagehand-gitops/stagehand/internal/githubsim"
)

// chatPolicy: prod is manual and only the @acme/sre team may promote into it.
const chatPolicy = `version: 1
environments:
  - name: dev
  - name: staging
  - name: prod
    promotion: manual
    promoters: ["@acme/sre"]
apps:
  web:
    image: ghcr.io/acme/web
`

const (
	chatProdOverlay    = "apps/web/overlays/prod/kustomization.yaml"
	chatStagingOverlay = "apps/web/overlays/staging/kustomization.yaml"
)

// chatWorld has staging ahead of prod (v1.1.0 against v1.0.0), an SRE
// who may promote to prod, a developer with write access, and a reader.
func chatWorld(t *testing.T) *world {
	t.Helper()
	files := seedFiles(chatPolicy)
	files[chatStagingOverlay] = strings.Replace(files[chatStagingOverlay], "v1.0.0", "v1.1.0", 1)
	w := newWorld(t, worldOptions{files: files})
	w.sim.AddUser("sam")
	w.sim.AddUser("rita")
	for login, p := range map[string]githubsim.Permission{"sam": githubsim.PermWrite, "rita": githubsim.PermRead} {
		if err := w.sim.SetPermission(configRepo, login, p); err != nil {
			t.Fatal(err)
		}
	}
	w.sim.AddTeamMember("acme", "sre", "sam", "member")
	return w
}

// issue opens a plain issue to talk to Stagehand in.
func (w *world) issue() int {
	w.t.Helper()
	n, err := w.sim.CreateIssue("alice", configRepo, "Release train", "")
	if err != nil {
		w.t.Fatal(err)
	}
	w.settle()
	return n
}

// say comments as login and waits for Stagehand; it returns the comment's
// reactions (by Stagehand) and Stagehand's reply on the issue.
func (w *world) say(login string, number int, body string) ([]string, string) {
	w.t.Helper()
	id, err := w.sim.Comment(login, configRepo, number, body)
	if err != nil {
		w.t.Fatal(err)
	}
	w.settle()
	comments, err := w.sim.Comments(configRepo, number)
	if err != nil {
		w.t.Fatal(err)
	}
	var reactions []string
	var reply string
	for _, c := range comments {
		if c.ID == id {
			for _, r := range c.Reactions {
				_, content, _ := strings.Cut(r, ":")
				reactions = append(reactions, content)
			}
		}
		if strings.HasSuffix(c.Author, "[bot]") && strings.Contains(c.Body, "<!-- stagehand:chatops -->") {
			reply = c.Body
		}
	}
	return reactions, reply
}

func TestCommentPromoteByPromoter(t *testing.T) {
	w := chatWorld(t)
	n := w.issue()
	reactions, reply := w.say("sam", n, "Staging looks good.\n/promote web to prod")
	pr, ok := w.open()["stagehand/prod/web"]
	if !ok {
		t.Fatalf("no prod pull request; decisions %q", w.decisions())
	}
	if got := w.file(pr.HeadSHA, chatProdOverlay); !strings.Contains(got, "newTag: v1.1.0") {
		t.Errorf("prod overlay on the branch:\n%s", got)
	}
	if !slices.Equal(reactions, []string{"eyes", "rocket"}) {
		t.Errorf("reactions %v, want eyes then rocket", reactions)
	}
	if !strings.Contains(reply, "🚀 done") || !strings.Contains(reply, "/pull/") || !strings.Contains(reply, "v1.0.0 → v1.1.0") {
		t.Errorf("reply:\n%s", reply)
	}
	replyGolden(t, "promote", reply)
}

func TestCommentRefusals(t *testing.T) {
	w := chatWorld(t)
	n := w.issue()
	tests := []struct {
		name, login, body string
		want              []string
	}{
		{"refused-promoter", "dev", "/promote web to prod", []string{"only the promoters of prod may promote into it", "`@acme/sre`"}},
		{"refused-permission", "rita", "/promote web to prod", []string{"@rita has read access to acme/config", "the promoters of prod: `@acme/sre`"}},
		{"refused-unknown-app", "sam", "/promote nope to prod", []string{"knows no app `nope`", "apps: `web`"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reactions, reply := w.say(tt.login, n, tt.body)
			if !slices.Equal(reactions, []string{"eyes", "confused"}) {
				t.Errorf("reactions %v, want eyes then confused", reactions)
			}
			for _, s := range tt.want {
				if !strings.Contains(reply, s) {
					t.Errorf("reply lacks %q:\n%s", s, reply)
				}
			}
			replyGolden(t, tt.name, reply)
		})
	}
	if _, ok := w.open()["stagehand/prod/web"]; ok {
		t.Error("a refused command opened the prod pull request")
	}
}

func TestCommentOnForkRefused(t *testing.T) {
	w := chatWorld(t)
	fork, err := w.sim.Fork("dev", configRepo)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.sim.Push("dev", fork, "tweak", "Tweak\n", map[string]string{"README.md": "hi\n"}); err != nil {
		t.Fatal(err)
	}
	n, err := w.sim.OpenPR("dev", configRepo, "dev:tweak", "main", "Tweak", "")
	if err != nil {
		t.Fatal(err)
	}
	w.settle()
	reactions, reply := w.say("alice", n, "/promote web to prod")
	if !slices.Equal(reactions, []string{"eyes", "confused"}) || !strings.Contains(reply, "pull requests from forks cannot trigger anything") {
		t.Errorf("reactions %v, reply:\n%s", reactions, reply)
	}
	if _, ok := w.open()["stagehand/prod/web"]; ok {
		t.Error("a comment on a fork's pull request opened the prod pull request")
	}
	replyGolden(t, "refused-fork", reply)
}

func TestCommentQuotedOrFencedNotRun(t *testing.T) {
	w := chatWorld(t)
	n := w.issue()
	reactions, reply := w.say("sam", n, "> /promote web to prod\n\n```\n/hold web\n```\n\nsee `/promote web to prod`")
	if len(reactions) != 0 || reply != "" {
		t.Errorf("reactions %v, reply %q: a quoted command ran", reactions, reply)
	}
	if _, ok := w.open()["stagehand/prod/web"]; ok {
		t.Error("a quoted command opened the prod pull request")
	}
}

func TestCommentTwoCommandsAndOwnReply(t *testing.T) {
	w := chatWorld(t)
	n := w.issue()
	reactions, reply := w.say("sam", n, "/hold web in prod release freeze\n/status")
	if !slices.Equal(reactions, []string{"eyes", "rocket"}) {
		t.Errorf("reactions %v", reactions)
	}
	replyGolden(t, "hold-and-status", reply)
	for _, s := range []string{"asked for 2 commands", "Held `web` in `prod`", "| `web` | `ghcr.io/acme/web` | `v1.0.0` | `v1.1.0` | `v1.0.0` |", "release freeze"} {
		if !strings.Contains(reply, s) {
			t.Errorf("reply lacks %q:\n%s", s, reply)
		}
	}
	// The reply is a comment too: Stagehand saw it and left it alone.
	comments, err := w.sim.Comments(configRepo, n)
	if err != nil {
		t.Fatal(err)
	}
	bots := 0
	for _, c := range comments {
		if strings.HasSuffix(c.Author, "[bot]") {
			bots++
			if len(c.Reactions) != 0 {
				t.Errorf("Stagehand reacted to its own comment: %v", c.Reactions)
			}
		}
	}
	if bots != 1 {
		t.Errorf("%d Stagehand comments, want the one reply", bots)
	}
	if !slices.Contains(w.decisions(), "/: comment ignored: own comment") {
		t.Errorf("decisions %q: the bot's own comment was not seen and ignored", w.decisions())
	}
	// A second command edits the same reply instead of adding one.
	reactions, reply = w.say("sam", n, "/help")
	if !slices.Equal(reactions, []string{"eyes", "rocket"}) || !strings.Contains(reply, "**Stagehand commands**") || strings.Contains(reply, "Held `web`") {
		t.Errorf("/help: reactions %v, reply:\n%s", reactions, reply)
	}
	replyGolden(t, "help", reply)
	comments, _ = w.sim.Comments(configRepo, n)
	bots = 0
	for _, c := range comments {
		if strings.HasSuffix(c.Author, "[bot]") {
			bots++
		}
	}
	if bots != 1 {
		t.Errorf("%d Stagehand comments after a second command, want one edited in place", bots)
	}
}

func TestCommentUnknownAndUsage(t *testing.T) {
	w := chatWorld(t)
	n := w.issue()
	reactions, reply := w.say("dev", n, "/promte web to prod")
	if !slices.Equal(reactions, []string{"eyes", "confused"}) || !strings.Contains(reply, "Did you mean `/promote`?") || !strings.Contains(reply, "**Stagehand commands**") {
		t.Errorf("reactions %v, reply:\n%s", reactions, reply)
	}
	replyGolden(t, "unknown", reply)
	_, reply = w.say("dev", n, "/rollback web")
	if !strings.Contains(reply, "Usage: `/rollback <app> in <env>`") {
		t.Errorf("reply:\n%s", reply)
	}
	replyGolden(t, "usage", reply)
}

func TestCommentRollbackFromHistory(t *testing.T) {
	w := chatWorld(t)
	base := seedFiles(chatPolicy)[chatProdOverlay]
	for _, tag := range []string{"v1.1.0", "v1.2.0"} {
		if _, err := w.sim.Push("alice", configRepo, "main", "prod to "+tag+"\n", map[string]string{chatProdOverlay: strings.Replace(base, "v1.0.0", tag, 1)}); err != nil {
			t.Fatal(err)
		}
		w.settle()
	}
	n := w.issue()
	reactions, reply := w.say("sam", n, "/rollback web in prod")
	pr, ok := w.open()[rollbackPrefix+"prod/web"]
	if !ok {
		t.Fatalf("no rollback pull request; reply:\n%s", reply)
	}
	if got := w.file(pr.HeadSHA, chatProdOverlay); got != strings.Replace(base, "v1.0.0", "v1.1.0", 1) {
		t.Errorf("prod overlay on the rollback branch:\n%s", got)
	}
	if !slices.Contains(pr.Labels, LabelRollback) || pr.Title != "Roll back web in prod: v1.2.0 → v1.1.0" {
		t.Errorf("title %q labels %v", pr.Title, pr.Labels)
	}
	if !slices.Equal(reactions, []string{"eyes", "rocket"}) {
		t.Errorf("reactions %v; reply:\n%s", reactions, reply)
	}
	replyGolden(t, "rollback", reply)
	// The downgrade passes stagehand/prod only because it is a rollback.
	runs, err := w.sim.CheckRuns(configRepo, pr.HeadSHA)
	if err != nil {
		t.Fatal(err)
	}
	var prodCheck githubsim.CheckRun
	for _, r := range runs {
		if r.Name == "stagehand/prod" {
			prodCheck = r
		}
	}
	if prodCheck.Conclusion != "success" || !strings.Contains(prodCheck.Summary, "rollback") {
		t.Errorf("stagehand/prod on the rollback pull request: %s %s\n%s", prodCheck.Status, prodCheck.Conclusion, prodCheck.Summary)
	}
	// Rolling back to a named tag.
	_, reply = w.say("sam", n, "/rollback web in prod to v1.0.0")
	replyGolden(t, "rollback-to", reply)
	pr = w.open()[rollbackPrefix+"prod/web"]
	if got := w.file(pr.HeadSHA, chatProdOverlay); got != base {
		t.Errorf("prod overlay after /rollback … to v1.0.0:\n%s", got)
	}
}

func TestCommentHoldBlocksPromotion(t *testing.T) {
	w := chatWorld(t)
	n := w.issue()
	// An open prod pull request gets the hold label when the hold lands.
	w.say("sam", n, "/promote web to prod")
	if _, ok := w.open()["stagehand/prod/web"]; !ok {
		t.Fatal("no prod pull request")
	}
	_, reply := w.say("dev", n, "/hold web in prod waiting for the migration")
	if !strings.Contains(reply, "🚀 done") {
		t.Fatalf("hold reply:\n%s", reply)
	}
	replyGolden(t, "hold", reply)
	pr := w.open()["stagehand/prod/web"]
	if !slices.Contains(pr.Labels, chatops.LabelHold) {
		t.Errorf("prod pull request labels %v, want %s", pr.Labels, chatops.LabelHold)
	}
	if got := w.checkConclusion(pr.HeadSHA, "stagehand/prod"); got != "failure" {
		t.Errorf("stagehand/prod on the held pull request: %q, want failure", got)
	}
	reactions, reply := w.say("sam", n, "/promote web@v1.1.0 to prod")
	if !slices.Equal(reactions, []string{"eyes", "confused"}) || !strings.Contains(reply, "hold") {
		t.Errorf("promotion while held: reactions %v, reply:\n%s", reactions, reply)
	}
	replyGolden(t, "promote-held", reply)
	// Lifting the hold takes the label off.
	_, reply = w.say("sam", n, "/unhold web in prod")
	if !strings.Contains(reply, "Lifted the hold") || slices.Contains(w.open()["stagehand/prod/web"].Labels, chatops.LabelHold) {
		t.Errorf("unhold: labels %v, reply:\n%s", w.open()["stagehand/prod/web"].Labels, reply)
	}
	replyGolden(t, "unhold", reply)
	if got := w.checkConclusion(pr.HeadSHA, "stagehand/prod"); got == "failure" {
		t.Errorf("stagehand/prod still fails after /unhold")
	}
}

func TestCommentBarePromoteOnMergedPR(t *testing.T) {
	w := chatWorld(t)
	staging := stagingPull(t, w) // staging is auto, so it follows once dev merges
	if _, err := w.sim.Merge("alice", configRepo, staging.Number, "merge"); err != nil {
		t.Fatal(err)
	}
	w.settle()
	reactions, reply := w.say("sam", staging.Number, "/promote")
	pr, ok := w.open()["stagehand/prod/web"]
	if !ok || !strings.Contains(w.file(pr.HeadSHA, chatProdOverlay), "newTag: v1.2.0") {
		t.Fatalf("no prod pull request with v1.2.0; reactions %v reply:\n%s", reactions, reply)
	}
	replyGolden(t, "promote-bare-merged", reply)
}

func TestCommentPromoteTag(t *testing.T) {
	w := chatWorld(t)
	n := w.issue()
	reactions, reply := w.say("sam", n, "/promote web@v9.9.9 to prod")
	if !slices.Equal(reactions, []string{"eyes", "confused"}) || !strings.Contains(reply, "`v9.9.9` never ran in staging, the environment before prod") {
		t.Errorf("a tag staging never ran: reactions %v, reply:\n%s", reactions, reply)
	}
	if _, ok := w.open()["stagehand/prod/web"]; ok {
		t.Fatal("a tag staging never ran was proposed for prod")
	}
	replyGolden(t, "promote-tag-refused", reply)
	reactions, reply = w.say("sam", n, "/promote web@v1.1.0 to prod")
	pr, ok := w.open()["stagehand/prod/web"]
	if !ok || !strings.Contains(w.file(pr.HeadSHA, chatProdOverlay), "newTag: v1.1.0") || !slices.Equal(reactions, []string{"eyes", "rocket"}) {
		t.Fatalf("promote web@v1.1.0: reactions %v, reply:\n%s", reactions, reply)
	}
	replyGolden(t, "promote-tag", reply)
}

func TestCommentBarePromoteBeforeMerge(t *testing.T) {
	w := chatWorld(t)
	w.protect()
	w.publish("v1.2.0")
	dev, ok := w.open()["stagehand/dev/web"]
	if !ok {
		t.Fatalf("no dev pull request: %q", w.decisions())
	}
	reactions, reply := w.say("dev", dev.Number, "/promote")
	if !slices.Equal(reactions, []string{"eyes", "rocket"}) || !strings.Contains(reply, "goes on to `staging`") {
		t.Errorf("reactions %v, reply:\n%s", reactions, reply)
	}
	replyGolden(t, "promote-bare-unmerged", reply)
	if !slices.Contains(w.open()["stagehand/dev/web"].Labels, LabelPromoteNext) {
		t.Errorf("labels %v, want %s", w.open()["stagehand/dev/web"].Labels, LabelPromoteNext)
	}
	// On a pull request that is not a promotion, a bare /promote says what to write instead.
	n := w.issue()
	_, reply = w.say("dev", n, "/promote")
	if !strings.Contains(reply, "a bare `/promote` works only on a Stagehand promotion pull request") {
		t.Errorf("bare promote on an issue:\n%s", reply)
	}
	replyGolden(t, "promote-bare-issue", reply)
}

// replyGolden compares Stagehand's reply with testdata/replies/<name>.md,
// the simulator's address written as https://github.test.
func replyGolden(t *testing.T, name, reply string) {
	t.Helper()
	checksGolden(t, filepath.Join("testdata", "replies", name+".md"), simURL.ReplaceAllString(reply, "https://github.test"))
}

var simURL = regexp.MustCompile(`http://127\.0\.0\.1:[0-9]+`)

// checkConclusion is the conclusion of the newest check run named name on sha.
func (w *world) checkConclusion(sha, name string) string {
	w.t.Helper()
	runs, err := w.sim.CheckRuns(configRepo, sha)
	if err != nil {
		w.t.Fatal(err)
	}
	got := ""
	for _, r := range runs {
		if r.Name == name {
			got = r.Conclusion
		}
	}
	return got
}

// TestCommentPolicyFromDefaultBranch: a pull request that lists its author
// as a promoter of prod in its own .stagehand.yaml does not make them one.
func TestCommentPolicyFromDefaultBranch(t *testing.T) {
	w := chatWorld(t)
	n := w.propose("self-promoter", map[string]string{".stagehand.yaml": strings.Replace(chatPolicy, `promoters: ["@acme/sre"]`, `promoters: ["@acme/sre", dev]`, 1)})
	reactions, reply := w.say("dev", n, "/promote web to prod")
	if !slices.Equal(reactions, []string{"eyes", "confused"}) || !strings.Contains(reply, "only the promoters of prod may promote into it") {
		t.Errorf("reactions %v, reply:\n%s", reactions, reply)
	}
	if _, ok := w.open()["stagehand/prod/web"]; ok {
		t.Error("the pull request's own policy let its author promote to prod")
	}
}

// TestCommentEditedOrDeletedNotRun: only a new comment counts; editing a
// comment into a command, or deleting one, runs nothing.
func TestCommentEditedOrDeletedNotRun(t *testing.T) {
	w := chatWorld(t)
	n := w.issue()
	id, err := w.sim.Comment("sam", configRepo, n, "Staging looks good.")
	if err != nil {
		t.Fatal(err)
	}
	w.settle()
	if err := w.sim.EditComment("sam", configRepo, id, "Staging looks good.\n/promote web to prod"); err != nil {
		t.Fatal(err)
	}
	w.settle()
	if err := w.sim.DeleteComment("sam", configRepo, id); err != nil {
		t.Fatal(err)
	}
	w.settle()
	if _, ok := w.open()["stagehand/prod/web"]; ok {
		t.Error("an edited comment opened the prod pull request")
	}
	comments, err := w.sim.Comments(configRepo, n)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range comments {
		if strings.HasSuffix(c.Author, "[bot]") {
			t.Errorf("Stagehand answered an edited or deleted comment:\n%s", c.Body)
		}
	}
	// The same text as a new comment runs.
	if _, reply := w.say("sam", n, "/promote web to prod"); !strings.Contains(reply, "🚀 done") {
		t.Errorf("a new comment did not run:\n%s", reply)
	}
}
