package board

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/google/go-github/v62/github"
)

// accessTTL is how long GitHub's answer to "may this person read this
// repository" is trusted: a revoked permission shows within a minute.
const accessTTL = time.Minute

// access asks GitHub, with the user's own token, who the user is and
// which repositories they can read, and remembers the answers briefly.
type access struct {
	api  *url.URL
	hc   *http.Client
	now  func() time.Time
	mu   sync.Mutex
	seen map[accessKey]accessAnswer
}

type accessKey struct {
	token [32]byte // a hash: the cache holds no tokens
	repo  string
}

type accessAnswer struct {
	read bool
	at   time.Time
}

func newAccess(apiURL string, hc *http.Client, now func() time.Time) (*access, error) {
	u, err := url.Parse(apiURL)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return nil, fmt.Errorf("GitHub API URL %q is not an absolute URL", apiURL)
	}
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
	}
	return &access{api: u, hc: hc, now: now, seen: map[accessKey]accessAnswer{}}, nil
}

func (a *access) client(token string) *github.Client {
	c := github.NewClient(a.hc).WithAuthToken(token)
	c.BaseURL = a.api
	return c
}

// user is the login of the token's user.
func (a *access) user(ctx context.Context, token string) (string, error) {
	u, _, err := a.client(token).Users.Get(ctx, "")
	if err != nil {
		return "", fmt.Errorf("who signed in: %w", err)
	}
	return u.GetLogin(), nil
}

// canRead reports whether the token's user may read repo (owner/name):
// GitHub answers GET /repos/{owner}/{repo} only to those who can, and 404
// to the others. Other errors are returned, not taken as a no, and not
// remembered.
func (a *access) canRead(ctx context.Context, token, repo string) (bool, error) {
	key := accessKey{token: sha256.Sum256([]byte(token)), repo: strings.ToLower(repo)}
	now := a.now()
	a.mu.Lock()
	ans, ok := a.seen[key]
	a.mu.Unlock()
	if ok && now.Sub(ans.at) < accessTTL {
		return ans.read, nil
	}
	owner, name, _ := strings.Cut(repo, "/")
	_, _, err := a.client(token).Repositories.Get(ctx, owner, name)
	var ge *github.ErrorResponse
	switch {
	case errors.As(err, &ge) && (ge.Response.StatusCode == http.StatusNotFound || ge.Response.StatusCode == http.StatusForbidden):
		ans = accessAnswer{read: false, at: now}
	case err != nil:
		return false, fmt.Errorf("can you read %s: %w", repo, err)
	default:
		ans = accessAnswer{read: true, at: now}
	}
	a.mu.Lock()
	a.prune(now)
	a.seen[key] = ans
	a.mu.Unlock()
	return ans.read, nil
}

// prune drops expired answers once the cache grows, so it stays bounded
// by the people active in the last minute.
func (a *access) prune(now time.Time) {
	if len(a.seen) < 10_000 {
		return
	}
	for k, v := range a.seen {
		if now.Sub(v.at) >= accessTTL {
			delete(a.seen, k)
		}
	}
}
