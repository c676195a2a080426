package bot

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-github/v62/github"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/stagehand-gitops/stagehand/internal/chatops"
	"github.com/stagehand-gitops/stagehand/internal/event"
	"github.com/stagehand-gitops/stagehand/internal/forge"
	"github.com/stagehand-gitops/stagehand/internal/githubsim"
	"github.com/stagehand-gitops/stagehand/internal/promote"
	"github.com/stagehand-gitops/stagehand/internal/queue"
)

// TestHoldReplyMatchesRecord: when the hold label cannot follow the holds
// issue, the reply says what holds: a hold recorded is done (and the
// check fails from the issue alone); an /unhold that leaves its label
// behind is not, and asking again takes the label off.
func TestHoldReplyMatchesRecord(t *testing.T) {
	w := chatWorld(t)
	n := w.issue()
	w.say("sam", n, "/promote web to prod")
	pr, ok := w.open()["stagehand/prod/web"]
	if !ok {
		t.Fatal("no prod pull request")
	}

	w.sim.SetFaults(githubsim.Faults{Errors: 1, Operations: []string{"issues/add-labels"}})
	_, reply := w.say("dev", n, "/hold web in prod waiting for the migration")
	w.sim.SetFaults(githubsim.Faults{})
	if !strings.Contains(reply, "🚀 done") || !strings.Contains(reply, "could not be put on #") {
		t.Fatalf("hold reply while the label fails:\n%s", reply)
	}
	replyGolden(t, "hold-label-failed", reply)
	if holds := w.recordedHolds(); !slices.Contains(holds, "web/prod") {
		t.Fatalf("holds issue %v; want web/prod", holds)
	}
	if got := w.checkConclusion(pr.HeadSHA, "stagehand/prod"); got != "failure" {
		t.Errorf("stagehand/prod on the held pull request without its label: %q, want failure", got)
	}

	w.say("dev", n, "/hold web in prod waiting for the migration") // puts the label on
	if !slices.Contains(w.open()["stagehand/prod/web"].Labels, chatops.LabelHold) {
		t.Fatalf("labels %v after a second /hold", w.open()["stagehand/prod/web"].Labels)
	}
	// DELETE is retried by the transport: fail each attempt.
	w.sim.SetFaults(githubsim.Faults{Errors: 4, Operations: []string{"issues/remove-label"}})
	_, reply = w.say("sam", n, "/unhold web in prod")
	w.sim.SetFaults(githubsim.Faults{})
	if !strings.Contains(reply, "😕 failed") || !strings.Contains(reply, "could not be taken off #") {
		t.Fatalf("unhold reply while the label stays:\n%s", reply)
	}
	replyGolden(t, "unhold-label-stuck", reply)
	w.say("sam", n, "/unhold web in prod")
	if labels := w.open()["stagehand/prod/web"].Labels; slices.Contains(labels, chatops.LabelHold) {
		t.Fatalf("labels %v after asking again", labels)
	}
}

// TestConcurrentHoldsBothLand: two replicas take a /hold each; the second
// one's comment is handled while the first is between reading the holds
// issue and writing it (and again while it writes, where reading back after
// the write cannot help: without the lock the first replica's write lands
// last and drops the second's hold). The second finds the holds lock taken
// and is run again, as the queue runs a retryable delivery; both holds end
// in the issue, and no lock is left behind.
func TestConcurrentHoldsBothLand(t *testing.T) {
	for _, at := range []string{"issues/get", "issues/update"} {
		t.Run(at, func(t *testing.T) {
			ctx := context.Background()
			w := chatWorld(t)
			n := w.issue()
			w.say("dev", n, "/hold web in staging")
			other := w.secondReplica(t)

			var fired atomic.Bool
			var mu sync.Mutex // the hook runs on the simulator's goroutine
			var otherErr error
			w.sim.OnRequest(func(op string, _ *http.Request) {
				if op == at && fired.CompareAndSwap(false, true) {
					err := w.otherReplicaSays(ctx, other, "sam", n, "/hold web in dev flaky tests")
					mu.Lock()
					otherErr = err
					mu.Unlock()
				}
			})
			w.say("dev", n, "/hold web in prod release freeze")
			w.sim.OnRequest(nil)
			mu.Lock()
			err := otherErr
			mu.Unlock()
			if !fired.Load() || !errors.Is(err, forge.ErrLocked) || !queue.IsRetryable(err) {
				t.Fatalf("the other replica ran %v inside the first one's write: %v; want a retryable %v", fired.Load(), err, forge.ErrLocked)
			}
			if err := w.otherReplicaRetries(ctx, other, "sam", n, "/hold web in dev flaky tests"); err != nil {
				t.Fatalf("the other replica's retry: %v", err)
			}
			if got, want := w.recordedHolds(), []string{"web/dev", "web/prod", "web/staging"}; !slices.Equal(got, want) {
				t.Fatalf("holds issue records %v; want %v", got, want)
			}
			if sha, err := w.sim.RefSHA(configRepo, "refs/stagehand/locks/holds"); err == nil {
				t.Fatalf("the holds lock is left behind at %s", sha)
			}
		})
	}
}

// TestHoldsLockOfADeadReplica: a lock left by a replica that died while
// writing holds up a /hold until it expires, then is broken.
func TestHoldsLockOfADeadReplica(t *testing.T) {
	ctx := context.Background()
	w := chatWorld(t)
	n := w.issue()
	dead := w.cfg.Forges.Forge(w.sim.InstallationID())
	if _, err := dead.Lock(ctx, forge.Repo{Owner: "acme", Name: "config"}, "holds", "main", w.clock.Now(), time.Minute); err != nil {
		t.Fatal(err)
	}
	other := w.secondReplica(t)
	err := w.otherReplicaSays(ctx, other, "sam", n, "/hold web in dev")
	if !errors.Is(err, forge.ErrLocked) {
		t.Fatalf("a /hold while a live lock is held: %v; want %v", err, forge.ErrLocked)
	}
	w.sched.advance(61 * time.Second)
	if err := w.otherReplicaRetries(ctx, other, "sam", n, "/hold web in dev"); err != nil {
		t.Fatalf("a /hold once the lock expired: %v", err)
	}
	if got, want := w.recordedHolds(), []string{"web/dev"}; !slices.Equal(got, want) {
		t.Fatalf("holds issue records %v; want %v", got, want)
	}
}

// secondReplica starts another Bot on the same simulated GitHub.
func (w *world) secondReplica(t *testing.T) *Bot {
	t.Helper()
	cfg := w.cfg
	cfg.Registerer, cfg.Schedule = prometheus.NewRegistry(), &scheduler{clock: w.clock}
	other, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := other.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	w.settle()
	return other
}

// otherReplicaSays posts a comment whose webhook GitHub sends to another
// replica, and has that replica handle it.
func (w *world) otherReplicaSays(ctx context.Context, b *Bot, login string, number int, body string) error {
	w.sim.SetFaults(githubsim.Faults{WebhookDrop: 1}) // this replica never sees it
	id, err := w.sim.Comment(login, configRepo, number, body)
	w.sim.SetFaults(githubsim.Faults{})
	if err != nil {
		return err
	}
	w.otherComment = id
	return w.otherReplicaRetries(ctx, b, login, number, body)
}

// otherReplicaRetries has the other replica handle its last comment (again),
// as the queue runs a delivery that failed with a retryable error.
func (w *world) otherReplicaRetries(ctx context.Context, b *Bot, login string, number int, body string) error {
	owner, name, _ := strings.Cut(configRepo, "/")
	ev := &github.IssueCommentEvent{
		Action:  github.String("created"),
		Issue:   &github.Issue{Number: github.Int(number)},
		Comment: &github.IssueComment{ID: github.Int64(w.otherComment), Body: github.String(body), User: &github.User{Login: github.String(login), Type: github.String("User")}},
		Repo:    &github.Repository{Name: github.String(name), Owner: &github.User{Login: github.String(owner)}, FullName: github.String(configRepo)},
	}
	return b.Handle(ctx, event.Delivery{ID: "other-replica", Event: event.IssueComment, Action: "created", Repo: configRepo,
		InstallationID: w.sim.InstallationID(), Payload: ev})
}

// recordedHolds lists the holds issue's holds as "app/env", sorted.
func (w *world) recordedHolds() []string {
	w.t.Helper()
	is, err := w.cfg.Forges.Forge(w.sim.InstallationID()).FindIssue(context.Background(), forge.Repo{Owner: "acme", Name: "config"}, chatops.LabelHolds, chatops.HoldsTitle)
	if err != nil || is == nil {
		w.t.Fatalf("holds issue %v, %v", is, err)
	}
	holds, err := chatops.ParseHolds(is.GetBody())
	if err != nil {
		w.t.Fatal(err)
	}
	var out []string
	for _, h := range holds {
		out = append(out, h.App+"/"+h.Env)
	}
	slices.Sort(out)
	return out
}

// TestProposalLabelsConverge: a promotion whose labels fail after its pull
// request opened, with a 5xx or a secondary rate limit that outlasts the
// client's waits, is worth another attempt, and the next event for that pull
// request puts the labels on, also one that proposes nothing new (an older
// tag that the open pull request ranks above).
func TestProposalLabelsConverge(t *testing.T) {
	labels := []string{"issues/add-labels"}
	for name, faults := range map[string]githubsim.Faults{
		"5xx": {Errors: 1, Operations: labels},
		// A 403 secondary limit would also hold go-github's client back
		// for its Retry-After, failing the next event's calls too; the
		// soak has those.
		"secondary limit as 429": {TooManyRequests: 10, Operations: labels},
	} {
		t.Run(name, func(t *testing.T) {
			w := chatWorld(t) // dev does not auto-merge
			w.sim.SetFaults(faults)
			if err := w.sim.PublishContainer("ci", sourceRepo, "web", "v1.2.0", digestOf("v1.2.0")); err != nil {
				t.Fatal(err)
			}
			errs := w.settleErrors()
			w.sim.SetFaults(githubsim.Faults{})
			pr, ok := w.open()["stagehand/dev/web"]
			if !ok || len(errs) != 1 || len(pr.Labels) != 0 {
				t.Fatalf("open %v, labels %v, errors %v; want an unlabelled pull request and a handler error", ok, pr.Labels, errs)
			}
			if !queue.IsRetryable(errs[0]) {
				t.Errorf("the queue would not run the handler again after %v", errs[0])
			}
			w.publish("v1.1.0")
			pr = w.open()["stagehand/dev/web"]
			want := promote.Labels("dev")
			for _, l := range want {
				if !slices.Contains(pr.Labels, l) {
					t.Fatalf("labels %v after the next event; want %v (decisions %q)", pr.Labels, want, w.decisions())
				}
			}
			if n := len(w.pulls()); n != 1 {
				t.Fatalf("%d pull requests; want 1", n)
			}
		})
	}
}
