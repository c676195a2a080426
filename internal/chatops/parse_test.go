package chatops

import (
	"fmt"
	"strings"
	"testing"
)

// summary prints a result compactly: one item per entry.
func summary(r Result) string {
	var parts []string
	for _, e := range r.Entries {
		if e.Problem != nil {
			parts = append(parts, fmt.Sprintf("%d:%s(%s->%s)", e.Line, e.Problem.Kind, e.Problem.Word, e.Problem.Suggest))
			continue
		}
		c := e.Command
		parts = append(parts, fmt.Sprintf("%d:%s app=%s env=%s tag=%s reason=%q", e.Line, c.Name, c.App, c.Env, c.Tag, c.Reason))
	}
	return r.Outcome().String() + " " + strings.Join(parts, " | ")
}

func TestParse(t *testing.T) {
	tests := []struct {
		name, body, want string
	}{
		{"promote", "/promote order-service to prod", `run 1:promote app=order-service env=prod tag= reason=""`},
		{"promote tag", "/promote order-service@v1.2.4 to staging", `run 1:promote app=order-service env=staging tag=v1.2.4 reason=""`},
		{"bare promote", "/promote", `run 1:promote app= env= tag= reason=""`},
		{"bare promote trailing spaces", "/promote   \n", `run 1:promote app= env= tag= reason=""`},
		{"rollback", "/rollback api in prod", `run 1:rollback app=api env=prod tag= reason=""`},
		{"rollback to", "/rollback api in prod to v1.2.3", `run 1:rollback app=api env=prod tag=v1.2.3 reason=""`},
		{"hold", "/hold api", `run 1:hold app=api env= tag= reason=""`},
		{"hold env reason", "/hold api in prod  waiting for the | migration ", `run 1:hold app=api env=prod tag= reason="waiting for the | migration"`},
		{"hold reason only", "/hold api flaky tests", `run 1:hold app=api env= tag= reason="flaky tests"`},
		{"unhold", "/unhold api in prod", `run 1:unhold app=api env=prod tag= reason=""`},
		{"status", "/status", `run 1:status app= env= tag= reason=""`},
		{"status app", "/status api", `run 1:status app=api env= tag= reason=""`},
		{"help", "/help", `run 1:help app= env= tag= reason=""`},
		{"help with words", "/help me please", `run 1:help app= env= tag= reason=""`},
		{"case-insensitive name", "/Promote api To prod", `run 1:promote app=api env=prod tag= reason=""`},
		{"crlf", "thanks\r\n/status api\r\n", `run 2:status app=api env= tag= reason=""`},
		{"indented three", "   /status", `run 1:status app= env= tag= reason=""`},
		{"two commands", "/hold api in prod\nsome text\n/status", `run 1:hold app=api env=prod tag= reason="" | 3:status app= env= tag= reason=""`},
		{"command and problem", "/status\n/promte api to prod", `run 1:status app= env= tag= reason="" | 2:unknown(promte->promote)`},

		{"ordinary comment", "LGTM, thanks!", "ignore "},
		{"empty", "", "ignore "},
		{"mid-line", "please /promote api to prod", "ignore "},
		{"path", "/usr/bin/env is broken", "ignore "},
		{"unrelated word", "/lgtm", "ignore "},
		{"slash alone", "/ promote", "ignore "},
		{"punctuation after word", "/promote, please", "ignore "},
		{"number", "/42", "ignore "},
		{"quote", "> /promote api to prod", "ignore "},
		{"nested quote", "> > /promote api to prod", "ignore "},
		{"lazy quote continuation", "> did you mean\n/promote api to prod", "ignore "},
		{"fence backticks", "```\n/promote api to prod\n```", "ignore "},
		{"fence tildes", "~~~~\n/promote api to prod\n~~~~", "ignore "},
		{"fence long, short close does not end it", "````\n```\n/promote api to prod\n````", "ignore "},
		{"fence indented", "   ```\n/promote api to prod\n   ```", "ignore "},
		{"fence unclosed", "```sh\n/promote api to prod", "ignore "},
		{"fence info", "```text\n/hold api\n```\n/status", `run 4:status app= env= tag= reason=""`},
		{"indented code", "    /promote api to prod", "ignore "},
		{"tab", "\t/promote api to prod", "ignore "},
		{"inline code", "`/promote api to prod`", "ignore "},
		{"code span over lines", "see `x\n/promote api to prod` here", "ignore "},
		{"html comment", "<!--\n/promote api to prod\n-->", "ignore "},
		{"list item", "- /promote api to prod", "ignore "},
		{"fence in list", "- ```\n  /promote api to prod\n  ```", "ignore "},
		{"fence in quote", "> ```\n> /promote api to prod\n> ```", "ignore "},

		{"did you mean", "/promte api to prod", "reply 1:unknown(promte->promote)"},
		{"did you mean swap", "/hodl api", "reply 1:unknown(hodl->hold)"},
		{"did you mean prefix", "/stat", "reply 1:unknown(stat->status)"},
		{"did you mean case", "/ROLBACK api in prod", "reply 1:unknown(ROLBACK->rollback)"},
		{"usage missing env", "/promote api", "reply 1:usage(promote->promote)"},
		{"usage missing to", "/promote api prod", "reply 1:usage(promote->promote)"},
		{"usage bad tag", "/promote api@-x to prod", "reply 1:usage(promote->promote)"},
		{"usage bad app", "/promote ../etc to prod", "reply 1:usage(promote->promote)"},
		{"usage rollback", "/rollback api", "reply 1:usage(rollback->rollback)"},
		{"usage rollback to", "/rollback api in prod v1", "reply 1:usage(rollback->rollback)"},
		{"usage hold", "/hold", "reply 1:usage(hold->hold)"},
		{"usage hold in", "/hold api in", "reply 1:usage(hold->hold)"},
		{"usage unhold extra", "/unhold api in prod now", "reply 1:usage(unhold->unhold)"},
		{"usage status", "/status a b", "reply 1:usage(status->status)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := summary(Parse(tt.body)); got != tt.want {
				t.Errorf("Parse(%q)\n got %s\nwant %s", tt.body, got, tt.want)
			}
		})
	}
}

func TestParseTooMany(t *testing.T) {
	body := strings.Repeat("/status\n", MaxCommands+2)
	r := Parse(body)
	if len(r.Commands()) != MaxCommands || len(r.Entries) != MaxCommands+2 {
		t.Fatalf("got %d commands of %d entries", len(r.Commands()), len(r.Entries))
	}
	if p := r.Entries[MaxCommands].Problem; p == nil || p.Kind != ProblemTooMany {
		t.Fatalf("entry %d: got %+v, want too-many", MaxCommands, p)
	}
}

func TestCommandString(t *testing.T) {
	for _, line := range []string{
		"/promote api to prod", "/promote api@v1 to prod", "/promote",
		"/rollback api in prod", "/rollback api in prod to v1",
		"/hold api", "/hold api in prod", "/hold api in prod a reason", "/unhold api", "/unhold api in prod",
		"/status", "/status api", "/help",
	} {
		t.Run(line, func(t *testing.T) {
			cmds := Parse(line).Commands()
			if len(cmds) != 1 || cmds[0].String() != line {
				t.Fatalf("Parse(%q) = %+v, String %q", line, cmds, cmds[0].String())
			}
		})
	}
}

func TestDistance(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"", "", 0}, {"hold", "hold", 0}, {"hodl", "hold", 1}, {"promte", "promote", 1},
		{"", "help", 4}, {"kitten", "sitting", 3}, {"ca", "abc", 3},
	}
	for _, tt := range tests {
		t.Run(tt.a+"/"+tt.b, func(t *testing.T) {
			if got := distance(tt.a, tt.b); got != tt.want {
				t.Errorf("distance(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
			}
		})
	}
}

// BenchmarkParse parses a long review comment: prose, quotes, code and two
// commands, as a busy pull request thread has them.
func BenchmarkParse(b *testing.B) {
	var sb strings.Builder
	for i := 0; i < 50; i++ {
		sb.WriteString("> earlier: /promote web to prod\n\nLooks fine to me, see `kubectl get pods`.\n\n```sh\n/usr/bin/env true\n```\n\n")
	}
	sb.WriteString("/hold web in prod until Monday\n/status web\n")
	body := sb.String()
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if n := len(Parse(body).Commands()); n != 2 {
			b.Fatalf("%d commands", n)
		}
	}
}

// BenchmarkParseOrdinary parses a comment without any command, the usual case.
func BenchmarkParseOrdinary(b *testing.B) {
	body := strings.Repeat("Looks fine to me, see `kubectl get pods` and /usr/bin/env in the docs.\n\n", 50)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if Parse(body).Outcome() != Ignore {
			b.Fatal("not ignored")
		}
	}
}
