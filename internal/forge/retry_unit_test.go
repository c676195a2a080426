package forge

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"slices"
	"testing"
	"time"
)

// roundTripFunc answers requests with canned responses, for the cases the
// simulator does not produce.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestSecondaryLimitWithoutRetryAfter(t *testing.T) {
	tests := []struct {
		name   string
		body   string
		sleeps []time.Duration
		tries  int
	}{
		{"secondary limit with no header waits a minute", `{"message":"You have exceeded a secondary rate limit."}`, []time.Duration{time.Minute}, 2},
		{"any other 403 is final", `{"message":"Resource not accessible by integration"}`, nil, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tries := 0
			next := roundTripFunc(func(r *http.Request) (*http.Response, error) {
				tries++
				code, body := http.StatusForbidden, tt.body
				if tries > 1 {
					code, body = http.StatusOK, "{}"
				}
				return &http.Response{StatusCode: code, Header: http.Header{}, Body: io.NopCloser(bytes.NewBufferString(body)), Request: r}, nil
			})
			clk := &clock{now: time.Unix(0, 0)}
			rt := newRetryTransport(secondaryDetector(next), clk.Sleep, clk.Now, 2*time.Minute, 4)
			req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, "http://github.invalid/repos/a/b", nil)
			resp, err := rt.RoundTrip(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if tries != tt.tries || !slices.Equal(clk.Sleeps(), tt.sleeps) {
				t.Fatalf("%d tries, slept %v; want %d, %v", tries, clk.Sleeps(), tt.tries, tt.sleeps)
			}
		})
	}
}
