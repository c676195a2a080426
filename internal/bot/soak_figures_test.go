package bot

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// figures are what a soak measured.
type figures struct {
	apps, repos, events, distinct int
	replicas, killed              int
	droppedNotices                int
	envs, lost                    int
	duplicates, panics, failed    int
	promotions                    int
	calls, injected               int
	halfWritten                   []string
	elapsed                       time.Duration
}

func (f figures) String() string {
	perPromotion := 0.0
	if f.promotions > 0 {
		perPromotion = float64(f.calls) / float64(f.promotions)
	}
	return fmt.Sprintf(`soak: %d registry events (%d distinct tags) for %d apps in %d repositories, %d replicas started, %d killed
faults: %d registry notifications lost on the way; GitHub answered %d of %d calls with an injected fault
environments: %d at the tag the policy demands of %d
%d lost
%d duplicate pull requests
%d panics
%d jobs failed after their retries
%d promotions merged, %.1f GitHub calls per promotion
elapsed %v`,
		f.events, f.distinct, f.apps, f.repos, f.replicas, f.killed,
		f.droppedNotices, f.injected, f.calls,
		f.envs-f.lost, f.envs, f.lost, f.duplicates, f.panics, f.failed,
		f.promotions, perPromotion, f.elapsed)
}

// soakFigures reads the outcome from GitHub and the replicas' metrics.
func soakFigures(t *testing.T, fl *fleet, apps []soakApp, load []soakEvent) figures {
	t.Helper()
	fig := figures{apps: len(apps), events: len(load)}
	for _, ev := range load {
		if ev.distinct {
			fig.distinct++
		}
	}
	want := demanded(apps, load)
	repos := map[string]bool{}
	for _, a := range apps {
		repos[a.repo] = true
		for env, tag := range want[a.name] {
			fig.envs++
			path := "apps/" + a.name + "/overlays/" + env + "/kustomization.yaml"
			data, err := fl.sim.File(a.repo, "main", path)
			if err != nil {
				t.Fatal(err)
			}
			if got := newTag(string(data)); got != tag {
				fig.lost++
				fig.halfWritten = append(fig.halfWritten, fmt.Sprintf("%s %s/%s holds %s; the policy demands %s", a.repo, a.name, env, got, tag))
			}
		}
	}
	fig.repos = len(repos)
	for repo := range repos {
		if err := halfWritten(fl.sim, repo); err != nil {
			fig.halfWritten = append(fig.halfWritten, err.Error())
		}
		prs, err := fl.sim.PullRequests(repo)
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		for _, pr := range prs {
			if _, _, ok := promotionBranch(pr.Head); !ok {
				continue
			}
			if pr.Merged {
				fig.promotions++
			}
			// A pull request is doubled when another from the same branch
			// proposes the same change (its title names the versions).
			if key := pr.Head + "\x00" + pr.Title; seen[key] {
				fig.duplicates++
				fig.halfWritten = append(fig.halfWritten, fmt.Sprintf("%s #%d doubles %q", repo, pr.Number, pr.Title))
			} else {
				seen[key] = true
			}
		}
	}
	fl.mu.Lock()
	fig.replicas, fig.killed = len(fl.all), len(fl.all)-len(fl.live)
	for _, rep := range fl.all {
		ended := rep.ended()
		fig.panics += ended["panic"]
		fig.failed += ended["failure"] + ended["timeout"]
	}
	fl.mu.Unlock()
	c := fl.sim.Calls()
	fig.calls, fig.injected = c.Reads+c.Writes, c.Injected
	return fig
}

// newTag is the newTag of an overlay's one image.
func newTag(kustomization string) string {
	for _, line := range strings.Split(kustomization, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "newTag: "); ok {
			return strings.Trim(v, `"'`)
		}
	}
	return ""
}
