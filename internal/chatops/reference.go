package chatops

import (
	"fmt"
	"strings"
)

// RenderHelp renders the /help reply: one row per command form.
func RenderHelp() string {
	var b strings.Builder
	b.WriteString("**Stagehand commands** (each on a line of its own, outside quotes and code):\n\n")
	b.WriteString("| command | what it does | who may use it |\n|---|---|---|\n")
	for _, s := range Specs() {
		forms := make([]string, len(s.Usage))
		for i, u := range s.Usage {
			forms[i] = "`/" + u + "`"
		}
		fmt.Fprintf(&b, "| %s | %s | %s |\n", strings.Join(forms, "<br>"), escapeCell(s.Description), escapeCell(s.Who))
	}
	return b.String()
}

// Reference renders the command reference, docs/commands.md, from the same
// metadata as the parser and /help.
func Reference() string {
	var b strings.Builder
	b.WriteString("# Commands\n\n")
	b.WriteString("<!-- Generated from internal/chatops (Specs). Do not edit: run `go test ./internal/chatops -update`. -->\n\n")
	b.WriteString("People steer Stagehand with comments on the config repository's pull requests and issues.\n\n")
	b.WriteString("## How a comment is read\n\n")
	for _, rule := range grammarRules {
		b.WriteString("- " + rule + "\n")
	}
	b.WriteString("\n## Who may run commands\n\n")
	for _, rule := range authRules {
		b.WriteString("- " + rule + "\n")
	}
	for _, s := range Specs() {
		fmt.Fprintf(&b, "\n## `/%s`\n\n", s.Name)
		b.WriteString("```text\n")
		for _, u := range s.Usage {
			b.WriteString("/" + u + "\n")
		}
		b.WriteString("```\n\n")
		b.WriteString(s.Description + "\n\n")
		b.WriteString("**Who:** " + s.Who + "\n\n")
		b.WriteString("**Examples:**\n\n")
		for _, e := range s.Examples {
			b.WriteString("- `" + e + "`\n")
		}
	}
	b.WriteString("\n## Holds\n\n")
	b.WriteString("Holds live in GitHub, not in a database. The open issue titled \"" + HoldsTitle + "\" with the label `" + LabelHolds +
		"` holds a table Stagehand rewrites on every `/hold` and `/unhold`; `*` in its env column means every environment. " +
		"Stagehand opens the issue on the first `/hold`; pin it once by hand if you like (GitHub's REST API cannot pin issues). " +
		"If someone edits the table so that a row no longer reads, `/hold` and `/unhold` refuse to rewrite it rather than drop a hold. " +
		"Every open promotion pull request of a held app and environment carries the label `" + LabelHold + "`, " +
		"which makes its `stagehand/<env>` check fail.\n\n")
	b.WriteString("The issue is the record: it is written first, and the reply says what it then records. " +
		"A `/hold` whose label cannot be put on a pull request is still done; the reply names the pull request, whose check is run again and fails from the issue alone. " +
		"An `/unhold` whose label cannot be taken off is reported as failed, since that label keeps the check failing; asking again takes it off. " +
		"GitHub cannot make an issue update conditional, so Stagehand changes the table on the body it reads right before writing and reads it back after: " +
		"two `/hold` commands handled at the same time by two replicas both end in the table.\n")
	return b.String()
}

var grammarRules = []string{
	"A command starts a line (after at most three spaces). Text in fenced or indented code blocks, inline code, `>` quotes (nested or lazily continued), HTML comments and list items is never a command, so a reply that quotes a command does not run it.",
	"Only newly created comments count; edits and deletions do not. Comments by bots, Stagehand included, are ignored.",
	fmt.Sprintf("One comment may hold several commands, one per line; each is answered. At most %d run from one comment.", MaxCommands),
	"A `/word` that resembles a command (`/promte`, `/hodl`) gets \"did you mean\" and the help; any other comment, including a path such as `/usr/bin` at the start of a line, is ignored silently.",
	"A known command with arguments that fit none of its forms gets its usage.",
	"Stagehand reacts 👀 when it reads a command, then 🚀 when every command succeeded or 😕 when any was refused or failed, and answers in one status comment per pull request or issue, edited in place. That comment is found by its hidden marker and by its author, the App's own login (`<slug>[bot]`, read from `GET /app` at start), so a person who quotes the comment, marker and all, keeps their comment as written.",
}

var authRules = []string{
	"The commenter needs write access (write, maintain or admin) to the repository, read from GitHub's permission-level API.",
	"An environment with `promoters` in `.stagehand.yaml` only accepts `/promote`, `/rollback` and `/unhold` from the users listed there, or from members of a listed `@org/team`.",
	"The policy is always read from the default branch, never from a pull request's head, so a pull request cannot grant itself rights.",
	"Comments on pull requests from forks cannot trigger anything.",
	"Team promoters are resolved with GitHub's team membership API, which needs the App's organization permission *Members: read*; a membership that cannot be read never lets a command through.",
	"Every refusal says why and who may do it instead.",
}
