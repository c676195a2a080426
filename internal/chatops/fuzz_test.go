package chatops

import (
	"strings"
	"testing"
	"time"

	"github.com/stagehand-gitops/stagehand/internal/policy"
)

// commandLines are commands that parse on their own, used to check that
// wrapping one in a quote or code never lets it through.
var commandLines = []string{"/promote web to prod", "/hold web in prod now", "/status", "/rollback web in prod", "/promote shop to prod", "/hold shop"}

// wrappers put a line somewhere it must never be read as a command.
var wrappers = []func(prefix, line string) string{
	func(p, l string) string { return p + "\n\n> " + l + "\n" },
	func(p, l string) string { return p + "\n\n> > " + l + "\n" },
	func(p, l string) string { return p + "\n\n> quoted\n" + l + "\n" },
	func(p, l string) string { return p + "\n\n```\n" + l + "\n```\n" },
	func(p, l string) string { return p + "\n\n~~~~ text\n" + l + "\n~~~~\n" },
	func(p, l string) string { return p + "\n\n   ```\n" + l + "\n" },
	func(p, l string) string { return p + "\n\n`" + l + "`\n" },
	func(p, l string) string { return p + "\n\nsee ``x\n" + l + " y`` z\n" },
	func(p, l string) string { return p + "\n\n    " + l + "\n" },
	func(p, l string) string { return p + "\n\n<!--\n" + l + "\n-->\n" },
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"", "/promote web to prod", "hi\n/status\n/hold x", "```\n/status\n```", "> /help",
		"/promote shop to staging", "/rollback shop in prod", "/hold shop in prod", "/unhold shop", "/status shop",
		"/promte", "`a\n/status`", "- /status", "/usr/bin", "\r\n/status\r", "/hold a in b " + strings.Repeat("x", 300)} {
		f.Add(s, uint8(0), uint8(0))
	}
	for i := range wrappers {
		f.Add("some text\n/status", uint8(i), uint8(i))
	}
	pol := testPol(f)
	if g, err := policy.Parse(policy.FileName, []byte(groupPolicy)); err == nil {
		pol = g
	} else {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body string, w, c uint8) {
		r := Parse(body)
		// Whoever comments, a command naming a group is allowed only to
		// someone allowed for every member.
		for _, cmd := range r.Commands() {
			for _, who := range []string{"alice", "bob", "dave"} {
				facts := Facts{Repo: "acme/config", Commenter: who, Permission: "write", Policy: pol}
				refusal := Authorize(facts, cmd)
				if refusal != nil && refusal.Reason == "" {
					t.Fatalf("refusal without a reason for %+v", cmd)
				}
				if refusal == nil && cmd.Name == CmdPromote {
					for _, one := range perMember(pol, []Command{cmd}) {
						if one.App != cmd.App && !isPromoter(facts, one.App, one.Env) {
							t.Fatalf("%s may run %s but may not promote %s into %s", who, cmd, one.App, one.Env)
						}
					}
				}
			}
		}
		if len(r.Commands()) > MaxCommands {
			t.Fatalf("%d commands", len(r.Commands()))
		}
		for _, e := range r.Entries {
			if !strings.HasPrefix(e.Text, "/") || strings.Contains(e.Text, "\n") || e.Line < 1 {
				t.Fatalf("bad entry %+v", e)
			}
		}
		// Property: a command wrapped in a quote or code block is never
		// found, whatever comes before it, once that prefix is closed off.
		prefix := closeOff(body)
		line := commandLines[int(c)%len(commandLines)]
		wrapped := wrappers[int(w)%len(wrappers)](prefix, line)
		before := len(Parse(prefix).Commands())
		if got := Parse(wrapped).Commands(); len(got) > before {
			for _, cmd := range got {
				if cmd.Line > strings.Count(prefix, "\n")+1 {
					t.Fatalf("command %+v found inside a quote or code:\n%q", cmd, wrapped)
				}
			}
		}
		// Replies never hold commands, so bots cannot answer each other.
		var answers []Answer
		for _, e := range r.Entries {
			if e.Problem != nil {
				answers = append(answers, ProblemAnswer(e))
			} else {
				answers = append(answers, DoneAnswer(e, body, nil))
			}
		}
		if reply := RenderReply("u", answers); Parse(reply).Outcome() != Ignore {
			t.Fatalf("reply parses as commands:\n%s", reply)
		}
	})
}

// closeOff returns a prefix that leaves no block open that could swallow
// what follows differently from how it would stand alone: the fuzzed text
// is put in a fence of its own, longer than any backtick run inside it.
func closeOff(body string) string {
	fence := "````"
	for strings.Contains(body, fence) {
		fence += "`"
	}
	body = strings.ReplaceAll(body, "~~~", "")
	return fence + "\n" + body + "\n" + fence
}

func FuzzParseHolds(f *testing.F) {
	f.Add(RenderHolds(testHolds()))
	f.Add(RenderHolds(nil))
	f.Add(HoldsMarker + "\n| app | env | by | since | reason |\n|---|\n| `a` | `*` | @b | 2026-01-01T00:00:00Z | x \\| y |\n")
	f.Fuzz(func(t *testing.T, body string) {
		h, _ := ParseHolds(body)
		// Whatever was read renders and reads back the same.
		again, err := ParseHolds(RenderHolds(h))
		if err != nil {
			t.Fatalf("re-read: %v", err)
		}
		if len(again) != len(h) {
			t.Fatalf("round trip lost holds: %d vs %d", len(again), len(h))
		}
		for i := range h {
			if again[i].App != h[i].App || again[i].Env != h[i].Env || !again[i].Since.Equal(h[i].Since) ||
				again[i].Reason != escapeFree(h[i].Reason) || again[i].By != h[i].By {
				t.Fatalf("round trip changed %+v into %+v", h[i], again[i])
			}
		}
	})
}

// escapeFree is what a reason reads back as after rendering: one line,
// single spaces.
func escapeFree(s string) string { return strings.Join(strings.Fields(s), " ") }

func FuzzHoldRoundTrip(f *testing.F) {
	f.Add("web", "prod", "alice", "a | b \\ c", int64(0))
	f.Fuzz(func(t *testing.T, app, env, by, reason string, sec int64) {
		if !nameRE().MatchString(app) || (env != "" && !nameRE().MatchString(env)) || !loginRE().MatchString(by) {
			return
		}
		x := Hold{App: app, Env: env, By: by, Since: time.Unix(sec%(1<<34), 0).UTC(), Reason: escapeFree(reason)}
		got, err := ParseHolds(RenderHolds(Holds{x}))
		if err != nil || len(got) != 1 || got[0] != x {
			t.Fatalf("round trip of %+v: %+v %v", x, got, err)
		}
	})
}
