package githubsim

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Faults configures injected failures. Set them with SetFaults; the zero value injects nothing.
type Faults struct {
	// Latency is added to every call before it is handled.
	Latency time.Duration
	// ErrorRate is the probability (0..1) that a call answers 500 or 502 instead.
	ErrorRate float64
	// Seed seeds the random source used for ErrorRate and webhook failure rates.
	Seed int64
	// Operations limits Latency, ErrorRate, Errors, SecondaryRateLimit and NotFound to these
	// operation ids (e.g. "git/get-tree"); empty means every call.
	Operations []string
	// Errors makes the next N matching calls answer 502 (then 500 alternately).
	Errors int
	// SecondaryRateLimit makes the next N matching calls answer 403 with Retry-After, as
	// GitHub's secondary rate limit does.
	SecondaryRateLimit int
	// NotFound makes the next N matching GET calls answer 404, as GitHub's replication lag
	// does right after an object is created.
	NotFound int
	// RetryAfter is the Retry-After value for secondary limits (default 1 s).
	RetryAfter time.Duration
	// SecondaryNoRetryAfter makes the secondary limits above answer without Retry-After,
	// as GitHub sometimes does; its documentation then asks to wait at least a minute.
	SecondaryNoRetryAfter bool
	// TooManyRequests makes the next N matching calls answer 429 with Retry-After, the
	// status GitHub also uses for a secondary rate limit.
	TooManyRequests int
	// ExhaustPrimary sets every token's remaining primary quota to zero until PrimaryReset from now.
	ExhaustPrimary bool
	// PrimaryReset is how long an exhausted primary limit lasts (default 1 s).
	PrimaryReset time.Duration
	// RefConflicts makes the next N ref updates (and merges) fail: a 422 for a ref update,
	// a 405 "Base branch was modified" for a merge.
	RefConflicts int
	// RefRaces makes the next N compare-and-swap ref updates lose a race: someone else
	// moves the ref first (a real commit by the ghost user), so the update is not a fast forward.
	RefRaces int
	// WebhookFailRate is the probability that a delivery attempt fails (recorded with status 502).
	WebhookFailRate float64
	// WebhookDrop drops the next N webhook deliveries without any record, as if lost.
	WebhookDrop int
	// WebhookDropRate is the probability that a delivery is dropped without any record.
	WebhookDropRate float64
	// Forbidden lists repositories ("owner/name") whose every call answers 403
	// "Resource not accessible by integration", as GitHub does when an organization's
	// policy or a withdrawn grant keeps the App out of a repository it still lists.
	Forbidden []string
}

// SetFaults replaces the injected faults and reseeds the random source.
func (s *Sim) SetFaults(f Faults) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if f.RetryAfter == 0 {
		f.RetryAfter = time.Second
	}
	if f.PrimaryReset == 0 {
		f.PrimaryReset = time.Second
	}
	s.faults = f
	s.rng.Seed(f.Seed)
	if f.ExhaustPrimary {
		reset := wallNow().Add(f.PrimaryReset)
		s.exhaustedUntil = reset
	} else {
		s.exhaustedUntil = time.Time{}
	}
}

func (f Faults) applies(op string) bool {
	if len(f.Operations) == 0 {
		return true
	}
	for _, o := range f.Operations {
		if o == op {
			return true
		}
	}
	return false
}

// forbids reports whether path is under a repository the faults keep the App out of.
func (f Faults) forbids(path string) bool {
	rest, ok := strings.CutPrefix(strings.TrimPrefix(path, "/api/v3"), "/repos/")
	if !ok {
		return false
	}
	parts := strings.SplitN(rest, "/", 3)
	return len(parts) >= 2 && slices.ContainsFunc(f.Forbidden, func(r string) bool { return strings.EqualFold(r, parts[0]+"/"+parts[1]) })
}

// injectFault sleeps for the configured latency and answers an injected error, if any.
func (s *Sim) injectFault(rt route, r *http.Request) (reply, bool) {
	method := r.Method
	s.mu.Lock()
	f := s.faults
	var rep reply
	injected := false
	match := f.applies(rt.op)
	switch {
	case f.forbids(r.URL.Path):
		rep, injected = apiError(http.StatusForbidden, "Resource not accessible by integration"), true
	case !match:
	case f.NotFound > 0 && method == http.MethodGet:
		s.faults.NotFound--
		rep, injected = notFound(), true
	case f.Errors > 0:
		s.faults.Errors--
		status := http.StatusBadGateway
		if f.Errors%2 == 0 {
			status = http.StatusInternalServerError
		}
		rep, injected = apiError(status, http.StatusText(status)), true
	case f.SecondaryRateLimit > 0:
		s.faults.SecondaryRateLimit--
		rep, injected = secondaryLimit(http.StatusForbidden, f.RetryAfter, !f.SecondaryNoRetryAfter), true
	case f.TooManyRequests > 0:
		s.faults.TooManyRequests--
		rep, injected = secondaryLimit(http.StatusTooManyRequests, f.RetryAfter, true), true
	case f.ErrorRate > 0 && s.rng.Float64() < f.ErrorRate:
		status := http.StatusInternalServerError
		if s.rng.Intn(2) == 1 {
			status = http.StatusBadGateway
		}
		rep, injected = apiError(status, http.StatusText(status)), true
	}
	s.mu.Unlock()
	if f.Latency > 0 && match {
		time.Sleep(f.Latency)
	}
	if injected {
		s.calls.injected()
	}
	return rep, injected
}

// secondaryLimit is GitHub's answer to a caller over a secondary rate limit:
// status 403 or 429, its documented message, and Retry-After when retryAfter is set.
func secondaryLimit(status int, wait time.Duration, retryAfter bool) reply {
	rep := apiError(status, "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID.")
	rep.body.(map[string]any)["documentation_url"] = "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits"
	if retryAfter {
		rep.header = http.Header{"Retry-After": {strconv.Itoa(int(wait.Round(time.Second) / time.Second))}}
	}
	return rep
}

// takeRefConflict consumes one injected ref conflict, if any is pending.
func (s *Sim) takeRefConflict() bool {
	if s.faults.RefConflicts > 0 {
		s.faults.RefConflicts--
		return true
	}
	return false
}

// takeRefRace consumes one injected ref race, if any is pending.
func (s *Sim) takeRefRace() bool {
	if s.faults.RefRaces > 0 {
		s.faults.RefRaces--
		return true
	}
	return false
}

// rateWindow tracks one token's primary rate limit.
type rateWindow struct {
	used  int
	reset time.Time
}

func (s *Sim) window(key string) *rateWindow {
	now := wallNow()
	w, ok := s.rate[key]
	if !ok || !now.Before(w.reset) {
		w = &rateWindow{reset: now.Add(time.Hour)}
		s.rate[key] = w
	}
	return w
}

// checkPrimaryLimit answers 403 when the caller's quota is spent.
func (s *Sim) checkPrimaryLimit(key string, who principal) (reply, bool) {
	if key == "" {
		return reply{}, false
	}
	w := s.window(key)
	exhausted := wallNow().Before(s.exhaustedUntil)
	if w.used < s.opts.RateLimit && !exhausted {
		return reply{}, false
	}
	msg := "API rate limit exceeded for user ID " + strconv.FormatInt(s.actor(who).id, 10) + "."
	if who.kind == kindInstallation {
		msg = "API rate limit exceeded for installation ID " + strconv.FormatInt(s.opts.InstallationID, 10) + "."
	}
	rep := apiError(http.StatusForbidden, msg)
	rep.body.(map[string]any)["documentation_url"] = "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-the-primary-rate-limit"
	return rep, true
}

// rateHeaders sets X-RateLimit-* on a response, consuming one unit when spend is true.
func (s *Sim) rateHeaders(key string, h http.Header, spend bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	w := s.window(key)
	if spend && w.used < s.opts.RateLimit {
		w.used++
	}
	remaining := s.opts.RateLimit - w.used
	reset := w.reset
	if wallNow().Before(s.exhaustedUntil) {
		remaining, reset = 0, s.exhaustedUntil
	}
	h.Set("X-RateLimit-Limit", strconv.Itoa(s.opts.RateLimit))
	h.Set("X-RateLimit-Remaining", strconv.Itoa(remaining))
	h.Set("X-RateLimit-Used", strconv.Itoa(w.used))
	h.Set("X-RateLimit-Reset", strconv.FormatInt(reset.Unix(), 10))
	h.Set("X-RateLimit-Resource", "core")
}

// OnRequest registers a function called before every request is handled (outside the
// simulator's lock, so it may call person-actions, e.g. to move a ref under a client).
func (s *Sim) OnRequest(fn func(op string, r *http.Request)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hook = fn
}

func (s *Sim) requestHook() func(string, *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hook
}

// SetTreeLimit caps the entries a recursive tree listing returns; beyond it the listing
// is cut and marked truncated, as GitHub does past 100,000 entries (the default).
func (s *Sim) SetTreeLimit(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.treeLimit = n
}

// wallNow is the real clock. Credentials and rate limits follow it, because clients
// (ghinstallation, go-github) judge expiry and resets by the real clock; Options.Now
// only drives the timestamps the simulator writes (commits, PRs, statuses).
func wallNow() time.Time { return time.Now() }
