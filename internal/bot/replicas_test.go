package bot

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-github/v62/github"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/stagehand-gitops/stagehand/internal/githubsim"
	"github.com/stagehand-gitops/stagehand/internal/registry/registrytest"
)

// replicaPolicy: dev takes every new tag and waits for a person to merge;
// prod is manual.
const replicaPolicy = `version: 1
environments:
  - name: dev
  - name: prod
    promotion: manual
`

// TestReplicasOnePullRequest: two replicas on one GitHub, each receiving
// every webhook and every registry notification, handle the same pushes at
// the same time, pushed concurrently and out of order. Each app ends with
// exactly one pull request into dev, holding one commit with the highest
// tag: deterministic branch names and compare-and-swap on refs make the
// second replica converge on the first one's work instead of doubling it.
func TestReplicasOnePullRequest(t *testing.T) {
	core, logs := observer.New(zap.WarnLevel)
	fl := newFleet(t, cappedSleep(20*time.Millisecond), core)
	sim, host := fl.sim, fl.host
	apps := seedSoak(t, sim, host, soakSize{apps: 4, repos: 1}, replicaPolicy)
	fl.startReplica()
	fl.startReplica()

	var wg sync.WaitGroup
	var refs []string
	for _, a := range apps {
		for _, tag := range []string{"v1.1.0", "v1.1.2", "v1.1.1"} {
			refs = append(refs, a.image+":"+tag)
			img, err := random.Image(64, 1)
			if err != nil {
				t.Fatal(err)
			}
			wg.Go(func() { registrytest.Push(t, host+"/"+a.image+":"+tag, img) })
		}
	}
	wg.Wait()
	fl.awaitNotified(time.Minute, refs...)
	fl.settle(500*time.Millisecond, time.Minute)

	gh, err := github.NewClient(nil).WithAuthToken(sim.AddUser("alice")).WithEnterpriseURLs(sim.URL(), sim.URL())
	if err != nil {
		t.Fatal(err)
	}
	prs, err := sim.PullRequests(apps[0].repo)
	if err != nil {
		t.Fatal(err)
	}
	if len(prs) != len(apps) {
		t.Errorf("%d pull requests for %d apps: %+v", len(prs), len(apps), prs)
	}
	for _, a := range apps {
		branch := "stagehand/dev/" + a.name
		var mine []githubsim.PullRequest
		for _, pr := range prs {
			if pr.Head == branch {
				mine = append(mine, pr)
			}
		}
		if len(mine) != 1 || mine[0].State != "open" || !strings.HasSuffix(mine[0].Title, "→ v1.1.2") {
			t.Errorf("%s: pull requests %+v; want one open to v1.1.2", a.name, mine)
			continue
		}
		commits, _, err := gh.PullRequests.ListCommits(context.Background(), "acme", "config-0", mine[0].Number, nil)
		if err != nil || len(commits) != 1 {
			t.Errorf("%s: #%d has %d commits (%v); want 1", a.name, mine[0].Number, len(commits), err)
		}
	}
	if err := halfWritten(sim, apps[0].repo); err != nil {
		t.Error(err)
	}
	// Evidence that they raced: GitHub refused one replica's write
	// because the other's came first.
	refused := 0
	for _, c := range sim.Calls().Log {
		if strings.HasSuffix(c, " 409") || strings.HasSuffix(c, " 422") {
			refused++
		}
	}
	for _, rep := range fl.all {
		if n := rep.ended()["panic"]; n != 0 {
			t.Errorf("replica %s: %d panics", rep.name, n)
		}
	}
	t.Logf("%d job attempts retried, %d writes refused by GitHub", len(logs.FilterMessage("job failed, will retry").All()), refused)
}
