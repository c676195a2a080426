package registry

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/v1/random"

	"github.com/stagehand-gitops/stagehand/internal/registry/registrytest"
)

// fakeClock is the rate limiter's clock: a sleep moves it on and is
// recorded, so the waits are counted, not slept.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	sleeps []time.Duration
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Sleep(_ context.Context, d time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sleeps = append(c.sleeps, d)
	c.now = c.now.Add(d)
	return nil
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// limitFront answers the registry's tag-list requests from a script of
// rate-limit answers (status and Retry-After, which may name now+N
// seconds as an HTTP date with "date+N"), then lets them through; it
// counts every tag-list request that reaches it.
type limitFront struct {
	mu     sync.Mutex
	clock  *fakeClock
	script []limitAnswer
	lists  int
}

type limitAnswer struct {
	status     int
	retryAfter string
}

func (f *limitFront) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasSuffix(r.URL.Path, "/tags/list") {
			next.ServeHTTP(w, r)
			return
		}
		f.mu.Lock()
		f.lists++
		var a *limitAnswer
		if len(f.script) > 0 {
			a = &f.script[0]
			f.script = f.script[1:]
		}
		f.mu.Unlock()
		if a == nil {
			next.ServeHTTP(w, r)
			return
		}
		if after, ok := strings.CutPrefix(a.retryAfter, "date+"); ok {
			d, _ := time.ParseDuration(after + "s")
			w.Header().Set("Retry-After", f.clock.Now().Add(d).UTC().Format(http.TimeFormat))
		} else if a.retryAfter != "" {
			w.Header().Set("Retry-After", a.retryAfter)
		}
		http.Error(w, `{"errors":[{"code":"TOOMANYREQUESTS","message":"slow down"}]}`, a.status)
	})
}

func (f *limitFront) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.lists
}

// TestListTagsHonoursRetryAfter runs a real Distribution registry behind
// a front that rate-limits its tag list, and counts what reaches it: a
// short Retry-After (seconds or HTTP date) is waited out inside the call;
// a long one, a 429 without one, or too many in a row back the registry
// off, and nothing is sent to it before the backoff ends.
func TestListTagsHonoursRetryAfter(t *testing.T) {
	type step struct {
		advance time.Duration // before the call
		ok      bool          // the listing succeeds
		until   time.Duration // else: backed off until start+until
		lists   int           // tag-list requests that reached the registry so far
	}
	tests := []struct {
		name   string
		script []limitAnswer
		steps  []step
		sleeps []time.Duration
	}{
		{name: "429 with Retry-After in seconds is waited out",
			script: []limitAnswer{{429, "2"}},
			steps:  []step{{ok: true, lists: 2}},
			sleeps: []time.Duration{2 * time.Second}},
		{name: "503 with Retry-After as an HTTP date is waited out",
			script: []limitAnswer{{503, "date+3"}},
			steps:  []step{{ok: true, lists: 2}},
			sleeps: []time.Duration{3 * time.Second}},
		{name: "a long Retry-After backs the registry off",
			script: []limitAnswer{{429, "120"}},
			steps: []step{
				{until: 120 * time.Second, lists: 1},
				{advance: 60 * time.Second, until: 120 * time.Second, lists: 1},
				{advance: 61 * time.Second, ok: true, lists: 2},
			}},
		{name: "429 without Retry-After backs off a minute, doubling in a row",
			script: []limitAnswer{{429, ""}, {429, ""}},
			steps: []step{
				{until: time.Minute, lists: 1},
				{advance: time.Minute, until: 3 * time.Minute, lists: 2},
				{advance: 2 * time.Minute, ok: true, lists: 3},
			}},
		{name: "short waits in a row stop after two",
			script: []limitAnswer{{429, "1"}, {429, "1"}, {429, "1"}},
			steps:  []step{{until: 3 * time.Second, lists: 3}},
			sleeps: []time.Duration{time.Second, time.Second}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := &fakeClock{now: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
			start := clock.Now()
			front := &limitFront{clock: clock}
			host := registrytest.Start(t, registrytest.Options{Front: front.wrap})
			image := host + "/team/app"
			registrytest.Push(t, image+":v1.0.0", must(random.Image(64, 1)))
			front.mu.Lock()
			front.script = slices.Clone(tt.script)
			front.mu.Unlock()
			r := NewResolver(WithClock(clock.Now, clock.Sleep))
			for i, s := range tt.steps {
				clock.advance(s.advance)
				got, err := r.ListTags(context.Background(), image)
				var rl *RateLimitError
				switch {
				case s.ok && (err != nil || !slices.Equal(got, []string{"v1.0.0"})):
					t.Errorf("step %d: ListTags = %q, %v; want [v1.0.0]", i, got, err)
				case !s.ok && !errors.As(err, &rl):
					t.Errorf("step %d: ListTags error %v, want a rate limit", i, err)
				case !s.ok && !rl.Until.Equal(start.Add(s.until)):
					t.Errorf("step %d: backed off until +%v, want +%v", i, rl.Until.Sub(start), s.until)
				}
				if !s.ok && err != nil && !errors.Is(err, ErrRateLimited) {
					t.Errorf("step %d: %v is not ErrRateLimited", i, err)
				}
				if n := front.count(); n != s.lists {
					t.Errorf("step %d: %d tag-list requests reached the registry, want %d", i, n, s.lists)
				}
			}
			if !slices.Equal(clock.sleeps, tt.sleeps) {
				t.Errorf("waited %v, want %v", clock.sleeps, tt.sleeps)
			}
		})
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"", 0, false},
		{"30", 30 * time.Second, true},
		{" 0 ", 0, true},
		{"-5", 0, false},
		{"soon", 0, false},
		{"99999999999", 0, false},
		{"Sun, 01 Mar 2026 12:01:30 GMT", 90 * time.Second, true},
		{"Sun, 01 Mar 2026 11:00:00 GMT", 0, true},
	}
	for _, tt := range tests {
		got, ok := retryAfter(tt.in, now)
		if got != tt.want || ok != tt.ok {
			t.Errorf("retryAfter(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

// FuzzRetryAfter: any header value parses without panic to a wait that
// is never negative.
func FuzzRetryAfter(f *testing.F) {
	for _, s := range []string{"", "30", "Sun, 01 Mar 2026 12:01:30 GMT", "-1", "1e9"} {
		f.Add(s)
	}
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		if d, _ := retryAfter(s, now); d < 0 {
			t.Fatalf("retryAfter(%q) = %v", s, d)
		}
	})
}
