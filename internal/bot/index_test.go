package bot

import (
	"context"
	"net/http"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"testing/fstest"

	"github.com/stagehand-gitops/stagehand/internal/forge"
	"github.com/stagehand-gitops/stagehand/internal/githubsim"
	"github.com/stagehand-gitops/stagehand/internal/policy"
)

func mustPolicy(t testing.TB, src string, files map[string]string) *policy.Policy {
	t.Helper()
	pol, err := policy.Parse(policy.FileName, []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	fsys := fstest.MapFS{}
	for p, c := range files {
		fsys[p] = &fstest.MapFile{Data: []byte(c)}
	}
	if err := pol.Discover(fsys); err != nil {
		t.Fatal(err)
	}
	return pol
}

func TestIndex(t *testing.T) {
	listed := mustPolicy(t, testPolicy, nil)
	discovered := mustPolicy(t, "version: 1\nenvironments:\n  - name: dev\n", map[string]string{
		"apps/web/overlays/dev/kustomization.yaml": "images:\n- name: web\n  newName: ghcr.io/acme/web\n  newTag: v1\n",
		"apps/db/overlays/dev/kustomization.yaml":  "images:\n- name: postgres\n  newTag: \"16\"\n",
	})
	x := NewIndex()
	x.set("acme/config", &repoState{repo: forge.Repo{Owner: "acme", Name: "config"}, installation: 1, pol: listed})
	x.set("acme/other", &repoState{repo: forge.Repo{Owner: "acme", Name: "other"}, installation: 2, pol: discovered})
	tests := []struct {
		image string
		want  []Target
	}{
		{"ghcr.io/acme/web", []Target{{Repo: "acme/config", InstallationID: 1}, {Repo: "acme/other", InstallationID: 2}}},
		{"ghcr.io/Acme/web:v2", []Target{{Repo: "acme/config", InstallationID: 1}, {Repo: "acme/other", InstallationID: 2}}},
		{"docker.io/library/postgres", []Target{{Repo: "acme/other", InstallationID: 2}}},
		{"postgres", []Target{{Repo: "acme/other", InstallationID: 2}}},
		{"ghcr.io/acme/nobody", nil},
	}
	for _, tt := range tests {
		t.Run(tt.image, func(t *testing.T) {
			if got := x.Targets(tt.image); !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("Targets = %+v, want %+v", got, tt.want)
			}
		})
	}
	x.removeInstallation(2)
	if got := x.Targets("postgres"); got != nil {
		t.Fatalf("after removing the installation: %+v", got)
	}
	if repos, images := x.counts(); repos != 1 || images != 1 {
		t.Fatalf("counts %d, %d", repos, images)
	}
}

// withApp is testPolicy with one more app, and that app's dev overlay.
func withApp(name string) map[string]string {
	return map[string]string{
		".stagehand.yaml": testPolicy + "  " + name + ":\n    image: ghcr.io/acme/" + name + "\n",
		"apps/" + name + "/overlays/dev/kustomization.yaml": "images:\n- name: ghcr.io/acme/" + name + "\n  newTag: v0.1.0\n",
	}
}

// TestIndexOlderReadLoses: an installation event reads the policy at the
// head it found (adding app old), and before it writes the index a push
// of a newer policy (adding app api) is handled in full. The older read,
// finishing last, must not put the older policy back.
func TestIndexOlderReadLoses(t *testing.T) {
	w := newWorld(t, worldOptions{})
	// The bot does not hear of the first commit: only the slow read finds it.
	w.sim.SetFaults(githubsim.Faults{WebhookDrop: 100})
	older, err := w.sim.Push("alice", configRepo, "main", "Add old\n", withApp("old"))
	if err != nil {
		t.Fatal(err)
	}
	w.sim.Flush()
	w.sim.SetFaults(githubsim.Faults{})

	reached, release := make(chan struct{}), make(chan struct{})
	var first atomic.Bool
	w.sim.OnRequest(func(op string, r *http.Request) {
		// The slow read has its head and asks for the tree of that commit.
		if op == "git/get-commit" || op == "git/get-tree" || op == "repos/get-content" {
			if strings.Contains(r.URL.Path, "/repos/"+configRepo+"/") {
				if first.CompareAndSwap(false, true) {
					close(reached)
					<-release
				}
			}
		}
	})
	done := make(chan error, 1)
	go func() {
		_, err := w.bot.refreshInstallation(context.Background(), w.sim.InstallationID())
		done <- err
	}()
	<-reached
	newer, err := w.sim.Push("alice", configRepo, "main", "Add api\n", withApp("api"))
	if err != nil {
		t.Fatal(err)
	}
	w.settle()
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	w.sim.OnRequest(nil)
	st := w.bot.index.get(configRepo)
	if st == nil || st.commit != newer {
		t.Fatalf("index at %v, want the newer commit %s (the older read was of %s)", st, newer, older)
	}
	if got := w.bot.Index().Targets("ghcr.io/acme/api"); len(got) != 1 {
		t.Errorf("the newer policy's image is not routed: %+v", got)
	}
}

// TestIndexTickets: a read that began before another one's write, or
// before a removal, writes nothing; once no such read is in flight the
// removal is forgotten.
func TestIndexTickets(t *testing.T) {
	pol := mustPolicy(t, testPolicy, nil)
	st := func(commit string) *repoState {
		return &repoState{repo: forge.Repo{Owner: "acme", Name: "config"}, installation: 1, commit: commit, pol: pol}
	}
	x := NewIndex()
	older, newer := x.begin(), x.begin()
	if !x.put(configRepo, st("new"), newer) || x.put(configRepo, st("old"), older) {
		t.Fatal("the older read overwrote the newer one")
	}
	x.end(newer)
	x.set(configRepo, nil) // removed from the installation while older is in flight
	if x.put(configRepo, st("old"), older) || x.get(configRepo) != nil {
		t.Fatal("a read older than the removal put the repository back")
	}
	x.end(older)
	if len(x.gone) != 0 {
		t.Fatalf("removals kept with no read in flight: %v", x.gone)
	}
	later := x.begin()
	defer x.end(later)
	if !x.put(configRepo, st("again"), later) {
		t.Fatal("a read begun after the removal was refused")
	}
}
