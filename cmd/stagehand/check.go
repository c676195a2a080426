package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os/exec"
	"strconv"
	"strings"
	"sync"
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
	g := git{dir: f.dir, ctx: cmd.Context()}
	base, head, err := g.resolvePair(f.base, f.head)
	if err != nil {
		return err
	}
	// Each git process costs more than the check: the merge base is asked
	// for while both trees are read, and those share one cat-file.
	mergeBase := make(chan []byte, 1)
	go func() {
		out, err := g.output("merge-base", base, head)
		if err != nil {
			out = nil
		}
		mergeBase <- out
	}()
	both, err := g.trees([]string{base, head})
	if err != nil {
		return err
	}
	in.Base, in.Head = both[0], both[1]
	if out := <-mergeBase; out != nil {
		// Usually the merge base is the base itself: its tree is read
		// already, and each git process costs more than the check.
		switch mb := strings.TrimSpace(string(out)); mb {
		case base:
			in.MergeBase = in.Base
		case head:
			in.MergeBase = in.Head
		default:
			if in.MergeBase, err = g.tree(mb); err != nil {
				return err
			}
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

// git reads a local repository with the git command.
type git struct {
	dir string
	ctx context.Context
}

func (g git) command(args ...string) *exec.Cmd {
	ctx := g.ctx
	if ctx == nil {
		ctx = context.Background()
	}
	return exec.CommandContext(ctx, "git", append([]string{"-C", g.dir}, args...)...)
}

func (g git) output(args ...string) ([]byte, error) {
	var stderr bytes.Buffer
	c := g.command(args...)
	c.Stderr = &stderr
	out, err := c.Output()
	if err != nil {
		return nil, fmt.Errorf("git %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return out, nil
}

// resolve turns a ref into a commit ID; an unknown ref is the user's
// mistake.
func (g git) resolve(ref string) (string, error) {
	if ref == "" || strings.HasPrefix(ref, "-") {
		return "", userErrorf("%q is not a git ref", ref)
	}
	out, err := g.output("rev-parse", "--verify", "--quiet", "--end-of-options", ref+"^{commit}")
	if err != nil {
		return "", userErrorf("no commit %q in %s", ref, g.dir)
	}
	return strings.TrimSpace(string(out)), nil
}

// resolvePair resolves two refs to commit IDs with one git process; when
// either does not resolve, each is resolved alone so that the error names
// the one that is the user's mistake.
func (g git) resolvePair(a, b string) (string, string, error) {
	for _, ref := range []string{a, b} {
		if ref == "" || strings.HasPrefix(ref, "-") {
			return "", "", userErrorf("%q is not a git ref", ref)
		}
	}
	if ids, ok := g.commits(a, b); ok {
		return ids[0], ids[1], nil
	}
	ra, err := g.resolve(a)
	if err != nil {
		return "", "", err
	}
	rb, err := g.resolve(b)
	return ra, rb, err
}

// commits resolves refs through one `git cat-file --batch-check`, which
// reads them from its input, one a line; ok is false unless every one is a
// commit.
func (g git) commits(refs ...string) (ids []string, ok bool) {
	var in strings.Builder
	for _, ref := range refs {
		if strings.ContainsAny(ref, "\r\n") {
			return nil, false
		}
		in.WriteString(ref + "^{commit}\n")
	}
	c := g.command("cat-file", "--batch-check")
	c.Stdin = strings.NewReader(in.String())
	out, err := c.Output()
	if err != nil {
		return nil, false
	}
	for _, line := range strings.Split(strings.TrimSuffix(string(out), "\n"), "\n") {
		f := strings.Fields(line)
		if len(f) != 3 || f[1] != "commit" {
			return nil, false
		}
		ids = append(ids, f[0])
	}
	return ids, len(ids) == len(refs)
}

// tree reads the files of a commit (under paths, when given) into memory.
// Symbolic links and submodules are left out.
func (g git) tree(commit string, paths ...string) (fs.FS, error) {
	ts, err := g.trees([]string{commit}, paths...)
	if err != nil {
		return nil, err
	}
	return ts[0], nil
}

// trees reads several commits as tree does: their listings side by side,
// then every blob they hold, each once, through one git cat-file.
func (g git) trees(commits []string, paths ...string) ([]fs.FS, error) {
	lists := make([]treeList, len(commits))
	errs := make([]error, len(commits))
	var wg sync.WaitGroup
	for i, commit := range commits {
		wg.Go(func() { lists[i], errs[i] = g.list(commit, paths...) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	var ids []string
	index := map[string]int{}
	for _, l := range lists {
		for _, id := range l.blobs {
			if _, ok := index[id]; !ok {
				index[id] = len(ids)
				ids = append(ids, id)
			}
		}
	}
	data, err := g.blobs(ids)
	if err != nil {
		return nil, err
	}
	out := make([]fs.FS, len(commits))
	for i, l := range lists {
		files := make(map[string][]byte, len(l.names))
		for j, name := range l.names {
			files[name] = data[index[l.blobs[j]]]
		}
		out[i] = newTreeFS(files)
	}
	return out, nil
}

// treeList is a commit's regular files and their blob IDs.
type treeList struct{ names, blobs []string }

func (g git) list(commit string, paths ...string) (treeList, error) {
	args := append([]string{"ls-tree", "-r", "-z", "--full-tree", commit, "--"}, paths...)
	out, err := g.output(args...)
	if err != nil {
		return treeList{}, err
	}
	var l treeList
	for _, rec := range strings.Split(string(out), "\x00") {
		meta, name, ok := strings.Cut(rec, "\t")
		f := strings.Fields(meta)
		if !ok || len(f) != 3 || f[1] != "blob" || f[0] == "120000" {
			continue
		}
		l.names, l.blobs = append(l.names, name), append(l.blobs, f[2])
	}
	return l, nil
}

// blobs reads many blobs through one `git cat-file --batch`.
func (g git) blobs(ids []string) ([][]byte, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	c := g.command("cat-file", "--batch")
	c.Stdin = strings.NewReader(strings.Join(ids, "\n") + "\n")
	stdout, err := c.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("git cat-file: %w", err)
	}
	if err := c.Start(); err != nil {
		return nil, fmt.Errorf("git cat-file: %w", err)
	}
	r := bufio.NewReader(stdout)
	out := make([][]byte, 0, len(ids))
	for _, id := range ids {
		header, err := r.ReadString('\n')
		if err != nil {
			_ = c.Wait()
			return nil, fmt.Errorf("git cat-file %s: %w", id, err)
		}
		f := strings.Fields(header)
		size, err := 0, error(nil)
		if len(f) == 3 {
			size, err = strconv.Atoi(f[2])
		}
		if len(f) != 3 || err != nil {
			_ = c.Wait()
			return nil, fmt.Errorf("git cat-file %s: unexpected %q", id, strings.TrimSpace(header))
		}
		buf := make([]byte, size+1) // the content and a newline
		if _, err := io.ReadFull(r, buf); err != nil {
			_ = c.Wait()
			return nil, fmt.Errorf("git cat-file %s: %w", id, err)
		}
		out = append(out, buf[:size])
	}
	if err := c.Wait(); err != nil {
		return nil, fmt.Errorf("git cat-file: %w", err)
	}
	return out, nil
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
