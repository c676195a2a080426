// Package forge is the narrow set of GitHub operations Stagehand performs,
// on go-github: snapshots of a repository as an fs.FS, atomic multi-file
// commits with compare-and-swap on the ref, proposals (a deterministic
// branch plus its pull request, kept up to date), check runs, comments,
// merges, the facts promotion gates read, and webhook redelivery. Its HTTP
// stack (NewTransport) revalidates cached responses with ETags, honours
// GitHub's rate limits and retries what GitHub asks to be retried.
//
// A new promotion of one app into one environment costs six calls, four of
// them writes: read the base branch, read the overlay at that commit, create
// the branch, commit the file on it (contents API), open the pull request,
// label it. Repeating it costs two reads and no writes.
package forge

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/google/go-github/v62/github"
)

// Repo names a repository.
type Repo struct {
	Owner string
	Name  string
}

// String returns "owner/name".
func (r Repo) String() string { return r.Owner + "/" + r.Name }

// Options configures a Forge.
type Options struct {
	// Objects caches immutable git data (blobs, trees, commits) by SHA, and
	// which proposal branches have open pull requests; share one between
	// every Forge of the process. Nil means a private 64 MiB cache.
	Objects *ObjectCache
	// Sleep waits while polling (mergeability, merge retries); nil means SleepContext.
	Sleep Sleeper
	// Attempts bounds compare-and-swap and merge retries; zero means 5.
	Attempts int
	// Archives downloads repository archives from the links GitHub hands
	// out (they carry their own token, so it sends no credentials); nil
	// means http.DefaultClient.
	Archives *http.Client
}

// Forge performs Stagehand's GitHub operations through one go-github client.
type Forge struct {
	gh       *github.Client
	objects  *ObjectCache
	sleep    Sleeper
	attempts int
	archives *http.Client
}

// New returns a Forge that talks to GitHub through gh.
func New(gh *github.Client, opts Options) *Forge {
	f := &Forge{gh: gh, objects: opts.Objects, sleep: opts.Sleep, attempts: opts.Attempts, archives: opts.Archives}
	if f.archives == nil {
		f.archives = http.DefaultClient
	}
	if f.objects == nil {
		f.objects = NewObjectCache(64 << 20)
	}
	if f.sleep == nil {
		f.sleep = SleepContext
	}
	if f.attempts == 0 {
		f.attempts = 5
	}
	return f
}

// Client returns the go-github client the Forge uses.
func (f *Forge) Client() *github.Client { return f.gh }

// status returns the HTTP status of a go-github error, or 0.
func status(err error) int {
	var ge *github.ErrorResponse
	if errors.As(err, &ge) && ge.Response != nil {
		return ge.Response.StatusCode
	}
	return 0
}

// ServerError reports whether err is a 5xx answer from GitHub that the
// client stack gave up retrying: the request may succeed when the work is
// done again.
func ServerError(err error) bool { return status(err) >= 500 }

// RateLimited reports whether err is GitHub refusing a request for a rate
// limit, primary or secondary (403 or 429), after the client stack's own
// bounded waits: the request may succeed when the work is done again later.
func RateLimited(err error) bool {
	var primary *github.RateLimitError
	var secondary *github.AbuseRateLimitError
	return errors.As(err, &primary) || errors.As(err, &secondary) || status(err) == http.StatusTooManyRequests
}

// isNotFound reports whether err is GitHub's 404.
func isNotFound(err error) bool { return status(err) == http.StatusNotFound }

// message returns the message of a go-github error response.
func message(err error) string {
	var ge *github.ErrorResponse
	if errors.As(err, &ge) {
		return ge.Message
	}
	return ""
}

// pause waits d with the Forge's Sleeper.
func (f *Forge) pause(ctx context.Context, d time.Duration) error {
	if err := f.sleep(ctx, d); err != nil {
		return fmt.Errorf("wait %s: %w", d, err)
	}
	return nil
}

// asErrorResponse is errors.As for go-github's error response.
func asErrorResponse(err error, target **github.ErrorResponse) bool { return errors.As(err, target) }
