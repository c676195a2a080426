package sandbox

import (
	"os"
	"strings"
	"testing"
)

func TestNextVersion(t *testing.T) {
	tests := []struct {
		current string
		carry   bool
		want    string
	}{
		{"v1.3.2", false, "v1.4.0"},
		{"1.3.2", false, "v1.4.0"},
		{"v1.2.4-dev", true, "v1.2.5"},
		{"v1.2.3", true, "v1.2.4"},
		{"latest", false, "v1.1.0"},
		{"", true, "v1.0.1"},
	}
	for _, tt := range tests {
		t.Run(tt.current, func(t *testing.T) {
			if got := nextVersion(tt.current, tt.carry); got != tt.want {
				t.Errorf("nextVersion(%q, %v) = %s, want %s", tt.current, tt.carry, got, tt.want)
			}
		})
	}
}

// TestNewScript derives the story from each example repository's policy:
// the app, the release, and for each environment what is pushed before it
// and the tag it ends on.
func TestNewScript(t *testing.T) {
	tests := []struct {
		dir, app string
		want     string // app image version; env push→tag …
		err      string
	}{
		{dir: "demo-repo", want: "order-service registry.demo.local/acme/order-service v1.4.0; dev v1.4.0→v1.4.0 staging →v1.4.0 prod →v1.4.0"},
		{dir: "demo-repo", app: "web-frontend", want: "web-frontend registry.demo.local/acme/web-frontend v0.10.0; dev v0.10.0→v0.10.0 staging →v0.10.0 prod →v0.10.0"},
		{dir: "textbook-repo", want: "order-service registry.company.com/order-service v1.2.5; dev v1.2.5-dev→v1.2.5-dev staging v1.2.5-rc1→v1.2.5-rc1 prod v1.2.5→v1.2.5"},
		{dir: "demo-repo", app: "nope", err: `the policy has no app "nope"`},
	}
	for _, tt := range tests {
		t.Run(tt.dir+"/"+tt.app, func(t *testing.T) {
			seed := os.DirFS("../../testdata/" + tt.dir)
			pol, err := seedPolicy(seed)
			if err != nil {
				t.Fatal(err)
			}
			sc, err := NewScript(pol, seed, tt.app)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := sc.App + " " + sc.Image + " " + sc.Version + ";"
			for _, st := range sc.Steps {
				got += " " + st.Env.Name + " " + st.Push + "→" + st.Tag
			}
			if got != tt.want {
				t.Errorf("script\n got %s\nwant %s", got, tt.want)
			}
			if want := strings.SplitN(sc.Image, "/", 2)[1]; sc.Repository != want {
				t.Errorf("repository %q, want %q", sc.Repository, want)
			}
		})
	}
}
