// Package chatops turns pull request and issue comments into Stagehand
// commands, decides who may run them, and renders the replies.
//
// It is part of the pure core: no network, no clock, no globals. The shell
// (the issue_comment handler) gathers the facts — the commenter's permission,
// their team memberships, the policy from the default branch, whether the
// pull request comes from a fork — and passes them in; it gets back values it
// can apply and tests can compare.
//
// Everything people can type is described once, in Specs: the parser, the
// /help reply and the command reference (docs/commands.md) are all derived
// from that metadata.
package chatops
