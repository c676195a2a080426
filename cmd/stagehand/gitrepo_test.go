package main

import (
	"context"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// gitOut runs git in dir and returns its output, trimmed.
func gitOut(t *testing.T, dir string, args ...string) string {
	t.Helper()
	out, err := exec.Command("git", append([]string{"-C", dir}, args...)...).Output()
	if err != nil {
		t.Fatalf("git %v: %v", args, err)
	}
	return strings.TrimSpace(string(out))
}

// lsTree is what git ls-tree -r and git cat-file say commit holds under
// paths: its regular files (not symbolic links, not submodules) and their
// contents, the reference for git.trees.
func lsTree(t *testing.T, dir, commit string, paths ...string) map[string]string {
	t.Helper()
	out := gitOut(t, dir, append([]string{"ls-tree", "-r", "-z", "--full-tree", commit, "--"}, paths...)...)
	files := map[string]string{}
	for _, rec := range strings.Split(out, "\x00") {
		meta, name, ok := strings.Cut(rec, "\t")
		f := strings.Fields(meta)
		if !ok || len(f) != 3 || f[1] != "blob" || f[0] == "120000" {
			continue
		}
		b, err := exec.Command("git", "-C", dir, "cat-file", "blob", f[2]).Output()
		if err != nil {
			t.Fatal(err)
		}
		files[name] = string(b)
	}
	return files
}

// files reads every file of a tree.
func files(t *testing.T, tree fs.FS) map[string]string {
	t.Helper()
	got := map[string]string{}
	err := fs.WalkDir(tree, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(tree, name)
		got[name] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// odditiesRepo makes a repository of two commits whose tree has what
// ls-tree lists with care: nested directories, an executable, names with
// spaces and non-ASCII letters, a symbolic link and a submodule.
func odditiesRepo(t *testing.T, objectFormat string) (dir string, commits []string) {
	t.Helper()
	dir, g, write, commit := gitRepo(t)
	g(t0, "init", "-q", "-b", "main", "--object-format="+objectFormat)
	write("a.txt", "a\n")
	write("apps/web/base/kustomization.yaml", "resources: [pod.yaml]\n")
	write("apps/web/base/pod.yaml", "kind: Pod\n")
	write("apps/web/overlays/dev/kustomization.yaml", "images: []\n")
	write("apps/api/overlays/dev/kustomization.yaml", "images: [api]\n")
	write("name with space.txt", "space\n")
	write("ünïcode/é.yaml", "x: 1\n")
	write("empty", "")
	write("bin/run.sh", "#!/bin/sh\n")
	if err := os.Chmod(filepath.Join(dir, "bin/run.sh"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("a.txt", filepath.Join(dir, "link")); err != nil {
		t.Fatal(err)
	}
	commit(t0, "first")
	// A submodule is a tree entry of mode 160000 naming a commit.
	first := gitOut(t, dir, "rev-parse", "HEAD")
	g(t0, "update-index", "--add", "--cacheinfo", "160000,"+first+",vendor/sub")
	write("apps/web/overlays/dev/kustomization.yaml", "images: [web]\n")
	commit(t0.Add(time.Hour), "second")
	return dir, []string{first, gitOut(t, dir, "rev-parse", "HEAD")}
}

// TestGitTrees reads commits through one cat-file process, level by level,
// and holds the result to git ls-tree: the same files with the same bytes,
// with and without paths, in SHA-1 and SHA-256 repositories.
func TestGitTrees(t *testing.T) {
	for _, format := range []string{"sha1", "sha256"} {
		t.Run(format, func(t *testing.T) {
			dir, commits := odditiesRepo(t, format)
			g := newGit(context.Background(), dir)
			defer g.close()
			both, err := g.trees(commits)
			if err != nil {
				t.Fatal(err)
			}
			for i, c := range commits {
				want, got := lsTree(t, dir, c), files(t, both[i])
				if len(want) < 9 {
					t.Fatalf("ls-tree lists %d files: %v", len(want), want)
				}
				if !mapsEqual(got, want) {
					t.Errorf("commit %d:\n got %v\nwant %v", i, got, want)
				}
			}
			for _, paths := range [][]string{{"apps/web/overlays/dev"}, {"apps/web"}, {"a.txt", "ünïcode"}, {"apps/web/overlays/dev/"}, {"missing/dir"}} {
				tree, err := g.tree(commits[1], paths...)
				if err != nil {
					t.Fatal(err)
				}
				if want, got := lsTree(t, dir, commits[1], paths...), files(t, tree); !mapsEqual(got, want) {
					t.Errorf("paths %q:\n got %v\nwant %v", paths, got, want)
				}
			}
		})
	}
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// TestGitMergeBase holds git.mergeBase to git merge-base: a base among the
// head's near ancestors (first parent or second), one further back than
// the search reads, diverged branches, a head behind its base, and
// unrelated histories, which have none.
func TestGitMergeBase(t *testing.T) {
	dir, g, write, commit := gitRepo(t)
	at := t0
	step := func(file string) string {
		at = at.Add(time.Minute)
		write(file, at.String())
		commit(at, file)
		return gitOut(t, dir, "rev-parse", "HEAD")
	}
	g(at, "init", "-q", "-b", "main")
	c0 := step("main")
	c1 := step("main")
	g(at, "checkout", "-q", "-b", "feature")
	f1 := step("feature")
	g(at, "checkout", "-q", "main")
	c2 := step("main")
	g(at, "checkout", "-q", "-b", "merged", "feature")
	g(at, "merge", "-q", "--no-ff", "-m", "merge main", "main")
	merged := gitOut(t, dir, "rev-parse", "HEAD")
	g(at, "checkout", "-q", "-b", "long", "main")
	var long string
	for range ancestorSearch + 6 {
		long = step("long")
	}
	g(at, "checkout", "-q", "--orphan", "other")
	g(at, "rm", "-q", "-r", "-f", ".")
	other := step("other")

	r := newGit(context.Background(), dir)
	defer r.close()
	for _, tc := range []struct {
		name, base, head, want string
	}{
		{"same commit", c2, c2, c2},
		{"base is the parent", c1, f1, c1},
		{"base is the second parent", c2, merged, c2},
		{"base further back than the search", c0, long, c0},
		{"diverged", c2, f1, c1},
		{"head behind its base", c2, c0, c0},
		{"unrelated histories", c2, other, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := r.mergeBase(tc.base, tc.head)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("mergeBase = %q, want %q", got, tc.want)
			}
			if tc.want != "" {
				if mb := gitOut(t, dir, "merge-base", tc.base, tc.head); mb != tc.want {
					t.Fatalf("git merge-base says %s: the case is wrong", mb)
				}
			}
		})
	}
}

// TestGitReadsEachObjectOnce: a second read of a commit costs nothing,
// and a name git does not know comes back missing, not as an error.
func TestGitReadsEachObjectOnce(t *testing.T) {
	dir, commits := odditiesRepo(t, "sha1")
	g := newGit(context.Background(), dir)
	defer g.close()
	if _, err := g.tree(commits[1]); err != nil {
		t.Fatal(err)
	}
	cached := g.obj.Cached()
	if _, err := g.tree(commits[1], "apps"); err != nil {
		t.Fatal(err)
	}
	if n := g.obj.Cached(); n != cached {
		t.Errorf("a second read added %d objects to the cache", n-cached)
	}
	objs, err := g.obj.Fetch([]string{"no-such-ref^{commit}", commits[0]})
	if err != nil {
		t.Fatal(err)
	}
	if objs[0].Kind != "missing" || objs[1].Kind != "commit" {
		t.Errorf("kinds = %q, %q; want missing, commit", objs[0].Kind, objs[1].Kind)
	}
}

// TestCheckGitProcesses counts the git processes check starts, through a
// git on PATH that logs each call: one cat-file for every object, and a
// git log for each history the soak rule asks for; nothing else.
func TestCheckGitProcesses(t *testing.T) {
	real, err := exec.LookPath("git")
	if err != nil {
		t.Fatal(err)
	}
	dir := checkRepo(t)
	bin := t.TempDir()
	log := filepath.Join(bin, "calls")
	script := "#!/bin/sh\necho \"$*\" >> " + log + "\nexec " + real + " \"$@\"\n"
	if err := os.WriteFile(filepath.Join(bin, "git"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	for _, tc := range []struct {
		head string
		want []string // the git subcommands, in order
	}{
		{"main", []string{"cat-file"}},
		{"promote", []string{"cat-file", "log"}},
	} {
		t.Run(tc.head, func(t *testing.T) {
			_ = os.Remove(log)
			if code, stdout, stderr := runCLI(t, "", "check", "--dir", dir, "--base", "main", "--head", tc.head, "--now", t0.Add(4*time.Hour).Format(time.RFC3339)); code != 0 {
				t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
			}
			b, err := os.ReadFile(log)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
				f := strings.Fields(line)
				if len(f) > 2 {
					got = append(got, f[2]) // after -C DIR
				}
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("git processes %q, want %q:\n%s", got, tc.want, b)
			}
		})
	}
}
