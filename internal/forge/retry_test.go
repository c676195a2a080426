package forge

import (
	"context"
	"errors"
	"io/fs"
	"slices"
	"testing"
	"time"

	"github.com/google/go-github/v62/github"

	"github.com/stagehand-gitops/stagehand/internal/githubsim"
)

func TestRetries(t *testing.T) {
	getRef := []string{"git/get-ref"}
	tests := []struct {
		name   string
		faults githubsim.Faults
		branch string // the branch to read; "" reads main
		log    []string
		sleeps []time.Duration // exact waits; nil checks only the count
		waits  int
		reset  bool // the limit resets while the client sleeps
		err    func(error) bool
	}{
		{
			name:   "secondary limit waits Retry-After",
			faults: githubsim.Faults{SecondaryRateLimit: 2, RetryAfter: 3 * time.Second, Operations: getRef},
			log:    []string{"git/get-ref 403", "git/get-ref 403", "git/get-ref 200"},
			sleeps: []time.Duration{3 * time.Second, 3 * time.Second},
		},
		{
			name:   "secondary limit without Retry-After waits a minute",
			faults: githubsim.Faults{SecondaryRateLimit: 1, SecondaryNoRetryAfter: true, Operations: getRef},
			log:    []string{"git/get-ref 403", "git/get-ref 200"},
			sleeps: []time.Duration{time.Minute},
		},
		{
			name:   "secondary limit as 429 waits Retry-After",
			faults: githubsim.Faults{TooManyRequests: 1, RetryAfter: 2 * time.Second, Operations: getRef},
			log:    []string{"git/get-ref 429", "git/get-ref 200"},
			sleeps: []time.Duration{2 * time.Second},
		},
		{
			name:   "a secondary limit that persists is a rate limit to retry later",
			faults: githubsim.Faults{SecondaryRateLimit: 10, Operations: getRef},
			log:    []string{"git/get-ref 403", "git/get-ref 403", "git/get-ref 403", "git/get-ref 403"},
			waits:  3,
			err:    RateLimited,
		},
		{
			name:   "a 429 that persists is a rate limit to retry later",
			faults: githubsim.Faults{TooManyRequests: 10, Operations: getRef},
			log:    []string{"git/get-ref 429", "git/get-ref 429", "git/get-ref 429", "git/get-ref 429"},
			waits:  3,
			err:    RateLimited,
		},
		{
			name:   "exhausted primary limit waits for the reset",
			faults: githubsim.Faults{ExhaustPrimary: true, PrimaryReset: 30 * time.Second},
			log:    []string{"git/get-ref 403", "git/get-ref 200"},
			waits:  1,
			reset:  true, // one wait of 30–31 s: to the whole-second reset, plus a second of slack
		},
		{
			name:   "a primary reset beyond the bound is GitHub's error",
			faults: githubsim.Faults{ExhaustPrimary: true, PrimaryReset: time.Hour},
			log:    []string{"git/get-ref 403"},
			err: func(err error) bool {
				var rl *github.RateLimitError
				return errors.As(err, &rl) && RateLimited(err)
			},
		},
		{
			name:   "5xx backs off and retries",
			faults: githubsim.Faults{Errors: 2, Operations: getRef},
			log:    []string{"git/get-ref 500", "git/get-ref 502", "git/get-ref 200"},
			waits:  2,
		},
		{
			name:   "5xx retries are bounded",
			faults: githubsim.Faults{Errors: 10, Operations: getRef},
			log:    []string{"git/get-ref 500", "git/get-ref 502", "git/get-ref 500", "git/get-ref 502"},
			waits:  3,
			err:    func(err error) bool { return status(err) == 502 && !RateLimited(err) },
		},
		{
			name:   "a 404 for a ref just created is replication lag",
			faults: githubsim.Faults{NotFound: 1, Operations: getRef},
			branch: "fresh",
			log:    []string{"git/get-ref 404", "git/get-ref 200"},
			waits:  1,
		},
		{
			name:   "a 404 for anything else is final",
			faults: githubsim.Faults{NotFound: 1, Operations: getRef},
			branch: "never-created",
			log:    []string{"git/get-ref 404"},
			err:    func(err error) bool { return errors.Is(err, fs.ErrNotExist) },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, envOptions{})
			ctx := context.Background()
			branch := "main"
			if tt.branch != "" {
				branch = tt.branch
				// Create "fresh" through this client, so its stack knows it is new.
				_, err := e.forge.Commit(ctx, testRepo, "fresh", "main", "Fresh\n",
					func(fs.FS) (map[string][]byte, error) { return map[string][]byte{"f": []byte("f\n")}, nil }, CommitOptions{})
				if err != nil {
					t.Fatal(err)
				}
			}
			e.calls()
			before := len(e.clock.Sleeps())
			e.sim.SetFaults(tt.faults)
			if tt.reset {
				e.clock.onSleep = func() { e.sim.SetFaults(githubsim.Faults{}) }
			}
			_, err := e.forge.Head(ctx, testRepo, branch)
			if tt.err == nil && err != nil || tt.err != nil && !tt.err(err) {
				t.Fatalf("err = %v", err)
			}
			if c := e.calls(); !slices.Equal(c.Log, tt.log) {
				t.Fatalf("calls %v, want %v", c.Log, tt.log)
			}
			sleeps := e.clock.Sleeps()[before:]
			for _, d := range sleeps {
				if tt.reset && (d < 30*time.Second || d > 31*time.Second) {
					t.Fatalf("waited %v for a reset 30 s away", d)
				}
			}
			if tt.sleeps != nil && !slices.Equal(sleeps, tt.sleeps) {
				t.Fatalf("slept %v, want %v", sleeps, tt.sleeps)
			}
			if tt.sleeps == nil && len(sleeps) != tt.waits {
				t.Fatalf("slept %v, want %d waits", sleeps, tt.waits)
			}
		})
	}
}

func TestRetryOnlySafeWrites(t *testing.T) {
	e := newEnv(t, envOptions{})
	e.sim.SetFaults(githubsim.Faults{Errors: 1, Operations: []string{"issues/create-comment"}})
	if _, err := e.forge.Comment(context.Background(), testRepo, 1, "hi"); status(err) < 500 {
		t.Fatalf("err = %v, want the 5xx: a comment is not retried, it could be posted twice", err)
	}
	if c := e.calls(); c.Total() != 1 {
		t.Fatalf("calls %v", c.Log)
	}
}

// TestRetryResendsTheBody: a git object POST is content-addressed, so it is
// retried after a 5xx, and the retry must carry the whole body again.
func TestRetryResendsTheBody(t *testing.T) {
	e := newEnv(t, envOptions{})
	e.sim.SetFaults(githubsim.Faults{Errors: 1, Operations: []string{"git/create-tree"}})
	res, err := e.forge.Commit(context.Background(), testRepo, "main", "", "Retry\n", func(fs.FS) (map[string][]byte, error) {
		return map[string][]byte{"a": []byte("a\n"), "b": []byte("b\n")}, nil
	}, CommitOptions{})
	if err != nil || !res.Written {
		t.Fatalf("commit: %+v, %v", res, err)
	}
	c := e.calls()
	if c.ByOperation["git/create-tree"] != 2 || !slices.Contains(c.Log, "git/create-tree 201") {
		t.Fatalf("calls %v", c.Log)
	}
	got, err := fs.ReadFile(e.coldForge(t).Snapshot(context.Background(), testRepo, res.SHA), "b")
	if err != nil || string(got) != "b\n" {
		t.Fatalf("b = %q, %v", got, err)
	}
}
