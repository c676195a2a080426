package forge

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v4"
)

func testKey(t *testing.T) *rsa.PrivateKey {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return key
}

func TestParsePrivateKey(t *testing.T) {
	key := testKey(t)
	pkcs8, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ecPKCS8, err := x509.MarshalPKCS8PrivateKey(ec)
	if err != nil {
		t.Fatal(err)
	}
	encode := func(typ string, der []byte) []byte { return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}) }
	tests := []struct {
		name    string
		data    []byte
		wantErr string
	}{
		{name: "PKCS#1", data: encode("RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(key))},
		{name: "PKCS#8", data: encode("PRIVATE KEY", pkcs8)},
		{name: "PKCS#8 with text around it", data: append(append([]byte("comment\n"), encode("PRIVATE KEY", pkcs8)...), "\n\n"...)},
		{name: "EC key", data: encode("PRIVATE KEY", ecPKCS8), wantErr: "not an RSA key"},
		{name: "public key", data: encode("PUBLIC KEY", []byte("x")), wantErr: "not a private key"},
		{name: "corrupt PKCS#1", data: encode("RSA PRIVATE KEY", []byte("garbage")), wantErr: "PKCS#1"},
		{name: "not PEM", data: []byte("-----BEGIN nothing"), wantErr: "no PEM block"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParsePrivateKey(tt.data)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !got.Equal(key) {
				t.Error("parsed key differs from the one encoded")
			}
		})
	}
}

func TestAPIURL(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", "https://api.github.com/"},
		{"https://api.github.com/", "https://api.github.com/"},
		{"https://api.github.com", "https://api.github.com/"},
		{"https://ghe.example.com/api/v3/", "https://ghe.example.com/api/v3/"},
		{"https://ghe.example.com/api/v3", "https://ghe.example.com/api/v3/"},
		{"https://ghe.example.com", "https://ghe.example.com/api/v3/"},
		{"http://127.0.0.1:8080/", "http://127.0.0.1:8080/api/v3/"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			u, err := APIURL(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if u.String() != tt.want {
				t.Errorf("APIURL(%q) = %s, want %s", tt.in, u, tt.want)
			}
		})
	}
	for _, bad := range []string{"ghe.example.com", "ftp://ghe.example.com/", "http://%zz"} {
		if _, err := APIURL(bad); err == nil {
			t.Errorf("APIURL(%q) succeeded, want an error", bad)
		}
	}
}

// fakeGitHub answers the App endpoints of a GitHub Enterprise Server under
// /api/v3: it checks the App JWT and mints installation tokens.
type fakeGitHub struct {
	t      *testing.T
	key    *rsa.PublicKey
	mu     sync.Mutex
	minted map[string]int // installation ID → tokens minted
}

func (f *fakeGitHub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path, ok := strings.CutPrefix(r.URL.Path, "/api/v3")
	if !ok {
		http.Error(w, `{"message":"Not Found"}`, http.StatusNotFound)
		return
	}
	auth := r.Header.Get("Authorization")
	switch {
	case r.Method == http.MethodGet && path == "/app":
		f.checkJWT(w, auth)
		writeJSON(w, http.StatusOK, map[string]any{"id": 42, "slug": "stagehand"})
	case r.Method == http.MethodPost && strings.HasPrefix(path, "/app/installations/") && strings.HasSuffix(path, "/access_tokens"):
		f.checkJWT(w, auth)
		id := strings.Split(path, "/")[3]
		f.mu.Lock()
		f.minted[id]++
		f.mu.Unlock()
		writeJSON(w, http.StatusCreated, map[string]any{"token": "ghs_" + id, "expires_at": time.Now().Add(time.Hour)})
	case r.Method == http.MethodGet && strings.HasPrefix(path, "/repos/"):
		if !strings.HasPrefix(auth, "token ghs_") {
			http.Error(w, `{"message":"Bad credentials"}`, http.StatusUnauthorized)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"full_name": strings.TrimPrefix(path, "/repos/"), "description": auth})
	default:
		http.Error(w, `{"message":"Not Found"}`, http.StatusNotFound)
	}
}

func (f *fakeGitHub) checkJWT(w http.ResponseWriter, auth string) {
	raw, _ := strings.CutPrefix(auth, "Bearer ")
	claims := &jwt.RegisteredClaims{}
	_, err := jwt.ParseWithClaims(raw, claims, func(tok *jwt.Token) (any, error) {
		if tok.Method != jwt.SigningMethodRS256 {
			return nil, jwt.ErrSignatureInvalid
		}
		return f.key, nil
	})
	if err != nil || claims.Issuer != "42" {
		f.t.Errorf("App JWT rejected (issuer %q): %v", claims.Issuer, err)
	}
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

// countingTransport stands for the HTTP stack passed in as base.
type countingTransport struct{ n atomic.Int32 }

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return http.DefaultTransport.RoundTrip(r)
}

func TestAppAuthenticatesThroughBase(t *testing.T) {
	key := testKey(t)
	fake := &fakeGitHub{t: t, key: &key.PublicKey, minted: map[string]int{}}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	base := &countingTransport{}
	// A GHES URL without /api/v3, as an administrator might write it.
	app, err := NewApp(42, key, srv.URL, base)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()

	me, _, err := app.Client().Apps.Get(ctx, "")
	if err != nil {
		t.Fatalf("GET /app as the App: %v", err)
	}
	if me.GetSlug() != "stagehand" {
		t.Errorf("app slug %q", me.GetSlug())
	}
	for range 3 {
		repo, _, err := app.Installation(7).Repositories.Get(ctx, "acme", "config")
		if err != nil {
			t.Fatalf("GET repo as installation 7: %v", err)
		}
		if repo.GetDescription() != "token ghs_7" {
			t.Errorf("installation 7 sent %q, want its own token", repo.GetDescription())
		}
	}
	if _, _, err := app.Installation(8).Repositories.Get(ctx, "acme", "other"); err != nil {
		t.Fatalf("GET repo as installation 8: %v", err)
	}
	if app.Installation(7) != app.Installation(7) {
		t.Error("installation clients are not cached")
	}
	if fake.minted["7"] != 1 || fake.minted["8"] != 1 {
		t.Errorf("tokens minted %v, want one per installation", fake.minted)
	}
	// GET /app, 2 token exchanges, 4 repository reads: all through base.
	if n := base.n.Load(); n != 7 {
		t.Errorf("%d requests went through base, want 7", n)
	}
}

func TestNewAppRefuses(t *testing.T) {
	key := testKey(t)
	tests := []struct {
		name   string
		id     int64
		key    *rsa.PrivateKey
		apiURL string
	}{
		{name: "no app id", id: 0, key: key},
		{name: "no key", id: 1},
		{name: "bad URL", id: 1, key: key, apiURL: "ghe.example.com"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := NewApp(tt.id, tt.key, tt.apiURL, nil); err == nil {
				t.Error("NewApp succeeded, want an error")
			}
		})
	}
}
