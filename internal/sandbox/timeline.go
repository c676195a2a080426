package sandbox

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/stagehand-gitops/stagehand/internal/githubsim"
	"github.com/stagehand-gitops/stagehand/internal/promote"
)

// timeline writes the story, one line per event: the time since the
// story began, who acted, and what happened.
type timeline struct {
	mu    sync.Mutex
	w     io.Writer
	start time.Time
}

func (t *timeline) say(who, format string, args ...any) {
	t.mu.Lock()
	defer t.mu.Unlock()
	fmt.Fprintf(t.w, "%6.2fs  %-9s  %s\n", time.Since(t.start).Seconds(), who, fmt.Sprintf(format, args...))
}

// waitPR waits for the pull request that brings st.Tag into st's
// environment, reporting what Stagehand decides meanwhile for the app in
// that environment (a gate it waits on, a step it skips).
func (s *Sandbox) waitPR(ctx context.Context, t *timeline, sc Script, st Step, seen int, timeout time.Duration) (githubsim.PullRequest, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	branch := promote.BranchName(st.Env.Name, sc.App)
	said := map[string]bool{}
	var idle <-chan struct{}
	if st.Env.Soak == 0 {
		// Without a time gate, a pull request that has not opened once
		// Stagehand has gone quiet will not open.
		idle = s.quiet(ctx, 2*time.Second)
	}
	return poll(ctx, timeout, idle, func() (githubsim.PullRequest, bool) {
		ds := s.Decisions()
		for _, d := range ds[min(seen, len(ds)):] {
			if d.App != sc.App || d.Env != st.Env.Name || !(strings.HasPrefix(d.What, "waiting") || strings.HasPrefix(d.What, "skipped")) {
				continue
			}
			line := d.App + "/" + d.Env + ": " + d.What
			if g := d.Fields["gates"]; g != "" {
				line += " (" + g + ")"
			}
			if !said[line] {
				said[line] = true
				t.say("stagehand", "%s", line)
			}
		}
		seen = len(ds)
		prs, err := s.sim.PullRequests(s.repo.String())
		if err != nil {
			return githubsim.PullRequest{}, false
		}
		for _, pr := range prs {
			if pr.Head == branch && strings.HasSuffix(pr.Title, "→ "+st.Tag) && (pr.State == "open" || pr.Merged) {
				return pr, true
			}
		}
		return githubsim.PullRequest{}, false
	})
}

// waitMerged waits until pull request n is merged.
func (s *Sandbox) waitMerged(ctx context.Context, n int, timeout time.Duration) (githubsim.PullRequest, error) {
	pr, err := poll(ctx, timeout, nil, func() (githubsim.PullRequest, bool) {
		pr, err := s.pull(n)
		return pr, err == nil && pr.Merged
	})
	if err != nil {
		return pr, fmt.Errorf("PR #%d was not merged: %w", n, err)
	}
	return pr, nil
}

// quiet is closed once, for d from now on, githubsim has seen no call and
// sent no webhook, and Stagehand has no job queued or running: Stagehand
// has finished reacting.
func (s *Sandbox) quiet(ctx context.Context, d time.Duration) <-chan struct{} {
	done := make(chan struct{})
	start := time.Now()
	go func() {
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			if s.sim.Settle(ctx, d) != nil {
				return
			}
			if s.jobs.idle() && time.Since(start) >= d {
				close(done)
				return
			}
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
		}
	}()
	return done
}

// pull returns pull request n of the config repository.
func (s *Sandbox) pull(n int) (githubsim.PullRequest, error) {
	prs, err := s.sim.PullRequests(s.repo.String())
	if err != nil {
		return githubsim.PullRequest{}, fmt.Errorf("list pull requests: %w", err)
	}
	for _, pr := range prs {
		if pr.Number == n {
			return pr, nil
		}
	}
	return githubsim.PullRequest{}, fmt.Errorf("no pull request #%d in %s", n, s.repo)
}

// lastDecision is Stagehand's last decision on app.
func (s *Sandbox) lastDecision(app string) (Decision, bool) {
	ds := s.Decisions()
	for i := len(ds) - 1; i >= 0; i-- {
		if ds[i].App == app {
			return ds[i], true
		}
	}
	return Decision{}, false
}

// writeInventory prints what every app runs in every environment.
func writeInventory(w io.Writer, rows []promote.Row) {
	if len(rows) == 0 {
		return
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	head := []string{"APP"}
	for _, c := range rows[0].Envs {
		head = append(head, strings.ToUpper(c.Env))
	}
	fmt.Fprintln(tw, strings.Join(head, "\t"))
	for _, r := range rows {
		cells := []string{r.App}
		for _, c := range r.Envs {
			v := c.Version.Tag
			if v == "" {
				v = c.Version.String()
			}
			if c.Note != "" {
				v += " (" + c.Note + ")"
			}
			cells = append(cells, v)
		}
		fmt.Fprintln(tw, strings.Join(cells, "\t"))
	}
	_ = tw.Flush()
}

func shortDigest(d string) string {
	if len(d) > 19 {
		return d[:19]
	}
	return d
}

func shortSHA(sha string) string {
	if len(sha) > 7 {
		return sha[:7]
	}
	return sha
}
