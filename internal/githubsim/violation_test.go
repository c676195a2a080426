package githubsim

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-github/v62/github"
)

// recordingT is a testing.TB whose Errorf is recorded instead of failing the
// test, so a test can watch the simulator fail another test.
type recordingT struct {
	testing.TB
	mu     sync.Mutex
	errors []string
}

func (r *recordingT) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}

func (r *recordingT) failures() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.errors...)
}

// TestContractViolationFailsTheTest checks the wiring every simulator test
// relies on: with Options.T set, a request GitHub's description rejects fails
// that test, unless the test said it sends one on purpose.
func TestContractViolationFailsTheTest(t *testing.T) {
	tests := []struct {
		name        string
		annotations int    // a check run update with this many annotations (GitHub allows 50)
		expect      string // ExpectViolation argument; "" for none
		wantStatus  int
		wantFailed  bool
	}{
		{name: "valid request", annotations: 50, wantStatus: http.StatusOK},
		{name: "invalid request fails the test", annotations: 51, wantStatus: http.StatusUnprocessableEntity, wantFailed: true},
		{name: "expected violation does not", annotations: 51, expect: "maximum number of items is 50", wantStatus: http.StatusUnprocessableEntity},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &recordingT{TB: t}
			var reported []string // through OnViolation, as the standalone server logs them
			var mu sync.Mutex
			f := newFixture(t, Options{T: rec, OnViolation: func(msg string) {
				mu.Lock()
				defer mu.Unlock()
				reported = append(reported, msg)
			}})
			c := f.client(t, "")
			run, _, err := c.Checks.CreateCheckRun(f.ctx, "acme", "config", github.CreateCheckRunOptions{Name: "stagehand/dev", HeadSHA: f.base})
			if err != nil {
				t.Fatal(err)
			}
			if tt.expect != "" {
				f.sim.ExpectViolation(tt.expect)
			}
			_, resp, err := c.Checks.UpdateCheckRun(f.ctx, "acme", "config", run.GetID(), github.UpdateCheckRunOptions{Name: "stagehand/dev",
				Output: &github.CheckRunOutput{Title: github.String("t"), Summary: github.String("s"), Annotations: annotations(tt.annotations)}})
			wantStatus(t, resp, err, tt.wantStatus)
			failed := rec.failures()
			if tt.wantFailed != (len(failed) > 0) {
				t.Fatalf("test failures = %q, want failed = %v", failed, tt.wantFailed)
			}
			for _, msg := range failed {
				if !strings.Contains(msg, "githubsim contract violation") || !strings.Contains(msg, "maximum number of items is 50") {
					t.Errorf("failure %q does not name the violation", msg)
				}
			}
			if v := f.sim.Violations(); (len(v) > 0) != (tt.annotations > 50) {
				t.Errorf("violations kept = %q", v)
			}
			mu.Lock()
			defer mu.Unlock()
			if len(reported) != len(failed) {
				t.Errorf("OnViolation got %q, want the %d unexpected violations", reported, len(failed))
			}
		})
	}
}
