package githubsim

import (
	"crypto/rsa"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v4"
	"github.com/google/go-github/v62/github"
)

// TestAccessTokenChecksTheAppJWT exchanges App JWTs for installation tokens at
// POST /app/installations/{id}/access_tokens: only a JWT signed RS256 with the
// App's key, issued by the App, not issued in the future and expiring within
// ten minutes gets a token, as on GitHub.
func TestAccessTokenChecksTheAppJWT(t *testing.T) {
	f := newFixture(t, Options{})
	appID := strconv.FormatInt(f.sim.AppID(), 10)
	now := time.Now()
	at := func(d time.Duration) *jwt.NumericDate { return jwt.NewNumericDate(now.Add(d)) }
	valid := func() jwt.RegisteredClaims {
		return jwt.RegisteredClaims{IssuedAt: at(-30 * time.Second), ExpiresAt: at(9 * time.Minute), Issuer: appID}
	}
	rs256 := func(key *rsa.PrivateKey, c jwt.Claims) string {
		s, err := jwt.NewWithClaims(jwt.SigningMethodRS256, c).SignedString(key)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	with := func(edit func(*jwt.RegisteredClaims)) jwt.RegisteredClaims {
		c := valid()
		edit(&c)
		return c
	}
	hs256, err := jwt.NewWithClaims(jwt.SigningMethodHS256, valid()).SignedString([]byte("the public key is no secret"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name         string
		token        string
		installation int64 // 0: the App's installation
		want         int
	}{
		{"valid", rs256(f.sim.AppKey(), valid()), 0, http.StatusCreated},
		{"signed by another key", rs256(otherKey(t), valid()), 0, http.StatusUnauthorized},
		{"HS256 instead of RS256", hs256, 0, http.StatusUnauthorized},
		{"expired", rs256(f.sim.AppKey(), with(func(c *jwt.RegisteredClaims) {
			c.IssuedAt, c.ExpiresAt = at(-20*time.Minute), at(-10*time.Minute)
		})), 0, http.StatusUnauthorized},
		{"issued in the future", rs256(f.sim.AppKey(), with(func(c *jwt.RegisteredClaims) {
			c.IssuedAt, c.ExpiresAt = at(5*time.Minute), at(10*time.Minute)
		})), 0, http.StatusUnauthorized},
		{"expires more than ten minutes after issue", rs256(f.sim.AppKey(), with(func(c *jwt.RegisteredClaims) {
			c.ExpiresAt = at(20 * time.Minute)
		})), 0, http.StatusUnauthorized},
		{"no iat", rs256(f.sim.AppKey(), with(func(c *jwt.RegisteredClaims) { c.IssuedAt = nil })), 0, http.StatusUnauthorized},
		{"issued by another App", rs256(f.sim.AppKey(), with(func(c *jwt.RegisteredClaims) { c.Issuer = "999" })), 0, http.StatusUnauthorized},
		{"unknown installation", rs256(f.sim.AppKey(), valid()), 424242, http.StatusNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := github.NewClient(nil).WithAuthToken(tt.token).WithEnterpriseURLs(f.sim.URL(), f.sim.URL())
			if err != nil {
				t.Fatal(err)
			}
			id := tt.installation
			if id == 0 {
				id = f.sim.InstallationID()
			}
			tok, resp, err := c.Apps.CreateInstallationToken(f.ctx, id, nil)
			wantStatus(t, resp, err, tt.want)
			if tt.want != http.StatusCreated {
				return
			}
			// The token it gets works for the installation's repositories.
			repos, _, err := f.clientWithToken(t, tok.GetToken()).Apps.ListRepos(f.ctx, nil)
			if err != nil || repos.GetTotalCount() != 1 {
				t.Fatalf("installation repositories with the new token = %v (%v)", repos, err)
			}
		})
	}
}

// clientWithToken returns a go-github client that sends tok.
func (f *fixture) clientWithToken(t *testing.T, tok string) *github.Client {
	t.Helper()
	c, err := github.NewClient(nil).WithAuthToken(tok).WithEnterpriseURLs(f.sim.URL(), f.sim.URL())
	if err != nil {
		t.Fatalf("client: %v", err)
	}
	return c
}
