package githubsim

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-github/v62/github"
)

// commitFiles makes one commit through the Git Data API on top of parent and returns it.
func commitFiles(t *testing.T, f *fixture, c *github.Client, parent string, files map[string]string) string {
	t.Helper()
	sha, err := tryCommitFiles(f, c, parent, files)
	if err != nil {
		t.Fatal(err)
	}
	return sha
}

// tryCommitFiles is commitFiles for goroutines, which must not call t.Fatal.
func tryCommitFiles(f *fixture, c *github.Client, parent string, files map[string]string) (string, error) {
	pc, _, err := c.Git.GetCommit(f.ctx, "acme", "config", parent)
	if err != nil {
		return "", fmt.Errorf("get commit: %w", err)
	}
	var entries []*github.TreeEntry
	for p, content := range files {
		entries = append(entries, &github.TreeEntry{Path: github.String(p), Mode: github.String("100644"), Type: github.String("blob"), Content: github.String(content)})
	}
	tree, _, err := c.Git.CreateTree(f.ctx, "acme", "config", pc.GetTree().GetSHA(), entries)
	if err != nil {
		return "", fmt.Errorf("create tree: %w", err)
	}
	cm, _, err := c.Git.CreateCommit(f.ctx, "acme", "config", &github.Commit{
		Message: github.String("edit\n"), Tree: tree, Parents: []*github.Commit{{SHA: github.String(parent)}},
	}, nil)
	if err != nil {
		return "", fmt.Errorf("create commit: %w", err)
	}
	return cm.GetSHA(), nil
}

func TestRefsCompareAndSwap(t *testing.T) {
	f := newFixture(t, Options{})
	c := f.client(t, "")
	next := commitFiles(t, f, c, f.base, map[string]string{"a.txt": "a\n"})
	sibling := commitFiles(t, f, c, f.base, map[string]string{"b.txt": "b\n"})

	_, resp, err := c.Git.CreateRef(f.ctx, "acme", "config", &github.Reference{Ref: github.String("refs/heads/feature"), Object: &github.GitObject{SHA: github.String(f.base)}})
	wantStatus(t, resp, err, http.StatusCreated)
	_, resp, err = c.Git.CreateRef(f.ctx, "acme", "config", &github.Reference{Ref: github.String("refs/heads/feature"), Object: &github.GitObject{SHA: github.String(f.base)}})
	wantStatus(t, resp, err, http.StatusUnprocessableEntity)

	tests := []struct {
		name  string
		sha   string
		force bool
		want  int
	}{
		{"fast forward", next, false, http.StatusOK},
		{"not a fast forward", sibling, false, http.StatusUnprocessableEntity},
		{"forced", sibling, true, http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, resp, err := c.Git.UpdateRef(f.ctx, "acme", "config", &github.Reference{Ref: github.String("heads/feature"), Object: &github.GitObject{SHA: github.String(tt.sha)}}, tt.force)
			wantStatus(t, resp, err, tt.want)
			if tt.want == http.StatusUnprocessableEntity {
				if er, ok := err.(*github.ErrorResponse); !ok || er.Message != "Update is not a fast forward" {
					t.Errorf("error = %v, want GitHub's fast-forward message", err)
				}
			}
		})
	}
	ref, _, err := c.Git.GetRef(f.ctx, "acme", "config", "heads/feature")
	if err != nil || ref.GetObject().GetSHA() != sibling {
		t.Fatalf("feature = %v (%v), want %s", ref.GetObject().GetSHA(), err, sibling)
	}
	refs, _, err := c.Git.ListMatchingRefs(f.ctx, "acme", "config", &github.ReferenceListOptions{Ref: "heads/"})
	if err != nil || len(refs) != 2 {
		t.Fatalf("matching refs = %d (%v), want 2", len(refs), err)
	}
	resp, err = c.Git.DeleteRef(f.ctx, "acme", "config", "heads/feature")
	wantStatus(t, resp, err, http.StatusNoContent)
	_, resp, err = c.Git.GetRef(f.ctx, "acme", "config", "heads/feature")
	wantStatus(t, resp, err, http.StatusNotFound)
}

func TestTreesBlobsContents(t *testing.T) {
	f := newFixture(t, Options{})
	c := f.client(t, "dev")
	tree, _, err := c.Git.GetTree(f.ctx, "acme", "config", f.base, true)
	if err != nil {
		t.Fatalf("get tree by commit: %v", err)
	}
	paths := map[string]string{}
	for _, e := range tree.Entries {
		paths[e.GetPath()] = e.GetMode()
	}
	want := map[string]string{"README.md": "100644", "apps": "040000", "apps/web/overlays/dev/kustomization.yaml": "100644", "scripts/run.sh": "100755"}
	for p, mode := range want {
		if paths[p] != mode {
			t.Errorf("tree entry %s mode %q, want %q", p, paths[p], mode)
		}
	}
	blob, _, err := c.Git.CreateBlob(f.ctx, "acme", "config", &github.Blob{Content: github.String(base64.StdEncoding.EncodeToString([]byte("bin\x00"))), Encoding: github.String("base64")})
	if err != nil {
		t.Fatalf("create blob: %v", err)
	}
	raw, _, err := c.Git.GetBlobRaw(f.ctx, "acme", "config", blob.GetSHA())
	if err != nil || string(raw) != "bin\x00" {
		t.Fatalf("blob raw = %q (%v)", raw, err)
	}
	// Deleting a file through a null sha, and adding one by content.
	var del *github.TreeEntry = &github.TreeEntry{Path: github.String("README.md"), Mode: github.String("100644"), Type: github.String("blob")}
	newTree, _, err := c.Git.CreateTree(f.ctx, "acme", "config", tree.GetSHA(), []*github.TreeEntry{del,
		{Path: github.String("docs/x.md"), Mode: github.String("100644"), Type: github.String("blob"), Content: github.String("x\n")}})
	if err != nil {
		t.Fatalf("create tree: %v", err)
	}
	got := map[string]bool{}
	for _, e := range newTree.Entries {
		got[e.GetPath()] = true
	}
	if got["README.md"] || !got["docs"] || !got["apps"] {
		t.Errorf("new tree entries = %v, want README.md removed and docs added", got)
	}
	fc, _, _, err := c.Repositories.GetContents(f.ctx, "acme", "config", "apps/web/overlays/dev/kustomization.yaml", &github.RepositoryContentGetOptions{Ref: "main"})
	if err != nil {
		t.Fatalf("get contents: %v", err)
	}
	if s, _ := fc.GetContent(); s != "images:\n- name: web\n  newTag: v1.0.0\n" {
		t.Errorf("content = %q", s)
	}
	_, dir, _, err := c.Repositories.GetContents(f.ctx, "acme", "config", "apps/web", nil)
	if err != nil || len(dir) != 1 || dir[0].GetType() != "dir" {
		t.Fatalf("dir listing = %v (%v)", dir, err)
	}
	_, _, resp, err := c.Repositories.GetContents(f.ctx, "acme", "config", "nope", nil)
	wantStatus(t, resp, err, http.StatusNotFound)
}

func TestPutContentsAndHistory(t *testing.T) {
	f := newFixture(t, Options{})
	c := f.client(t, "")
	const p = "apps/web/overlays/dev/kustomization.yaml"
	fc, _, _, err := c.Repositories.GetContents(f.ctx, "acme", "config", p, nil)
	if err != nil {
		t.Fatal(err)
	}
	res, resp, err := c.Repositories.UpdateFile(f.ctx, "acme", "config", p, &github.RepositoryContentFileOptions{
		Message: github.String("bump web"), Content: []byte("images:\n- name: web\n  newTag: v1.1.0\n"), SHA: fc.SHA, Branch: github.String("main"),
	})
	wantStatus(t, resp, err, http.StatusOK)
	if len(res.Commit.Parents) != 1 || res.Commit.Parents[0].GetSHA() != f.base {
		t.Errorf("parents = %v, want [%s]", res.Commit.Parents, f.base)
	}
	_, resp, err = c.Repositories.UpdateFile(f.ctx, "acme", "config", p, &github.RepositoryContentFileOptions{
		Message: github.String("stale"), Content: []byte("x"), SHA: fc.SHA,
	})
	wantStatus(t, resp, err, http.StatusConflict)
	if _, err := f.sim.Push("dev", testRepo, "main", "touch readme", map[string]string{"README.md": "# c\n"}); err != nil {
		t.Fatal(err)
	}
	commits, _, err := c.Repositories.ListCommits(f.ctx, "acme", "config", &github.CommitsListOptions{Path: p, SHA: "main"})
	if err != nil {
		t.Fatal(err)
	}
	if len(commits) != 2 || commits[0].GetSHA() != res.Commit.GetSHA() || commits[1].GetSHA() != f.base {
		t.Errorf("history of %s = %d commits, want the bump then the seed", p, len(commits))
	}
	cmp, _, err := c.Repositories.CompareCommits(f.ctx, "acme", "config", f.base, "main", nil)
	if err != nil {
		t.Fatal(err)
	}
	if cmp.GetStatus() != "ahead" || cmp.GetAheadBy() != 2 || len(cmp.Files) != 2 {
		t.Errorf("compare = %s ahead %d files %d, want ahead 2 files 2", cmp.GetStatus(), cmp.GetAheadBy(), len(cmp.Files))
	}
}

func TestExportPassesFsck(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Fatal("git is required: `make test` runs where git is installed (.ci/run installs it)")
	}
	f := newFixture(t, Options{})
	c := f.client(t, "")
	a := commitFiles(t, f, c, f.base, map[string]string{"apps/web/overlays/dev/kustomization.yaml": "images: []\n"})
	_, _, err := c.Git.CreateRef(f.ctx, "acme", "config", &github.Reference{Ref: github.String("refs/heads/stagehand/dev/web"), Object: &github.GitObject{SHA: github.String(a)}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.sim.Push("alice", testRepo, "main", "docs", map[string]string{"docs/a.md": "a\n", "docs/b/c.md": "c\n"}); err != nil {
		t.Fatal(err)
	}
	n, err := f.sim.OpenPR("dev", testRepo, "stagehand/dev/web", "main", "Promote web", "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.sim.Merge("alice", testRepo, n, "merge"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.sim.Push("dev", testRepo, "other", "other branch", map[string]string{"README.md": DeleteFile}); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "export.git")
	if err := f.sim.Export(testRepo, dir); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("git", "--git-dir", dir, "fsck", "--strict", "--no-dangling").CombinedOutput()
	if err != nil {
		t.Fatalf("git fsck --strict: %v\n%s", err, out)
	}
	log, err := exec.Command("git", "--git-dir", dir, "rev-list", "--count", "main").Output()
	if err != nil || string(log) != "4\n" {
		t.Errorf("main has %q commits (%v), want 4", log, err)
	}
}

func TestRefNames(t *testing.T) {
	f := newFixture(t, Options{})
	c := f.client(t, "")
	long := "refs/heads/" + strings.Repeat("a", maxRefLength)
	tests := []struct {
		ref  string
		want int
	}{
		{"refs/heads/stagehand/dev/web", http.StatusCreated},
		{"refs/heads/a b", http.StatusUnprocessableEntity},
		{"refs/heads/a..b", http.StatusUnprocessableEntity},
		{"refs/heads/x.lock", http.StatusUnprocessableEntity},
		{"refs/heads/.hidden", http.StatusUnprocessableEntity},
		{"refs/heads/a:b", http.StatusUnprocessableEntity},
		{"refs/one-slash", http.StatusUnprocessableEntity},
		{long, http.StatusUnprocessableEntity},
	}
	for _, tt := range tests {
		t.Run(tt.ref[:min(len(tt.ref), 40)], func(t *testing.T) {
			_, resp, err := c.Git.CreateRef(f.ctx, "acme", "config", &github.Reference{Ref: github.String(tt.ref), Object: &github.GitObject{SHA: github.String(f.base)}})
			wantStatus(t, resp, err, tt.want)
		})
	}
}

// Concurrent writers that each commit on top of the tip they read and move the ref with
// compare-and-swap never lose an update: every success is a fast forward.
func TestConcurrentCompareAndSwap(t *testing.T) {
	f := newFixture(t, Options{})
	const writers, rounds = 4, 5
	var wg sync.WaitGroup
	c := f.client(t, "")
	wins := make(chan string, writers*rounds)
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < rounds; {
				ref, _, err := c.Git.GetRef(f.ctx, "acme", "config", "heads/main")
				if err != nil {
					t.Error(err)
					return
				}
				tip := ref.GetObject().GetSHA()
				sha, err := tryCommitFiles(f, c, tip, map[string]string{fmt.Sprintf("w%d/%d", w, i): "x"})
				if err != nil {
					t.Error(err)
					return
				}
				_, resp, err := c.Git.UpdateRef(f.ctx, "acme", "config", &github.Reference{Ref: github.String("heads/main"), Object: &github.GitObject{SHA: github.String(sha)}}, false)
				switch statusOf(resp) {
				case http.StatusOK:
					wins <- sha
					i++
				case http.StatusUnprocessableEntity:
					// Lost the race: re-read and re-apply.
				default:
					t.Errorf("update: %v", err)
					return
				}
			}
		}(w)
	}
	wg.Wait()
	close(wins)
	won := map[string]bool{}
	for sha := range wins {
		won[sha] = true
	}
	head, _ := f.sim.RefSHA(testRepo, "main")
	r := f.sim.repos[testRepo]
	history := map[string]bool{}
	for _, sha := range r.store.ancestors(head) {
		history[sha] = true
	}
	for sha := range won {
		if !history[sha] {
			t.Errorf("winning commit %s is not in main's history: an update was lost", sha)
		}
	}
	if len(won) != writers*rounds {
		t.Errorf("%d winning updates, want %d", len(won), writers*rounds)
	}
}
