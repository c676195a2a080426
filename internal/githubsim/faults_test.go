package githubsim

import (
	"errors"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/bradleyfalzon/ghinstallation/v2"
	"github.com/google/go-github/v62/github"
)

func TestFaultInjection(t *testing.T) {
	tests := []struct {
		name   string
		faults Faults
		check  func(t *testing.T, resp *github.Response, err error)
	}{
		{"secondary rate limit", Faults{SecondaryRateLimit: 1, RetryAfter: 3 * time.Second}, func(t *testing.T, resp *github.Response, err error) {
			var abuse *github.AbuseRateLimitError
			if !errors.As(err, &abuse) || abuse.GetRetryAfter() != 3*time.Second {
				t.Fatalf("err = %v, want a secondary rate limit with Retry-After 3s", err)
			}
		}},
		{"secondary rate limit without Retry-After", Faults{SecondaryRateLimit: 1, SecondaryNoRetryAfter: true}, func(t *testing.T, resp *github.Response, err error) {
			var abuse *github.AbuseRateLimitError
			if !errors.As(err, &abuse) || abuse.RetryAfter != nil || resp.Header.Get("Retry-After") != "" {
				t.Fatalf("err = %v, header %v; want a secondary rate limit without Retry-After", err, resp.Header)
			}
		}},
		{"secondary rate limit as 429", Faults{TooManyRequests: 1, RetryAfter: 2 * time.Second}, func(t *testing.T, resp *github.Response, err error) {
			if statusOf(resp) != http.StatusTooManyRequests || resp.Header.Get("Retry-After") != "2" {
				t.Fatalf("status %d, Retry-After %q, err %v; want 429 with Retry-After 2", statusOf(resp), resp.Header.Get("Retry-After"), err)
			}
		}},
		{"primary limit exhausted", Faults{ExhaustPrimary: true, PrimaryReset: time.Minute}, func(t *testing.T, resp *github.Response, err error) {
			var rl *github.RateLimitError
			if !errors.As(err, &rl) || rl.Rate.Remaining != 0 || rl.Rate.Reset.Before(time.Now()) {
				t.Fatalf("err = %v, want a primary rate limit error with a future reset", err)
			}
		}},
		{"server errors", Faults{Errors: 1}, func(t *testing.T, resp *github.Response, err error) {
			if statusOf(resp) != http.StatusBadGateway {
				t.Fatalf("status = %d, want 502", statusOf(resp))
			}
		}},
		{"replication lag", Faults{NotFound: 1, Operations: []string{"repos/get"}}, func(t *testing.T, resp *github.Response, err error) {
			wantStatus(t, resp, err, http.StatusNotFound)
		}},
		{"faults limited to other operations", Faults{Errors: 1, Operations: []string{"pulls/merge"}}, func(t *testing.T, resp *github.Response, err error) {
			wantStatus(t, resp, err, http.StatusOK)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, Options{})
			c := f.client(t, "dev")
			f.sim.SetFaults(tt.faults)
			_, resp, err := c.Repositories.Get(f.ctx, "acme", "config")
			tt.check(t, resp, err)
			f.sim.SetFaults(Faults{})
			// A fresh client: go-github remembers rate limits and would not send the request.
			if _, _, err := f.client(t, "dev").Repositories.Get(f.ctx, "acme", "config"); err != nil {
				t.Errorf("after clearing faults: %v", err)
			}
		})
	}
}

func TestErrorRateIsSeeded(t *testing.T) {
	run := func() []string {
		f := newFixture(t, Options{})
		c := f.client(t, "dev")
		f.sim.SetFaults(Faults{ErrorRate: 0.5, Seed: 7})
		var out []string
		for i := 0; i < 20; i++ {
			_, resp, _ := c.Repositories.Get(f.ctx, "acme", "config")
			out = append(out, strconv.Itoa(statusOf(resp)))
		}
		return out
	}
	a, b := run(), run()
	failures := 0
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("run differs at call %d: %v vs %v", i, a, b)
		}
		switch a[i] {
		case "200":
		case "500", "502":
			failures++
		default:
			t.Fatalf("call %d answered %s, want 200, 500 or 502", i, a[i])
		}
	}
	if failures == 0 || failures == len(a) {
		t.Errorf("%d of %d calls failed, want some but not all", failures, len(a))
	}
}

func TestRefRaceAndConflict(t *testing.T) {
	f := newFixture(t, Options{})
	c := f.client(t, "")
	next := commitFiles(t, f, c, f.base, map[string]string{"a.txt": "a\n"})
	f.sim.SetFaults(Faults{RefRaces: 1})
	_, resp, err := c.Git.UpdateRef(f.ctx, "acme", "config", &github.Reference{Ref: github.String("heads/main"), Object: &github.GitObject{SHA: github.String(next)}}, false)
	wantStatus(t, resp, err, http.StatusUnprocessableEntity)
	moved, _ := f.sim.RefSHA(testRepo, "main")
	if moved == f.base || moved == next {
		t.Fatalf("main = %s: the race should have moved it to someone else's commit", moved)
	}
	f.sim.SetFaults(Faults{RefConflicts: 1})
	again := commitFiles(t, f, c, moved, map[string]string{"a.txt": "a\n"})
	_, resp, err = c.Git.UpdateRef(f.ctx, "acme", "config", &github.Reference{Ref: github.String("heads/main"), Object: &github.GitObject{SHA: github.String(again)}}, false)
	wantStatus(t, resp, err, http.StatusUnprocessableEntity)
	_, resp, err = c.Git.UpdateRef(f.ctx, "acme", "config", &github.Reference{Ref: github.String("heads/main"), Object: &github.GitObject{SHA: github.String(again)}}, false)
	wantStatus(t, resp, err, http.StatusOK)
}

func TestConditionalGetsAndRateHeaders(t *testing.T) {
	f := newFixture(t, Options{RateLimit: 100})
	tok := f.sim.Token("dev")
	get := func(etag string) *http.Response {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, f.sim.APIURL()+"repos/acme/config/git/ref/heads/main", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		if etag != "" {
			req.Header.Set("If-None-Match", etag)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	first := get("")
	etag := first.Header.Get("ETag")
	if first.StatusCode != http.StatusOK || etag == "" || first.Header.Get("Last-Modified") == "" {
		t.Fatalf("first GET %d etag %q", first.StatusCode, etag)
	}
	if first.Header.Get("X-RateLimit-Remaining") != "99" || first.Header.Get("X-RateLimit-Resource") != "core" {
		t.Errorf("rate headers = %v", first.Header)
	}
	second := get(etag)
	if second.StatusCode != http.StatusNotModified || second.Header.Get("X-RateLimit-Remaining") != "99" {
		t.Errorf("conditional GET = %d remaining %s, want 304 and no charge", second.StatusCode, second.Header.Get("X-RateLimit-Remaining"))
	}
	if _, err := f.sim.Push("dev", testRepo, "main", "x", map[string]string{"x": "x"}); err != nil {
		t.Fatal(err)
	}
	if third := get(etag); third.StatusCode != http.StatusOK {
		t.Errorf("after a change = %d, want 200", third.StatusCode)
	}
	calls := f.sim.Calls()
	if calls.NotModified != 1 || calls.ByOperation["git/get-ref"] != 3 || calls.Reads != 3 || calls.Writes != 0 {
		t.Errorf("calls = %+v", calls)
	}
	if len(calls.Log) != 3 || calls.Log[1] != "git/get-ref 304" {
		t.Errorf("log = %v", calls.Log)
	}
	f.sim.ResetCalls()
	if f.sim.Calls().Total() != 0 {
		t.Errorf("reset did not clear the counts")
	}
}

func TestPermissions(t *testing.T) {
	f := newFixture(t, Options{})
	if err := f.sim.CreateRepo(RepoOptions{Owner: "acme", Name: "public", Public: true}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		user  string
		repo  string
		write bool
		want  int
	}{
		{"reader", "config", false, http.StatusOK},
		{"reader", "config", true, http.StatusForbidden},
		{"outsider", "config", false, http.StatusNotFound},
		{"outsider", "public", false, http.StatusOK},
		{"outsider", "public", true, http.StatusForbidden},
		{"dev", "config", true, http.StatusCreated},
	}
	for _, tt := range tests {
		t.Run(tt.user+"/"+tt.repo+"/"+strconv.FormatBool(tt.write), func(t *testing.T) {
			c := f.client(t, tt.user)
			var resp *github.Response
			var err error
			if tt.write {
				_, resp, err = c.Git.CreateBlob(f.ctx, "acme", tt.repo, &github.Blob{Content: github.String("x"), Encoding: github.String("utf-8")})
			} else {
				_, resp, err = c.Repositories.Get(f.ctx, "acme", tt.repo)
			}
			wantStatus(t, resp, err, tt.want)
		})
	}
	levels := map[string][2]string{ // user → legacy permission, role name
		"triager": {"read", "triage"}, "alice": {"admin", "admin"}, "dev": {"write", "write"}, "outsider": {"none", "none"},
	}
	for login, want := range levels {
		perm, _, err := f.client(t, "").Repositories.GetPermissionLevel(f.ctx, "acme", "config", login)
		if err != nil || perm.GetPermission() != want[0] || perm.GetUser().GetRoleName() != want[1] {
			t.Errorf("permission level of %s = %v (%v), want %v", login, perm, err, want)
		}
	}
	f.sim.AddTeamMember("acme", "sre", "alice", "member")
	m, _, err := f.client(t, "").Teams.GetTeamMembershipBySlug(f.ctx, "acme", "sre", "alice")
	if err != nil || m.GetState() != "active" {
		t.Errorf("membership = %v (%v)", m, err)
	}
	_, resp, err := f.client(t, "").Teams.GetTeamMembershipBySlug(f.ctx, "acme", "sre", "dev")
	wantStatus(t, resp, err, http.StatusNotFound)
	bad, _ := github.NewClient(nil).WithAuthToken("bogus").WithEnterpriseURLs(f.sim.URL(), f.sim.URL())
	_, resp, err = bad.Repositories.Get(f.ctx, "acme", "config")
	wantStatus(t, resp, err, http.StatusUnauthorized)
}

func TestInjectedClock(t *testing.T) {
	var mu sync.Mutex
	now := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	clock := func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		return now
	}
	f := newFixture(t, Options{Now: clock})
	mu.Lock()
	now = now.Add(48 * time.Hour)
	mu.Unlock()
	sha, err := f.sim.Push("dev", testRepo, "main", "later", map[string]string{"x": "x"})
	if err != nil {
		t.Fatal(err)
	}
	// Credentials follow the real clock, so an App client keeps working across clock jumps.
	itr, err := ghinstallation.New(http.DefaultTransport, f.sim.AppID(), f.sim.InstallationID(), f.sim.AppKeyPEM())
	if err != nil {
		t.Fatal(err)
	}
	itr.BaseURL = f.sim.APIURL()
	c, _ := github.NewClient(&http.Client{Transport: itr}).WithEnterpriseURLs(f.sim.URL(), f.sim.URL())
	cm, _, err := c.Git.GetCommit(f.ctx, "acme", "config", sha)
	if err != nil {
		t.Fatal(err)
	}
	if got := cm.GetCommitter().GetDate().Time; !got.Equal(time.Date(2030, 1, 4, 3, 4, 5, 0, time.UTC)) {
		t.Errorf("commit date = %v, want the injected clock", got)
	}
}

func TestOnRequestHookMovesARefUnderAClient(t *testing.T) {
	f := newFixture(t, Options{})
	c := f.client(t, "")
	next := commitFiles(t, f, c, f.base, map[string]string{"a.txt": "a\n"})
	var once sync.Once
	f.sim.OnRequest(func(op string, r *http.Request) {
		if op == "git/update-ref" {
			once.Do(func() {
				if _, err := f.sim.Push("dev", testRepo, "main", "someone else", map[string]string{"b.txt": "b\n"}); err != nil {
					t.Error(err)
				}
			})
		}
	})
	_, resp, err := c.Git.UpdateRef(f.ctx, "acme", "config", &github.Reference{Ref: github.String("heads/main"), Object: &github.GitObject{SHA: github.String(next)}}, false)
	wantStatus(t, resp, err, http.StatusUnprocessableEntity)
	if log := f.sim.Calls().Log; log[len(log)-1] != "git/update-ref 422" {
		t.Errorf("last call = %s", log[len(log)-1])
	}
}
