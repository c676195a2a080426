package chatops

import "strings"

// Name is a command's name, the word after the slash.
type Name string

// The commands Stagehand understands.
const (
	CmdPromote  Name = "promote"
	CmdRollback Name = "rollback"
	CmdHold     Name = "hold"
	CmdUnhold   Name = "unhold"
	CmdStatus   Name = "status"
	CmdHelp     Name = "help"
)

// Spec describes one command: how it is written, what it does and who may
// run it. Specs feed the parser, /help and the command reference.
type Spec struct {
	Name Name
	// Usage lists each accepted form, without the leading slash.
	Usage []string
	// Examples are complete comment lines.
	Examples []string
	// Who says who may run the command.
	Who string
	// Description says what the command does, in a sentence or two.
	Description string

	parse func(args []token, line string) (Command, error)
}

// whoWrite and whoPromoters are shared by several commands.
const (
	whoWrite     = "Anyone with write access to the repository."
	whoPromoters = "Anyone with write access who is also a promoter of the environment, when the environment lists `promoters` (directly or through an `@org/team`)."
)

// Specs returns every command's metadata, in the order help lists them.
func Specs() []Spec {
	return []Spec{
		{
			Name:  CmdPromote,
			Usage: []string{"promote <app> to <env>", "promote <app>@<tag> to <env>", "promote <group> to <env>", "promote"},
			Examples: []string{
				"/promote order-service to prod",
				"/promote checkout to prod",
				"/promote order-service@v1.2.4 to staging",
				"/promote",
			},
			Who: whoPromoters,
			Description: "Opens or updates the pull request that brings `<app>` in `<env>` to the version the previous environment runs on the default branch. " +
				"With `@<tag>`, a specific tag: the policy still applies, and a tag the previous environment never ran is refused unless `<env>` is the first. " +
				"With a group's name (a release train, `groups:` in the policy): one pull request that moves every member in one commit, opened only when every member is ready; a person must be allowed to promote every member into `<env>`. " +
				"Bare, on a Stagehand promotion pull request: once it is merged (or at once if it already is), the same change goes to the next environment.",
			parse: parsePromote,
		},
		{
			Name:     CmdRollback,
			Usage:    []string{"rollback <app> in <env>", "rollback <app> in <env> to <tag>", "rollback <group> in <env>"},
			Examples: []string{"/rollback order-service in prod", "/rollback order-service in prod to v1.2.3", "/rollback checkout in prod"},
			Who:      whoPromoters,
			Description: "Opens a pull request labelled `rollback` that sets `<env>` to `<tag>`, or by default to the version before the current one in that environment's git history. " +
				"It passes the no-downgrade rule only because it is a rollback. " +
				"With a group's name: one pull request whose one commit sets every member back to what it ran in `<env>` before the group's last release there; a person must be allowed to roll back every member in `<env>`.",
			parse: parseRollback,
		},
		{
			Name:     CmdHold,
			Usage:    []string{"hold <app> [reason…]", "hold <app> in <env> [reason…]"},
			Examples: []string{"/hold order-service in prod waiting for the schema migration", "/hold payment-service"},
			Who:      whoWrite,
			Description: "Stops new promotion pull requests for `<app>` (in every environment, or only in `<env>`), and makes its open ones fail the `stagehand/<env>` check, until `/unhold`. " +
				"Holds are recorded in the issue \"" + HoldsTitle + "\" and as the `" + LabelHold + "` label on open promotion pull requests.",
			parse: parseHold,
		},
		{
			Name:     CmdUnhold,
			Usage:    []string{"unhold <app>", "unhold <app> in <env>"},
			Examples: []string{"/unhold order-service in prod", "/unhold payment-service"},
			Who:      "Anyone who may promote into the environment (for an app-wide hold: into every environment that lists `promoters`).",
			Description: "Lifts a hold placed by `/hold`. A hold on the whole app and a hold on one environment are separate: " +
				"`/unhold <app>` lifts the app-wide hold, `/unhold <app> in <env>` the one on `<env>`.",
			parse: parseUnhold,
		},
		{
			Name:        CmdStatus,
			Usage:       []string{"status", "status <app>"},
			Examples:    []string{"/status", "/status order-service"},
			Who:         whoWrite,
			Description: "Replies with a table: the version each environment runs, open promotions, holds, gates in progress, and the tags refused because their signature did not verify.",
			parse:       parseStatus,
		},
		{
			Name:        CmdHelp,
			Usage:       []string{"help"},
			Examples:    []string{"/help"},
			Who:         whoWrite,
			Description: "Replies with this list of commands.",
			parse:       parseHelp,
		},
	}
}

// Lookup returns the spec of the named command; names are case-insensitive.
func Lookup(name string) (Spec, bool) {
	for _, s := range Specs() {
		if strings.EqualFold(string(s.Name), name) {
			return s, true
		}
	}
	return Spec{}, false
}
