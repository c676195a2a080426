package event

import (
	"encoding/json"
	"testing"
)

func TestRoute(t *testing.T) {
	tests := []struct {
		name, event, body, want string
	}{
		{"repository", Push, `{"ref":"x","repository":{"id":1,"full_name":"acme/config"},"installation":{"id":7}}`, "acme/config"},
		{"escaped name", PullRequest, `{"repository":{"full_name":"acme\/con\u0066ig"}}`, "acme/config"},
		{"nested full_name elsewhere first", PullRequest, `{"pull_request":{"head":{"repo":{"full_name":"fork/config"}}},"repository":{"full_name":"acme/config"}}`, "acme/config"},
		{"no repository", Status, `{"installation":{"id":7}}`, "installation/7"},
		{"null repository", CheckRun, `{"repository":null,"installation":{"id":7}}`, "installation/7"},
		{"empty full name", CheckRun, `{"repository":{"full_name":""},"installation":{"id":7}}`, "installation/7"},
		{"installation event with a repository", Installation, `{"repository":{"full_name":"acme/config"},"installation":{"id":7}}`, "installation/7"},
		{"installation_repositories", InstallationRepositories, `{"installation":{"id":9},"repositories_added":[{"full_name":"acme/config"}]}`, "installation/9"},
		{"nothing", Push, `{}`, "installation/0"},
		{"not JSON", Push, `payload=%7B%7D`, "installation/0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Route(tt.event, []byte(tt.body)); got != tt.want {
				t.Errorf("Route = %q, want %q", got, tt.want)
			}
		})
	}
}

// FuzzRoute: for every body Decode accepts, Route of the body as GitHub
// writes it (the decoded payload encoded again: its own key names, each
// once) is Decode's key. Bodies that spell keys otherwise (duplicates, other
// letter case, which encoding/json folds) may route elsewhere; the server
// refuses those in the worker rather than run them under the wrong key.
func FuzzRoute(f *testing.F) {
	addExamples(f)
	f.Add(Installation, []byte(`{"repository":{"full_name":"a/b"},"installation":{"id":1}}`))
	f.Fuzz(func(t *testing.T, name string, body []byte) {
		got := Route(name, body) // any body: it must not panic
		d, err := Decode("d", name, body)
		if err != nil {
			return
		}
		canonical, err := json.Marshal(d.Payload)
		if err != nil {
			t.Fatalf("encode decoded payload: %v", err)
		}
		if r := Route(name, canonical); r != d.Key() {
			t.Fatalf("Route of the re-encoded body = %q, Decode's key %q (raw body routes to %q)", r, d.Key(), got)
		}
	})
}
