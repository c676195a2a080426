package githubsim

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bradleyfalzon/ghinstallation/v2"
	"github.com/google/go-github/v62/github"
)

// receiver records webhooks after verifying their signature, as Stagehand's server would.
type receiver struct {
	t      *testing.T
	secret string
	mu     sync.Mutex
	events []any
	kinds  []string // "event/action"
	fail   bool
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	if _, err := github.ValidatePayloadFromBody(r.Header.Get("Content-Type"), bytesReader(body), r.Header.Get("X-Hub-Signature-256"), []byte(rc.secret)); err != nil {
		rc.t.Errorf("signature: %v", err)
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	mac := hmac.New(sha256.New, []byte(rc.secret))
	mac.Write(body)
	if r.Header.Get("X-Hub-Signature-256") != "sha256="+hex.EncodeToString(mac.Sum(nil)) {
		rc.t.Errorf("signature mismatch")
	}
	if r.Header.Get("X-GitHub-Delivery") == "" {
		rc.t.Errorf("no delivery id")
	}
	event := r.Header.Get("X-GitHub-Event")
	var parsed any
	var err error
	if event == "registry_package" {
		// go-github v62 does not model registry_package; keep the raw JSON.
		var raw map[string]any
		err = json.Unmarshal(body, &raw)
		parsed = raw
	} else {
		parsed, err = github.ParseWebHook(event, body)
	}
	if err != nil {
		rc.t.Errorf("parse %s: %v", event, err)
	}
	var head struct {
		Action string `json:"action"`
	}
	_ = json.Unmarshal(body, &head)
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.events = append(rc.events, parsed)
	rc.kinds = append(rc.kinds, event+"/"+head.Action)
	if rc.fail {
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	w.WriteHeader(http.StatusAccepted)
}

func (rc *receiver) seen() []string {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]string(nil), rc.kinds...)
}

func newHookFixture(t *testing.T) (*fixture, *receiver) {
	rc := &receiver{t: t, secret: "s3cret"}
	srv := httptest.NewServer(rc)
	t.Cleanup(srv.Close)
	f := newFixture(t, Options{WebhookURL: srv.URL, WebhookSecret: rc.secret})
	return f, rc
}

func TestWebhooksForAPersonFlow(t *testing.T) {
	f, rc := newHookFixture(t)
	s := f.sim
	steps := []struct {
		name string
		do   func() error
		want []string
	}{
		{"push a branch", func() error {
			_, err := s.Push("dev", testRepo, "feature", "x", map[string]string{"a": "a"})
			return err
		},
			[]string{"push/", "check_suite/requested"}},
		{"open a pr", func() error { _, err := s.OpenPR("dev", testRepo, "feature", "main", "t", ""); return err },
			[]string{"pull_request/opened"}},
		{"label it", func() error { return s.AddLabel("triager", testRepo, 1, "stagehand/emergency") },
			[]string{"pull_request/labeled"}},
		{"comment", func() error { _, err := s.Comment("alice", testRepo, 1, "/promote"); return err },
			[]string{"issue_comment/created"}},
		{"push to the head", func() error {
			_, err := s.Push("dev", testRepo, "feature", "y", map[string]string{"b": "b"})
			return err
		},
			[]string{"push/", "check_suite/requested", "pull_request/synchronize"}},
		{"approve", func() error { return s.Review("alice", testRepo, 1, "APPROVE", "") },
			[]string{"pull_request_review/submitted"}},
		{"merge", func() error { _, err := s.Merge("alice", testRepo, 1, "merge"); return err },
			[]string{"push/", "check_suite/requested", "pull_request/closed"}},
		{"status", func() error {
			sha, _ := s.RefSHA(testRepo, "heads/main")
			return s.SetStatus("", testRepo, sha, "argo", "success", "")
		}, []string{"status/"}},
		{"deployment status", func() error {
			id, err := s.CreateDeployment("dev", testRepo, "main", "dev")
			if err != nil {
				return err
			}
			return s.SetDeploymentStatus("dev", testRepo, id, "success")
		}, []string{"deployment/created", "deployment_status/created"}},
		{"install", func() error { s.InstallApp("acme"); return nil }, []string{"installation/created"}},
		{"remove a repository", func() error { return s.SetInstalled("alice", testRepo, false) }, []string{"installation_repositories/removed"}},
		{"no webhooks from an uninstalled repository", func() error {
			_, err := s.Push("dev", testRepo, "main", "quiet", map[string]string{"q": "q"})
			return err
		}, nil},
		{"add it back", func() error { return s.SetInstalled("alice", testRepo, true) }, []string{"installation_repositories/added"}},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			before := len(rc.seen())
			if err := st.do(); err != nil {
				t.Fatal(err)
			}
			s.Flush()
			got := rc.seen()[before:]
			if len(got) != len(st.want) {
				t.Fatalf("webhooks = %v, want %v", got, st.want)
			}
			for i := range got {
				if got[i] != st.want[i] {
					t.Errorf("webhook %d = %s, want %s", i, got[i], st.want[i])
				}
			}
		})
	}
	var merged *github.PullRequestEvent
	for _, ev := range rc.events {
		if pe, ok := ev.(*github.PullRequestEvent); ok && pe.GetAction() == "closed" {
			merged = pe
		}
	}
	if merged == nil || !merged.GetPullRequest().GetMerged() || merged.GetSender().GetLogin() != "alice" {
		t.Errorf("closed event merged=%v sender=%s", merged.GetPullRequest().GetMerged(), merged.GetSender().GetLogin())
	}
}

func TestDeliveryLogAndRedelivery(t *testing.T) {
	f, rc := newHookFixture(t)
	f.sim.SetFaults(Faults{WebhookDrop: 1})
	if _, err := f.sim.Comment("alice", testRepo, mustIssue(t, f), "dropped"); err != nil {
		t.Fatal(err)
	}
	rc.mu.Lock()
	rc.fail = true
	rc.mu.Unlock()
	if _, err := f.sim.Comment("alice", testRepo, 1, "fails"); err != nil {
		t.Fatal(err)
	}
	f.sim.Flush()
	rc.mu.Lock()
	rc.fail = false
	rc.mu.Unlock()

	app := appClient(t, f)
	items, _, err := app.Apps.ListHookDeliveries(f.ctx, &github.ListCursorOptions{PerPage: 10})
	if err != nil {
		t.Fatal(err)
	}
	var failed *github.HookDelivery
	for _, d := range items {
		if d.GetStatusCode() >= 400 {
			failed = d
		}
	}
	if failed == nil || failed.GetEvent() != "issue_comment" {
		t.Fatalf("no failed issue_comment delivery in %d items", len(items))
	}
	// go-github reports GitHub's 202 "job scheduled" as an *AcceptedError.
	_, resp, err := app.Apps.RedeliverHookDelivery(f.ctx, failed.GetID())
	var accepted *github.AcceptedError
	if statusOf(resp) != http.StatusAccepted || !errors.As(err, &accepted) {
		t.Fatalf("redeliver = %d %v, want 202", statusOf(resp), err)
	}
	f.sim.Flush()
	items, _, _ = app.Apps.ListHookDeliveries(f.ctx, nil)
	if !items[0].GetRedelivery() || items[0].GetGUID() != failed.GetGUID() || items[0].GetStatusCode() != http.StatusAccepted {
		t.Errorf("newest delivery = %+v, want a successful redelivery of %s", items[0], failed.GetGUID())
	}
	full, _, err := app.Apps.GetHookDelivery(f.ctx, failed.GetID())
	if err != nil || full.GetRequest().Headers["X-Github-Event"] != "issue_comment" {
		t.Errorf("delivery detail = %v (%v)", full, err)
	}
}

func mustIssue(t *testing.T, f *fixture) int {
	t.Helper()
	n, err := f.sim.CreateIssue("alice", testRepo, "holds", "")
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// appClient authenticates as the App through ghinstallation's JWT transport.
func appClient(t *testing.T, f *fixture) *github.Client {
	t.Helper()
	tr, err := ghinstallation.NewAppsTransport(http.DefaultTransport, f.sim.AppID(), pemKey(t, f))
	if err != nil {
		t.Fatal(err)
	}
	tr.BaseURL = f.sim.URL() + "/api/v3"
	c, err := github.NewClient(&http.Client{Transport: tr}).WithEnterpriseURLs(f.sim.URL(), f.sim.URL())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func pemKey(t *testing.T, f *fixture) []byte {
	t.Helper()
	return pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(f.sim.AppKey())})
}

func TestGhinstallationTokens(t *testing.T) {
	f := newFixture(t, Options{})
	itr, err := ghinstallation.New(http.DefaultTransport, f.sim.AppID(), f.sim.InstallationID(), pemKey(t, f))
	if err != nil {
		t.Fatal(err)
	}
	itr.BaseURL = f.sim.URL() + "/api/v3"
	c, err := github.NewClient(&http.Client{Transport: itr}).WithEnterpriseURLs(f.sim.URL(), f.sim.URL())
	if err != nil {
		t.Fatal(err)
	}
	repos, _, err := c.Apps.ListRepos(f.ctx, nil)
	if err != nil || repos.GetTotalCount() != 1 || repos.Repositories[0].GetFullName() != testRepo {
		t.Fatalf("installation repos = %v (%v)", repos, err)
	}
	installs, _, err := appClient(t, f).Apps.ListInstallations(f.ctx, nil)
	if err != nil || len(installs) != 1 || installs[0].GetID() != f.sim.InstallationID() {
		t.Fatalf("installations = %v (%v)", installs, err)
	}
	// A JWT signed by another key is refused.
	other, _ := ghinstallation.NewAppsTransport(http.DefaultTransport, f.sim.AppID(), pem.EncodeToMemory(&pem.Block{
		Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(otherKey(t))}))
	other.BaseURL = f.sim.URL() + "/api/v3"
	bad, _ := github.NewClient(&http.Client{Transport: other}).WithEnterpriseURLs(f.sim.URL(), f.sim.URL())
	_, resp, err := bad.Apps.ListInstallations(f.ctx, nil)
	wantStatus(t, resp, err, http.StatusUnauthorized)
}

func TestSettleWaitsForReactions(t *testing.T) {
	var sim *Sim
	var tok string
	reacted := make(chan struct{}, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusAccepted)
		body, _ := io.ReadAll(r.Body)
		ev, err := github.ParseWebHook(r.Header.Get("X-GitHub-Event"), body)
		ic, ok := ev.(*github.IssueCommentEvent)
		if err != nil || !ok || ic.GetSender().GetType() == "Bot" {
			return // only people's comments get an answer; never answer the bot itself
		}
		// React as a queue-based bot would: after answering the delivery, through the API.
		go func() {
			c, _ := github.NewClient(nil).WithAuthToken(tok).WithEnterpriseURLs(sim.URL(), sim.URL())
			_, _, _ = c.Issues.CreateComment(context.Background(), "acme", "config", 1, &github.IssueComment{Body: github.String("done")})
			reacted <- struct{}{}
		}()
	}))
	defer srv.Close()
	f := newFixture(t, Options{WebhookURL: srv.URL, WebhookSecret: "x"})
	sim, tok = f.sim, f.sim.InstallationToken()
	n := mustIssue(t, f)
	if _, err := sim.Comment("alice", testRepo, n, "/status"); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := sim.Settle(ctx, 300*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	select {
	case <-reacted:
	default:
		t.Fatal("Settle returned before the receiver's reaction")
	}
	comments, _ := sim.Comments(testRepo, n)
	if len(comments) != 2 {
		t.Errorf("comments = %d, want the bot's reply too", len(comments))
	}
}

func TestPublishContainer(t *testing.T) {
	f, rc := newHookFixture(t)
	if err := f.sim.PublishContainer("dev", testRepo, "web", "v1.4.0", "sha256:"+strings.Repeat("ab", 32)); err != nil {
		t.Fatal(err)
	}
	f.sim.Flush()
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if got := rc.kinds[len(rc.kinds)-1]; got != "registry_package/published" {
		t.Fatalf("last webhook = %s, want registry_package/published", got)
	}
	var ev struct {
		RegistryPackage struct {
			PackageVersion struct {
				Name              string `json:"name"`
				PackageURL        string `json:"package_url"`
				ContainerMetadata struct {
					Tag struct{ Name string } `json:"tag"`
				} `json:"container_metadata"`
			} `json:"package_version"`
		} `json:"registry_package"`
	}
	raw, _ := json.Marshal(rc.events[len(rc.events)-1])
	if err := json.Unmarshal(raw, &ev); err != nil {
		t.Fatal(err)
	}
	v := ev.RegistryPackage.PackageVersion
	if v.ContainerMetadata.Tag.Name != "v1.4.0" || v.Name != "sha256:"+strings.Repeat("ab", 32) || v.PackageURL != "ghcr.io/acme/web:v1.4.0" {
		t.Errorf("registry_package version = %+v", v)
	}
}

func TestDeliveriesPaginateWithCursor(t *testing.T) {
	f, _ := newHookFixture(t)
	n := mustIssue(t, f)
	for i := 0; i < 4; i++ {
		if _, err := f.sim.Comment("alice", testRepo, n, "c"); err != nil {
			t.Fatal(err)
		}
	}
	f.sim.Flush()
	app := appClient(t, f)
	seen := map[int64]bool{}
	opts := &github.ListCursorOptions{PerPage: 2}
	for page := 0; page < 10; page++ {
		items, resp, err := app.Apps.ListHookDeliveries(f.ctx, opts)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range items {
			if seen[d.GetID()] {
				t.Fatalf("delivery %d listed twice", d.GetID())
			}
			seen[d.GetID()] = true
		}
		if resp.Cursor == "" {
			break
		}
		opts.Cursor = resp.Cursor
	}
	if want := len(f.sim.Deliveries()); len(seen) != want {
		t.Errorf("paged through %d deliveries, want %d", len(seen), want)
	}
}

// TestWebhookDropRate: a drop rate of one loses every delivery, without a
// record GitHub could redeliver from; zero loses none.
func TestWebhookDropRate(t *testing.T) {
	f, rc := newHookFixture(t)
	n := mustIssue(t, f)
	f.sim.Flush()
	rc.mu.Lock()
	before := len(rc.events)
	rc.mu.Unlock()
	logged := len(f.sim.Deliveries())
	f.sim.SetFaults(Faults{WebhookDropRate: 1})
	if _, err := f.sim.Comment("alice", testRepo, n, "lost"); err != nil {
		t.Fatal(err)
	}
	f.sim.Flush()
	f.sim.SetFaults(Faults{})
	if _, err := f.sim.Comment("alice", testRepo, n, "arrives"); err != nil {
		t.Fatal(err)
	}
	f.sim.Flush()
	rc.mu.Lock()
	got := len(rc.events) - before
	rc.mu.Unlock()
	if got != 1 || len(f.sim.Deliveries()) != logged+1 {
		t.Fatalf("%d events received, %d deliveries logged; want 1 and %d", got, len(f.sim.Deliveries()), logged+1)
	}
}
