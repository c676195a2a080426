package chatops

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Reactions Stagehand puts on a comment it read, as GitHub names them.
const (
	ReactionSeen    = "eyes"
	ReactionSuccess = "rocket"
	ReactionFailure = "confused"
)

// MaxReply is the longest reply rendered: GitHub's 65,536-character
// comment limit, less room for the hidden marker the shell appends.
const MaxReply = 65536 - 1024

// AnswerKind is how one command line ended.
type AnswerKind string

// The ways a command line ends.
const (
	Done    AnswerKind = "done"
	Refused AnswerKind = "refused"
	Failed  AnswerKind = "failed"
	Invalid AnswerKind = "invalid"
	Info    AnswerKind = "info"
)

// PRLink is a pull request a command opened or updated.
type PRLink struct {
	Number     int
	URL, Title string
}

// Answer is the reply to one command line.
type Answer struct {
	Line int
	// Text is the command line as written.
	Text    string
	Kind    AnswerKind
	Message string
	Refusal *Refusal
	Problem *Problem
	PR      *PRLink
	Help    bool
	Status  *StatusView
}

// DoneAnswer reports a command that ran; message says what it did (a
// sentence of markdown) and pr links the pull request, if any.
func DoneAnswer(e Entry, message string, pr *PRLink) Answer {
	return Answer{Line: e.Line, Text: e.Text, Kind: Done, Message: message, PR: pr}
}

// RefusedAnswer reports a command that was not allowed.
func RefusedAnswer(e Entry, r *Refusal) Answer {
	return Answer{Line: e.Line, Text: e.Text, Kind: Refused, Refusal: r}
}

// FailedAnswer reports a command that was allowed but could not be done;
// message says why, in words the commenter can act on.
func FailedAnswer(e Entry, message string) Answer {
	return Answer{Line: e.Line, Text: e.Text, Kind: Failed, Message: message}
}

// ProblemAnswer answers a line the parser could not run. An unknown
// command also gets the help.
func ProblemAnswer(e Entry) Answer {
	return Answer{Line: e.Line, Text: e.Text, Kind: Invalid, Problem: e.Problem,
		Help: e.Problem != nil && e.Problem.Kind == ProblemUnknown}
}

// HelpAnswer answers /help.
func HelpAnswer(e Entry) Answer {
	return Answer{Line: e.Line, Text: e.Text, Kind: Info, Help: true}
}

// StatusAnswer answers /status with a view the shell gathered.
func StatusAnswer(e Entry, v StatusView) Answer {
	return Answer{Line: e.Line, Text: e.Text, Kind: Info, Status: &v}
}

// Reaction is the reaction that sums the answers up: success when every
// command ran, failure when any was refused, failed or invalid.
func Reaction(answers []Answer) string {
	for _, a := range answers {
		if a.Kind != Done && a.Kind != Info {
			return ReactionFailure
		}
	}
	return ReactionSuccess
}

// RenderReply renders the reply to a comment by commenter: one section per
// answer, then the help once if any answer asked for it. The reply never
// holds a line that parses as a command, and it fits GitHub's limit.
func RenderReply(commenter string, answers []Answer) string {
	var b strings.Builder
	fmt.Fprintf(&b, "@%s ", commenter)
	if len(answers) == 1 {
		b.WriteString("asked for one command.\n")
	} else {
		fmt.Fprintf(&b, "asked for %d commands.\n", len(answers))
	}
	help := false
	for _, a := range answers {
		b.WriteString("\n")
		renderAnswer(&b, a)
		help = help || a.Help
	}
	if help {
		b.WriteString("\n")
		b.WriteString(RenderHelp())
	}
	return fit(b.String(), MaxReply)
}

var kindHeading = map[AnswerKind]string{
	Done: "🚀 done", Refused: "😕 refused", Failed: "😕 failed", Invalid: "😕 not run", Info: "📋",
}

func renderAnswer(b *strings.Builder, a Answer) {
	fmt.Fprintf(b, "**%s** — %s\n\n", codeSpan(a.Text), kindHeading[a.Kind])
	switch {
	case a.Kind == Refused && a.Refusal != nil:
		fmt.Fprintf(b, "Refused: %s.\n", a.Refusal.Reason)
		if a.Refusal.Instead != "" {
			fmt.Fprintf(b, "Instead: %s.\n", a.Refusal.Instead)
		}
	case a.Problem != nil:
		b.WriteString(problemText(*a.Problem) + "\n")
	case a.Status != nil:
		b.WriteString(RenderStatus(*a.Status))
	case a.Kind == Info && a.Help:
		b.WriteString("The commands are listed below.\n")
	case a.Kind == Failed:
		b.WriteString("Failed: " + oneLine(a.Message) + "\n")
	default:
		// The label keeps a message from starting a line, where a slash
		// would read as a command to another bot.
		b.WriteString("Done: " + oneLine(a.Message) + "\n")
	}
	if a.PR != nil {
		fmt.Fprintf(b, "Pull request: [#%d %s](%s)\n", a.PR.Number, escapeLinkText(a.PR.Title), a.PR.URL)
	}
}

func problemText(p Problem) string {
	switch p.Kind {
	case ProblemUnknown:
		return fmt.Sprintf("`/%s` is not a Stagehand command. Did you mean `/%s`?", p.Word, p.Suggest)
	case ProblemTooMany:
		return fmt.Sprintf("Only the first %d commands of a comment run; this one did not. Put it in another comment.", MaxCommands)
	}
	spec, _ := Lookup(string(p.Suggest))
	forms := make([]string, len(spec.Usage))
	for i, u := range spec.Usage {
		forms[i] = "`/" + u + "`"
	}
	return fmt.Sprintf("`/%s` did not run: %s. Usage: %s.", spec.Name, p.Detail, strings.Join(forms, ", "))
}

// oneLine keeps a message on one line so that nothing in it can start a
// line of the reply (and be read as a command by another bot).
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// codeSpan quotes text in a code span long enough not to be closed by the
// backticks inside it.
func codeSpan(text string) string {
	text = oneLine(text)
	fence := "`"
	for strings.Contains(text, fence) {
		fence += "`"
	}
	if strings.HasPrefix(text, "`") || strings.HasSuffix(text, "`") {
		text = " " + text + " "
	}
	return fence + text + fence
}

func escapeLinkText(s string) string {
	return strings.NewReplacer("[", `\[`, "]", `\]`, "\n", " ").Replace(s)
}

// fit cuts s to at most max bytes (and so at most max characters) at a
// line break, and says it did.
func fit(s string, max int) string {
	if len(s) <= max {
		return s
	}
	const note = "\n\n… cut to fit GitHub's comment limit.\n"
	cut := s[:max-len(note)]
	for !utf8.ValidString(cut) {
		cut = cut[:len(cut)-1]
	}
	if i := strings.LastIndexByte(cut, '\n'); i > 0 {
		cut = cut[:i]
	}
	return cut + note
}
