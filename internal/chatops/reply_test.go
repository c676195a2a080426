package chatops

import (
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stagehand-gitops/stagehand/internal/golden"
	"github.com/stagehand-gitops/stagehand/internal/promote"
)

// entry parses a one-line comment into its single entry.
func entry(t *testing.T, line string) Entry {
	t.Helper()
	r := Parse(line)
	if len(r.Entries) != 1 {
		t.Fatalf("Parse(%q) has %d entries", line, len(r.Entries))
	}
	return r.Entries[0]
}

func testStatus() StatusView {
	since := time.Date(2026, 11, 24, 6, 0, 0, 0, time.UTC)
	cell := func(env, tag, note string) promote.Cell {
		return promote.Cell{Env: env, Version: promote.Version{Tag: tag}, Note: note}
	}
	return StatusView{
		Envs: []string{"dev", "staging", "prod"},
		Rows: []promote.Row{
			{App: "web", Image: "ghcr.io/acme/web", Envs: []promote.Cell{cell("dev", "v1.3.0", ""), cell("staging", "v1.2.4", ""), cell("prod", "v1.2.3", "")}},
			{App: "worker", Image: "ghcr.io/acme/worker", Discovered: true, Envs: []promote.Cell{
				cell("dev", "v2.0.0", ""), cell("staging", "", "overlay has no images entry"), cell("prod", "", "no overlay")}},
		},
		Open: []OpenPromotion{{App: "web", Env: "staging", PR: PRLink{Number: 12, URL: "https://github.com/acme/config/pull/12"},
			From: promote.Version{Tag: "v1.2.4"}, To: promote.Version{Tag: "v1.3.0"}}},
		Holds: Holds{{App: "web", Env: "prod", By: "alice", Since: since, Reason: "waiting for the schema migration"}},
		Pending: []PendingGates{{App: "web", Env: "staging", Gates: []promote.Gate{
			{Name: "soak", OK: false, Detail: "v1.3.0 has run in dev for 20m of 1h", Until: since.Add(40 * time.Minute)},
			{Name: "requireHealthy", OK: true, Detail: "dev is healthy"},
		}}},
		Notes: []string{"the registry ghcr.io could not be listed: 401 Unauthorized"},
	}
}

// refusedStatus is testStatus for web, with tags refused for their
// signature: one in dev, one of worker's (not shown for /status web), and
// a detail on two lines (shown on one).
func refusedStatus() StatusView {
	v := testStatus()
	v.App = "web"
	v.Notes = nil
	v.Refused = []RefusedTag{
		{App: "web", Env: "dev", Tag: "v1.4.0", Detail: "not signed with keys/cosign.pub: no cosign signature for sha256:" + strings.Repeat("ab", 32)},
		{App: "worker", Env: "dev", Tag: "v2.1.0", Detail: "not signed with keys/cosign.pub: no cosign signature"},
		{App: "web", Env: "prod", Tag: "v1.3.0", Detail: "not signed keyless by https://github.com/acme/web/.github/workflows/release.yml@refs/heads/main (issuer https://token.actions.githubusercontent.com): tag sha256-ab.sig: signature does not verify\nwith the certificate"},
	}
	return v
}

func TestRenderReply(t *testing.T) {
	pol := testPol(t)
	pr := &PRLink{Number: 12, URL: "https://github.com/acme/config/pull/12", Title: "Promote web to prod: v1.2.3 → v1.2.4"}
	refuse := func(f Facts, line string) Answer {
		e := entry(t, line)
		return RefusedAnswer(e, Authorize(f, e.Command))
	}
	writer := Facts{Repo: "acme/config", Commenter: "dave", Permission: "write", Policy: pol}
	reader := Facts{Repo: "acme/config", Commenter: "eve", Permission: "read", Policy: pol}
	fork := Facts{Repo: "acme/config", Commenter: "alice", Permission: "admin", Fork: true, Policy: pol}
	tests := []struct {
		name     string
		answers  []Answer
		reaction string
	}{
		{"promote-success", []Answer{DoneAnswer(entry(t, "/promote web to prod"), "Opened the pull request that brings `web` in `prod` from `v1.2.3` to `v1.2.4`.", pr)}, ReactionSuccess},
		{"refused-permission", []Answer{refuse(reader, "/promote web to prod")}, ReactionFailure},
		{"refused-promoter", []Answer{refuse(writer, "/promote web to prod")}, ReactionFailure},
		{"refused-fork", []Answer{refuse(fork, "/status")}, ReactionFailure},
		{"unknown-command", []Answer{ProblemAnswer(entry(t, "/promte web to prod"))}, ReactionFailure},
		{"usage", []Answer{ProblemAnswer(entry(t, "/rollback web"))}, ReactionFailure},
		{"help", []Answer{HelpAnswer(entry(t, "/help"))}, ReactionSuccess},
		{"status", []Answer{StatusAnswer(entry(t, "/status"), testStatus())}, ReactionSuccess},
		{"status-app", []Answer{StatusAnswer(entry(t, "/status worker"), func() StatusView { v := testStatus(); v.App = "worker"; return v }())}, ReactionSuccess},
		{"status-refused", []Answer{StatusAnswer(entry(t, "/status web"), refusedStatus())}, ReactionSuccess},
		{"failed", []Answer{FailedAnswer(entry(t, "/rollback web in prod"), "`prod` has run only `v1.2.3`: there is no earlier version in its history to roll back to.\nName one: ...")}, ReactionFailure},
		{"two-commands", []Answer{
			DoneAnswer(entry(t, "/hold web in prod schema migration"), "Held `web` in `prod`; its open promotion pull requests now fail the `stagehand/prod` check.", nil),
			refuse(writer, "/unhold web in prod"),
		}, ReactionSuccess},
		{"hold-all-and-usage", []Answer{
			DoneAnswer(entry(t, "/hold web"), "Held `web` in every environment.", nil),
			ProblemAnswer(entry(t, "/unhold")),
		}, ReactionFailure},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			commenter := "dave"
			if strings.Contains(tt.name, "permission") {
				commenter = "eve"
			}
			if strings.Contains(tt.name, "fork") {
				commenter = "alice"
			}
			got := RenderReply(commenter, tt.answers)
			golden.CheckString(t, filepath.Join("testdata", "replies", tt.name+".md"), got)
			if r := Parse(got); r.Outcome() != Ignore {
				t.Errorf("the reply parses as commands: %+v", r.Entries)
			}
			if tt.name != "two-commands" {
				if got := Reaction(tt.answers); got != tt.reaction {
					t.Errorf("Reaction = %q, want %q", got, tt.reaction)
				}
			}
		})
	}
}

func TestReaction(t *testing.T) {
	ok := DoneAnswer(Entry{Text: "/status"}, "done", nil)
	bad := FailedAnswer(Entry{Text: "/status"}, "failed")
	if got := Reaction([]Answer{ok, HelpAnswer(Entry{Text: "/help"})}); got != ReactionSuccess {
		t.Errorf("all done: %q", got)
	}
	if got := Reaction([]Answer{ok, bad}); got != ReactionFailure {
		t.Errorf("one failed: %q", got)
	}
}

func TestRenderReplyFitsLimit(t *testing.T) {
	v := testStatus()
	for i := 0; i < 3000; i++ {
		v.Rows = append(v.Rows, v.Rows[0])
	}
	var answers []Answer
	for i := 0; i < MaxCommands; i++ {
		answers = append(answers, StatusAnswer(Entry{Line: i + 1, Text: "/status"}, v))
	}
	got := RenderReply("dave", answers)
	if len(got) > MaxReply || utf8.RuneCountInString(got) > MaxReply {
		t.Fatalf("reply has %d bytes, limit %d", len(got), MaxReply)
	}
	if !utf8.ValidString(got) || !strings.HasSuffix(got, "… cut to fit GitHub's comment limit.\n") {
		t.Fatalf("reply not cut cleanly: ...%q", got[len(got)-80:])
	}
}

func TestCodeSpan(t *testing.T) {
	tests := map[string]string{
		"/status":       "`/status`",
		"/hold a `b`":   "`` /hold a `b` ``",
		"/hold a ``b``": "``` /hold a ``b`` ```",
		"/hold a\nb":    "`/hold a b`",
	}
	for in, want := range tests {
		t.Run(in, func(t *testing.T) {
			if got := codeSpan(in); got != want {
				t.Errorf("codeSpan(%q) = %q, want %q", in, got, want)
			}
		})
	}
}

func TestReference(t *testing.T) {
	golden.CheckString(t, filepath.Join("..", "..", "docs", "commands.md"), Reference())
}

func TestSpecsDriveTheParser(t *testing.T) {
	for _, s := range Specs() {
		t.Run(string(s.Name), func(t *testing.T) {
			if s.Description == "" || s.Who == "" || len(s.Usage) == 0 || len(s.Examples) == 0 {
				t.Fatalf("incomplete metadata: %+v", s)
			}
			for _, ex := range s.Examples {
				cmds := Parse(ex).Commands()
				if len(cmds) != 1 || cmds[0].Name != s.Name {
					t.Errorf("example %q parses as %+v", ex, Parse(ex).Entries)
				}
			}
		})
	}
}
