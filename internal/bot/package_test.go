package bot

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/stagehand-gitops/stagehand/internal/event"
	"github.com/stagehand-gitops/stagehand/internal/registry"
)

// TestGitHubPackageMapping: the decoded package and registry_package
// events map onto the same image events as the registry package's own
// parser reads from the raw payload.
func TestGitHubPackageMapping(t *testing.T) {
	tests := []struct{ file, event string }{
		{"registry-package-published.json", event.RegistryPackage},
		{"registry-package-untagged.json", event.RegistryPackage},
		{"package-published-untagged.json", event.Package},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			body, err := os.ReadFile(filepath.Join("..", "registry", "testdata", "github", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			want, err := registry.ParseGitHubPackage(body)
			if err != nil {
				t.Fatal(err)
			}
			d, err := event.Decode("id", tt.event, body)
			if err != nil {
				t.Fatal(err)
			}
			var got []registry.ImagePushed
			switch p := d.Payload.(type) {
			case *event.RegistryPackageEvent:
				got, err = registry.FromGitHubPackage(githubPackage(p.GetAction(), p.RegistryPackage))
			case *event.PackageEvent:
				got, err = registry.FromGitHubPackage(githubPackage(p.GetAction(), p.Package))
			}
			if err != nil || !reflect.DeepEqual(got, want) {
				t.Fatalf("mapped %+v (%v), parser %+v", got, err, want)
			}
		})
	}
}
