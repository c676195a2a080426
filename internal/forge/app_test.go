package forge

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stagehand-gitops/stagehand/internal/githubsim"
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

// countingTransport stands for the HTTP stack passed in as base.
type countingTransport struct{ n atomic.Int32 }

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return http.DefaultTransport.RoundTrip(r)
}

// TestAppAuthenticatesThroughBase runs the App against a GitHub Enterprise
// Server (the simulator, answering only under /api/v3), configured with the
// URL an administrator might write, without /api/v3. The App JWT call, the
// token exchange and the installation's reads all reach /api/v3 through
// base, and the installation client and its token are reused.
func TestAppAuthenticatesThroughBase(t *testing.T) {
	const appID, installation = 42, 7
	srv := httptest.NewUnstartedServer(nil)
	root := "http://" + srv.Listener.Addr().String()
	sim, err := githubsim.NewHandler(githubsim.Options{T: t, AppKey: simKey(t), AppID: appID, InstallationID: installation, BaseURL: root})
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	var outside atomic.Int32
	srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, "/api/v3/") {
			outside.Add(1)
			http.Error(w, `{"message":"Not Found"}`, http.StatusNotFound)
			return
		}
		sim.Handler().ServeHTTP(w, r)
	})
	srv.Start()
	defer srv.Close()
	if err := sim.CreateRepo(githubsim.RepoOptions{Owner: "acme", Name: "config"}); err != nil {
		t.Fatal(err)
	}
	base := &countingTransport{}
	app, err := NewApp(appID, simKey(t), root, base)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()

	me, _, err := app.Client().Apps.Get(ctx, "")
	if err != nil {
		t.Fatalf("GET /app as the App: %v", err)
	}
	if me.GetID() != appID || me.GetSlug() != "stagehand" {
		t.Errorf("app %d %q, want %d stagehand", me.GetID(), me.GetSlug(), appID)
	}
	for range 3 {
		repo, _, err := app.Installation(installation).Repositories.Get(ctx, "acme", "config")
		if err != nil {
			t.Fatalf("GET repo as the installation: %v", err)
		}
		if repo.GetFullName() != "acme/config" {
			t.Errorf("repository %q", repo.GetFullName())
		}
	}
	if app.Installation(installation) != app.Installation(installation) {
		t.Error("installation clients are not cached")
	}
	if _, _, err := app.Installation(installation+1).Repositories.Get(ctx, "acme", "config"); err == nil {
		t.Error("an installation the App does not have got a token")
	}
	calls := sim.Calls()
	want := map[string]int{"apps/get-authenticated": 1, "apps/create-installation-access-token": 2, "repos/get": 3}
	for op, n := range want {
		if calls.ByOperation[op] != n {
			t.Errorf("%s called %d times, want %d (calls %v)", op, calls.ByOperation[op], n, calls.Log)
		}
	}
	if n := int(base.n.Load()); n != calls.Total() || outside.Load() != 0 {
		t.Errorf("%d requests through base, %d outside /api/v3; want all %d under /api/v3", n, outside.Load(), calls.Total())
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
