package bot

import (
	"slices"
	"strings"
	"testing"

	"github.com/stagehand-gitops/stagehand/internal/githubsim"
)

// TestReplyFindsOwnComment: a person quotes Stagehand's status comment,
// hidden marker and all. Stagehand knows its own login (from GET /app at
// start), so it answers in its own comment and leaves the person's alone.
func TestReplyFindsOwnComment(t *testing.T) {
	w := chatWorld(t)
	n := w.issue()
	quote := "As the bot said:\n\n> Done.\n\n<!-- stagehand:chatops -->"
	if _, err := w.sim.Comment("alice", configRepo, n, quote); err != nil {
		t.Fatal(err)
	}
	w.settle()
	w.say("sam", n, "/help")
	comments, err := w.sim.Comments(configRepo, n)
	if err != nil {
		t.Fatal(err)
	}
	var own int
	for _, c := range comments {
		switch {
		case c.Author == "alice" && c.Body != quote:
			t.Errorf("Stagehand rewrote alice's comment:\n%s", c.Body)
		case c.Author == "stagehand[bot]" && strings.Contains(c.Body, "@sam asked for one command"):
			own++
		}
	}
	if own != 1 {
		t.Fatalf("%d replies by stagehand[bot], want 1; comments %+v", own, comments)
	}
	if got := w.bot.selfLogin(); got != "stagehand[bot]" {
		t.Errorf("self = %q, want stagehand[bot]", got)
	}
}

// TestRollbackNothingRuns: a rollback in an environment whose overlays
// do not name the app's image is refused with the reason, not answered
// "cannot read …: <nil>".
func TestRollbackNothingRuns(t *testing.T) {
	files := seedFiles(chatPolicy)
	files[chatProdOverlay] = "resources:\n- ../../base\n"
	w := newWorld(t, worldOptions{files: files})
	w.sim.AddUser("sam")
	if err := w.sim.SetPermission(configRepo, "sam", githubsim.PermWrite); err != nil {
		t.Fatal(err)
	}
	w.sim.AddTeamMember("acme", "sre", "sam", "member")
	n := w.issue()
	reactions, reply := w.say("sam", n, "/rollback web in prod")
	if strings.Contains(reply, "<nil>") || !strings.Contains(reply, "nothing to roll back") || !slices.Equal(reactions, []string{"eyes", "confused"}) {
		t.Fatalf("reactions %v, reply:\n%s", reactions, reply)
	}
	if _, ok := w.open()[rollbackPrefix+"prod/web"]; ok {
		t.Error("a rollback pull request was opened")
	}
	replyGolden(t, "rollback-nothing-runs", reply)
}
