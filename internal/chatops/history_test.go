package chatops

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stagehand-gitops/stagehand/internal/policy"
)

func TestTagRan(t *testing.T) {
	artifact := testPol(t)
	data, err := os.ReadFile(filepath.Join("..", "..", "policies", "textbook.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	channelled, err := policy.Parse("textbook.yaml", data)
	if err != nil {
		t.Fatal(err)
	}
	channelled.Apps = append(channelled.Apps, policy.App{Name: "order-service", Images: []policy.Image{{Name: "registry.company.com/order-service"}}})
	const img = "registry.company.com/order-service"
	tests := []struct {
		name     string
		pol      *policy.Policy
		app, env string
		tag      string
		prev     []string
		code     RefusalCode
	}{
		{"first env takes any tag", artifact, "web", "dev", "v9.9.9", nil, ""},
		{"artifact ran before", artifact, "web", "prod", "v1.2.3", []string{"v1.2.4", "v1.2.3"}, ""},
		{"artifact never ran", artifact, "web", "prod", "v1.2.5", []string{"v1.2.4", "v1.2.3"}, RefusedNotRan},
		{"channel: release of the rc staging runs", channelled, "order-service", "prod", "v1.2.4", []string{"v1.2.4-rc2", "v1.2.4-rc1"}, ""},
		{"channel: v1.2.5 while staging runs 1.2.4", channelled, "order-service", "prod", "v1.2.5", []string{"v1.2.4-rc2"}, RefusedNotRan},
		{"channel: rc of the dev build", channelled, "order-service", "staging", "v1.2.4-rc1", []string{"v1.2.4-dev"}, ""},
		{"channel: not a version", channelled, "order-service", "prod", "latest", []string{"v1.2.4-rc2"}, RefusedNotVersion},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := TagRan(tt.pol, tt.app, img, tt.env, tt.tag, tt.prev)
			switch {
			case tt.code == "" && r != nil:
				t.Fatalf("refused: %+v", r)
			case tt.code != "" && (r == nil || r.Code != tt.code || r.Reason == "" || r.Instead == ""):
				t.Fatalf("got %+v, want a %s refusal with reason and alternative", r, tt.code)
			}
		})
	}
	r := TagRan(channelled, "order-service", img, "prod", "v1.2.5", []string{"v1.2.4-rc2"})
	if want := "version 1.2.5 never ran in staging, the environment before prod"; r.Reason != want {
		t.Errorf("reason %q, want %q", r.Reason, want)
	}
}

func TestRollbackTarget(t *testing.T) {
	tests := []struct {
		name, current string
		history       []string
		want          string
		refused       bool
	}{
		{"previous", "v1.2.4", []string{"v1.2.4", "v1.2.3", "v1.2.2"}, "v1.2.3", false},
		{"repeated commits of the current tag", "v1.2.4", []string{"v1.2.4", "v1.2.4", "v1.2.1"}, "v1.2.1", false},
		{"after a rollback, the one before", "v1.2.3", []string{"v1.2.3", "v1.2.4", "v1.2.3"}, "v1.2.4", false},
		{"only one version", "v1.2.4", []string{"v1.2.4"}, "", true},
		{"no history", "v1.2.4", nil, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, r := RollbackTarget("prod", tt.current, tt.history)
			if got != tt.want || (r != nil) != tt.refused {
				t.Fatalf("got %q %+v, want %q refused=%v", got, r, tt.want, tt.refused)
			}
		})
	}
}
