package registry

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func sign(secret, body string) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(body))
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

func TestCredentialsVerify(t *testing.T) {
	creds, err := NewCredentials(
		[]string{"dockerhub=hub-token-1", "harbor=harbor-token,distribution=dist-token", "dockerhub=hub-token-2"},
		[]string{"generic=hmac-secret"},
	)
	if err != nil {
		t.Fatal(err)
	}
	const body = `{"image":"r.example/a","tag":"v1"}`
	tests := []struct {
		name, source, target string
		header               map[string]string
		basic                [2]string
		want                 error
	}{
		{name: "bearer", source: "harbor", target: "/webhooks/registry/harbor", header: map[string]string{"Authorization": "Bearer harbor-token"}},
		{name: "bearer scheme is case-insensitive", source: "harbor", target: "/webhooks/registry/harbor", header: map[string]string{"Authorization": "bearer harbor-token"}},
		{name: "bare Authorization value (Harbor auth header)", source: "harbor", target: "/webhooks/registry/harbor", header: map[string]string{"Authorization": "harbor-token"}},
		{name: "query token", source: "dockerhub", target: "/webhooks/registry/dockerhub?token=hub-token-1"},
		{name: "second token of a source (rotation)", source: "dockerhub", target: "/webhooks/registry/dockerhub?token=hub-token-2"},
		{name: "secret path segment", source: "dockerhub", target: "/webhooks/registry/dockerhub/hub-token-1"},
		{name: "basic auth password from URL credentials", source: "distribution", target: "/webhooks/registry/distribution", basic: [2]string{"registry", "dist-token"}},
		{name: "hmac signature", source: "generic", target: "/webhooks/registry/generic", header: map[string]string{SignatureHeader: sign("hmac-secret", body)}},
		{name: "wrong token", source: "harbor", target: "/webhooks/registry/harbor", header: map[string]string{"Authorization": "Bearer nope"}, want: ErrUnauthenticated},
		{name: "another source's token", source: "harbor", target: "/webhooks/registry/harbor?token=hub-token-1", want: ErrUnauthenticated},
		{name: "no token", source: "dockerhub", target: "/webhooks/registry/dockerhub", want: ErrUnauthenticated},
		{name: "source name is not a token", source: "dockerhub", target: "/webhooks/registry/dockerhub", header: map[string]string{"Authorization": "Bearer dockerhub"}, want: ErrUnauthenticated},
		{name: "token in the wrong path position", source: "dockerhub", target: "/webhooks/hub-token-1/dockerhub", want: ErrUnauthenticated},
		{name: "bad signature", source: "generic", target: "/webhooks/registry/generic", header: map[string]string{SignatureHeader: sign("other", body)}, want: ErrUnauthenticated},
		{name: "malformed signature", source: "generic", target: "/webhooks/registry/generic", header: map[string]string{SignatureHeader: "sha1=zz"}, want: ErrUnauthenticated},
		{name: "source without secrets refuses everything", source: "quay", target: "/webhooks/registry/quay?token=hub-token-1", want: ErrUnauthenticated},
		{name: "unknown source", source: "nexus", target: "/webhooks/registry/nexus?token=hub-token-1", want: ErrUnknownSource},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodPost, tt.target, strings.NewReader(body))
			for k, v := range tt.header {
				r.Header.Set(k, v)
			}
			if tt.basic[0] != "" {
				r.SetBasicAuth(tt.basic[0], tt.basic[1])
			}
			err := creds.Verify(tt.source, r, []byte(body))
			if tt.want == nil && err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if tt.want != nil && !errors.Is(err, tt.want) {
				t.Fatalf("Verify = %v, want %v", err, tt.want)
			}
		})
	}
	if got := strings.Join(creds.Configured(), ","); got != "distribution,dockerhub,generic,harbor" {
		t.Errorf("Configured() = %s", got)
	}
	var none *Credentials
	r := httptest.NewRequest(http.MethodPost, "/webhooks/registry/harbor?token=x", nil)
	if err := none.Verify("harbor", r, nil); !errors.Is(err, ErrUnauthenticated) {
		t.Errorf("nil Credentials: Verify = %v, want ErrUnauthenticated", err)
	}
}

func TestParseSecretSpecs(t *testing.T) {
	tests := []struct {
		name    string
		specs   []string
		want    map[string]string // source -> comma-joined secrets
		wantErr string
	}{
		{name: "flag values and env list", specs: []string{"dockerhub=a", "quay=b,harbor=c", " gar = d "}, want: map[string]string{"dockerhub": "a", "quay": "b", "harbor": "c", "gar": "d"}},
		{name: "several tokens for one source, duplicates once", specs: []string{"acr=t1,acr=t2,acr=t1"}, want: map[string]string{"acr": "t1,t2"}},
		{name: "empty items are skipped", specs: []string{"", " , ", "generic=x,"}, want: map[string]string{"generic": "x"}},
		{name: "token may hold '='", specs: []string{"generic=abc=="}, want: map[string]string{"generic": "abc=="}},
		{name: "no equals sign", specs: []string{"dockerhub"}, wantErr: "token #1: expected SOURCE=SECRET"},
		{name: "empty source", specs: []string{"=secret"}, wantErr: "token #1: the source name before '=' is empty"},
		{name: "empty secret", specs: []string{"quay=a", "harbor="}, wantErr: "token #2 for harbor: the secret after '=' is empty"},
		{name: "whitespace in secret", specs: []string{"harbor=a b"}, wantErr: "contains whitespace"},
		{name: "unknown source lists the known ones", specs: []string{"nexus=abc"}, wantErr: `unknown source "nexus" (known: acr, cloudevents, distribution, dockerhub, gar, generic, harbor, quay)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseSecretSpecs("token", tt.specs)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want it to contain %q", err, tt.wantErr)
				}
				if strings.Contains(err.Error(), "secret\"") || strings.Contains(err.Error(), "a b") {
					t.Errorf("error echoes the secret: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			flat := map[string]string{}
			for k, v := range got {
				flat[k] = strings.Join(v, ",")
			}
			if len(flat) != len(tt.want) {
				t.Fatalf("got %v, want %v", flat, tt.want)
			}
			for k, v := range tt.want {
				if flat[k] != v {
					t.Errorf("%s: got %q, want %q", k, flat[k], v)
				}
			}
		})
	}
}

func TestSourcesTable(t *testing.T) {
	names := SourceNames()
	want := []string{"acr", "cloudevents", "distribution", "dockerhub", "gar", "generic", "harbor", "quay"}
	if strings.Join(names, ",") != strings.Join(want, ",") {
		t.Fatalf("SourceNames() = %v", names)
	}
	for _, s := range Sources() {
		got, ok := LookupSource(s.Name)
		if !ok || got.Name != s.Name || got.Parse == nil || got.Auth == "" || got.Carrier == "" || got.Title == "" {
			t.Errorf("LookupSource(%q) = %+v, %v", s.Name, got, ok)
		}
	}
	if _, ok := LookupSource("github"); ok {
		t.Error("github events come through /webhooks/github, not the registry endpoint")
	}
}
