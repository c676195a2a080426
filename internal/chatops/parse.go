package chatops

import (
	"errors"
	"strings"
)

// Outcome is what the shell does with a parsed comment.
type Outcome int

// The three outcomes of parsing, as in Atlantis: run commands, reply to the
// commenter without running anything, or stay silent.
const (
	Ignore Outcome = iota
	Run
	Reply
)

// String names the outcome.
func (o Outcome) String() string {
	return [...]string{"ignore", "run", "reply"}[o]
}

// ProblemKind says why a command line could not be run.
type ProblemKind string

// The problems a command line can have.
const (
	// ProblemUnknown is a /word that is no command but resembles one.
	ProblemUnknown ProblemKind = "unknown"
	// ProblemUsage is a known command whose arguments fit none of its forms.
	ProblemUsage ProblemKind = "usage"
	// ProblemTooMany is a command beyond MaxCommands in one comment.
	ProblemTooMany ProblemKind = "too-many"
)

// Problem is a command line that gets a reply instead of running.
type Problem struct {
	Kind ProblemKind
	// Word is the command word as typed, without the slash.
	Word string
	// Suggest is the command an unknown word resembles; for a usage
	// problem, the command itself.
	Suggest Name
	// Detail says what is wrong with the arguments.
	Detail string
}

// Entry is one command line of a comment: a command to run, or a problem
// to answer.
type Entry struct {
	Line int
	// Text is the line as written, from the slash on.
	Text    string
	Command Command
	Problem *Problem
}

// Result is a parsed comment: one entry per command line, in order.
type Result struct {
	Entries []Entry
}

// MaxCommands bounds the commands run from one comment; the lines beyond
// it are answered with a problem.
const MaxCommands = 10

// maxWord bounds the length of a command word worth suggesting for.
const maxWord = 24

// Outcome is Ignore when the comment holds no command line, Run when it
// holds at least one runnable command, and Reply when every line is a
// problem.
func (r Result) Outcome() Outcome {
	if len(r.Entries) == 0 {
		return Ignore
	}
	if len(r.Commands()) > 0 {
		return Run
	}
	return Reply
}

// Commands returns the runnable commands, in order.
func (r Result) Commands() []Command {
	var out []Command
	for _, e := range r.Entries {
		if e.Problem == nil {
			out = append(out, e.Command)
		}
	}
	return out
}

// Parse reads a comment. A command is a line of ordinary text that starts
// with a slash and a command word (indented by at most three spaces):
// lines in code blocks, code spans, quotes, HTML comments and list items
// are not commands. A /word that is no command is ignored unless it
// resembles one, so a path such as /usr/bin at the start of a line stays
// silent while /promte gets a suggestion.
func Parse(body string) Result {
	var r Result
	runnable := 0
	for _, c := range candidates(body) {
		e, ok := parseLine(c)
		if !ok {
			continue
		}
		if e.Problem == nil {
			runnable++
			if runnable > MaxCommands {
				e.Problem = &Problem{Kind: ProblemTooMany, Word: string(e.Command.Name), Suggest: e.Command.Name}
				e.Command = Command{}
			}
		}
		r.Entries = append(r.Entries, e)
	}
	return r
}

// parseLine reads one candidate line; ok is false for a line to ignore.
func parseLine(c candidate) (Entry, bool) {
	word, rest := commandWord(c.text)
	if word == "" {
		return Entry{}, false
	}
	e := Entry{Line: c.line, Text: strings.TrimRight(c.text, " \t")}
	spec, known := Lookup(word)
	if !known {
		s, ok := suggest(word)
		if !ok {
			return Entry{}, false
		}
		e.Problem = &Problem{Kind: ProblemUnknown, Word: word, Suggest: s}
		return e, true
	}
	cmd, err := spec.parse(tokenize(rest), rest)
	if err != nil {
		detail := err.Error()
		if errors.Is(err, errUsage) {
			detail = strings.TrimPrefix(detail, errUsage.Error()+": ")
		}
		e.Problem = &Problem{Kind: ProblemUsage, Word: word, Suggest: spec.Name, Detail: detail}
		return e, true
	}
	cmd.Line = c.line
	e.Command = cmd
	return e, true
}

// commandWord splits "/word rest" into the word and the rest. The word is
// letters and dashes and must end at a space or the end of the line, so
// "/usr/bin" and "/42" are no command words.
func commandWord(line string) (string, string) {
	i := 1
	for i < len(line) && (isLetter(line[i]) || (i > 1 && line[i] == '-')) {
		i++
	}
	if i == 1 || i-1 > maxWord || (i < len(line) && line[i] != ' ' && line[i] != '\t') {
		return "", ""
	}
	return line[1:i], line[i:]
}

func isLetter(b byte) bool { return (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') }

// suggest returns the command an unknown word most resembles: within one
// edit (two for words of five letters or more, counting a swap of
// neighbours as one), or a prefix of at least three letters.
func suggest(word string) (Name, bool) {
	w := strings.ToLower(word)
	limit := 1
	if len(w) >= 5 {
		limit = 2
	}
	best, bestDist := Name(""), limit+1
	for _, s := range Specs() {
		name := string(s.Name)
		d := distance(w, name)
		if len(w) >= 3 && strings.HasPrefix(name, w) {
			d = 1
		}
		if d < bestDist {
			best, bestDist = s.Name, d
		}
	}
	return best, best != ""
}

// distance is the optimal string alignment distance between a and b:
// insertions, deletions, substitutions and swaps of neighbours.
func distance(a, b string) int {
	prev2 := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}
