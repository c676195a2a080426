package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/stagehand-gitops/stagehand/internal/checks"
)

// helmRendererUsage is the help of --helm-renderer, in serve and check.
const helmRendererUsage = "the stagehand-render program that renders charts in the repository for the checks; without it, stagehand-render beside this program, then on PATH; when none is found, such charts are reported as not rendered"

// historyLimit bounds how many commits of an overlay's history the check
// reads, as the App does.
const historyLimit = 100

type checkFlags struct {
	dir, base, head, output, now              string
	trustedRoot, sigstoreHelper, helmRenderer string
	labels, holds, teams                      []string
	rollback, healthy                         bool
}

func newCheckCmd() *cobra.Command {
	var f checkFlags
	cmd := &cobra.Command{
		Use:   "check --base REF [--head REF] [--dir DIR] [-o text|markdown|json]",
		Short: "Run the stagehand/<env> checks on a local git checkout",
		Long: `check runs the rules of Stagehand's branch-protection checks on two commits
of a local git repository: the base (the branch a change merges into) and the
head (the change). The policy is read from the base, as the App reads it. It
prints one verdict per environment the change touches, as the check run shows
it, and exits 1 when a check fails or still waits for a soak or a freeze to
end, so GitLab CI, Jenkins and pre-merge hooks can gate on it.

Pull request facts that git does not hold come from flags: --label for the
labels the change carries (name, or name=login for who added it, which the
emergency and rollback labels need), --rollback for Stagehand's /rollback pull
request, --healthy when the previous environment reported the version
healthy, --hold for holds, and --team for the members of a team listed as
promoters.

Where the policy requires signed images (verify:), check reads each new
version's signature from its registry, with Docker's credentials, as the App
does; keyless signatures need --trusted-root (see docs/verify.md).`,
		Example: `  stagehand check --base origin/main
  stagehand check --dir config --base origin/main --head HEAD -o markdown
  stagehand check --base main --label stagehand/emergency=alice -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runCheck(cmd, f) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.dir, "dir", ".", "the git checkout of the config repository")
	fl.StringVar(&f.base, "base", "", "the base commit or branch (required)")
	fl.StringVar(&f.head, "head", "HEAD", "the head commit or branch")
	fl.StringVarP(&f.output, "output", "o", "text", "text, markdown or json")
	fl.StringArrayVar(&f.labels, "label", nil, "a label of the change: NAME or NAME=LOGIN (repeatable)")
	fl.StringArrayVar(&f.holds, "hold", nil, "a hold: APP or APP:ENV (repeatable)")
	fl.StringArrayVar(&f.teams, "team", nil, "a promoters team's members: @ORG/TEAM=LOGIN,LOGIN (repeatable)")
	fl.BoolVar(&f.healthy, "healthy", false, "the previous environment reported the version healthy (for requireHealthy)")
	fl.BoolVar(&f.rollback, "rollback", false, "the change is Stagehand's /rollback pull request (it counts for a version the environment ran before)")
	fl.StringVar(&f.now, "now", "", "evaluate at this RFC 3339 time instead of the clock")
	fl.StringVar(&f.trustedRoot, "trusted-root", "", "Sigstore trusted_root.json that keyless verify: blocks are checked against")
	fl.StringVar(&f.sigstoreHelper, "sigstore-helper", "", "the stagehand-sigstore program that verifies Sigstore bundles and keyless signatures with their transparency-log entry; by default $STAGEHAND_SIGSTORE_HELPER, the one next to stagehand, then on PATH")
	fl.StringVar(&f.helmRenderer, "helm-renderer", "", helmRendererUsage+" (env STAGEHAND_HELM_RENDERER)")
	_ = cmd.MarkFlagRequired("base")
	return cmd
}

func runCheck(cmd *cobra.Command, f checkFlags) error {
	if f.output != "text" && f.output != "markdown" && f.output != "json" {
		return userErrorf("-o %q: want text, markdown or json", f.output)
	}
	in, err := checkFacts(f)
	if err != nil {
		return err
	}
	g := newGit(cmd.Context(), f.dir)
	defer g.close()
	base, head, err := g.resolvePair(f.base, f.head)
	if err != nil {
		return err
	}
	both, err := g.trees([]string{base, head})
	if err != nil {
		return err
	}
	in.Base, in.Head = both[0], both[1]
	mb, err := g.mergeBase(base, head)
	if err != nil {
		return err
	}
	switch mb {
	case "":
	case base:
		in.MergeBase = in.Base
	case head:
		in.MergeBase = in.Head
	default:
		if in.MergeBase, err = g.tree(mb); err != nil {
			return err
		}
	}
	if in.History, err = g.history(in, base, f.healthy); err != nil {
		return err
	}
	if err := checkSignatures(cmd.Context(), f, &in); err != nil {
		return err
	}
	rep, err := checks.Evaluate(in)
	if err != nil {
		return fmt.Errorf("check %s..%s: %w", f.base, f.head, err)
	}
	if err := writeReport(cmd.OutOrStdout(), f.output, rep); err != nil {
		return err
	}
	if rep.Failed() || rep.Pending() {
		return silentExit{code: 1}
	}
	return nil
}

// checkFacts turns the flags into the pull request facts of the input.
func checkFacts(f checkFlags) (checks.Input, error) {
	in := checks.Input{Now: time.Now(), PR: checks.PR{ByRollback: f.rollback}}
	// A missing renderer is no error of the command: each chart it would
	// render is reported as not rendered, with the reason.
	in.Charts, _ = chartRenderer(f.helmRenderer)
	if f.now != "" {
		t, err := time.Parse(time.RFC3339, f.now)
		if err != nil {
			return in, userErrorf("--now %q: want an RFC 3339 time such as 2026-11-24T07:00:00Z", f.now)
		}
		in.Now = t
	}
	for _, l := range f.labels {
		name, by, _ := strings.Cut(l, "=")
		if name == "" {
			return in, userErrorf("--label %q: want NAME or NAME=LOGIN", l)
		}
		in.PR.Labels = append(in.PR.Labels, checks.Label{Name: name, AddedBy: strings.TrimPrefix(by, "@")})
	}
	for _, h := range f.holds {
		app, env, _ := strings.Cut(h, ":")
		if app == "" {
			return in, userErrorf("--hold %q: want APP or APP:ENV", h)
		}
		in.Holds = append(in.Holds, checks.Hold{App: app, Env: env})
	}
	for _, tm := range f.teams {
		team, members, ok := strings.Cut(tm, "=")
		if !ok || !strings.Contains(team, "/") {
			return in, userErrorf("--team %q: want @ORG/TEAM=LOGIN,LOGIN", tm)
		}
		if in.Teams == nil {
			in.Teams = map[string][]string{}
		}
		team = "@" + strings.TrimPrefix(team, "@")
		for _, m := range strings.Split(members, ",") {
			if m = strings.TrimPrefix(strings.TrimSpace(m), "@"); m != "" {
				in.Teams[team] = append(in.Teams[team], m)
			}
		}
	}
	return in, nil
}

func writeReport(w io.Writer, format string, rep checks.Report) error {
	switch format {
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		return enc.Encode(rep)
	case "markdown":
		for i, v := range rep.Verdicts {
			if i > 0 {
				fmt.Fprintln(w)
			}
			fmt.Fprint(w, v.Summary)
		}
		return nil
	}
	for i, v := range rep.Verdicts {
		if i > 0 {
			fmt.Fprintln(w)
		}
		fmt.Fprint(w, checks.Text(v))
	}
	return nil
}

// history answers the checks' queries from the base's git log: the
// commits on its first-parent line that touched the previous
// environment's overlays, newest first, each read for those paths. A
// local clone has no merge times from GitHub, so the commits' own dates
// count here; the App never trusts them.
func (g git) history(in checks.Input, base string, healthy bool) (checks.History, error) {
	return checks.Gather(in, func(paths []string) ([]checks.Revision, error) {
		args := append([]string{"log", "--first-parent", "--format=%H %ct", "-n", strconv.Itoa(historyLimit), base, "--"}, paths...)
		out, err := g.output(args...)
		if err != nil {
			return nil, err
		}
		var revs []checks.Revision
		for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
			id, ts, ok := strings.Cut(line, " ")
			sec, err := strconv.ParseInt(ts, 10, 64)
			if !ok || err != nil {
				continue
			}
			tree, err := g.tree(id, paths...)
			if err != nil {
				return nil, err
			}
			revs = append(revs, checks.Revision{SHA: id, When: time.Unix(sec, 0).UTC(), Tree: tree})
		}
		return revs, nil
	}, func(rev checks.Revision, _ bool) (checks.Entry, error) {
		return checks.Entry{Commit: rev.SHA, Since: rev.When, Healthy: healthy}, nil
	})
}
