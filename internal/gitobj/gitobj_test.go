package gitobj

import (
	"bufio"
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// repo makes a repository of one commit holding a file and a directory.
func repo(t *testing.T) (dir, commit string) {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Fatal("git is required: `make test` runs where git is installed (.ci/run installs it)")
	}
	dir = t.TempDir()
	run := func(args ...string) string {
		t.Helper()
		c := exec.Command("git", append([]string{"-C", dir, "-c", "user.name=T", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false"}, args...)...)
		c.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1")
		out, err := c.CombinedOutput()
		if err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
		return strings.TrimSpace(string(out))
	}
	run("init", "-q", "-b", "main")
	if err := os.MkdirAll(filepath.Join(dir, "d"), 0o755); err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string]string{"a.txt": "a\n", "d/b.txt": "bee\n"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	run("add", "-A")
	run("commit", "-q", "-m", "one")
	return dir, run("rev-parse", "HEAD")
}

// TestReader walks a commit down to its blobs through one process, as
// git ls-tree and git cat-file would show them, and reads each object once.
func TestReader(t *testing.T) {
	dir, commit := repo(t)
	r := New(context.Background(), dir)
	defer r.Close()
	objs, err := r.Fetch([]string{"main^{commit}", "nope^{commit}"})
	if err != nil {
		t.Fatal(err)
	}
	if objs[0].Kind != "commit" || objs[0].ID != commit || objs[1].Kind != "missing" {
		t.Fatalf("got %+v, %+v; want commit %s and missing", objs[0], objs[1], commit)
	}
	if p := CommitParents(objs[0].Data); len(p) != 0 {
		t.Errorf("a root commit with parents %q", p)
	}
	tree := CommitTree(objs[0].Data)
	got, err := r.Fetch([]string{tree})
	if err != nil {
		t.Fatal(err)
	}
	entries, err := ParseTree(got[0].Data, len(tree)/2)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Mode+" "+e.Name)
		if ls := strings.Fields(mustGit(t, dir, "ls-tree", commit, e.Name)); len(ls) < 3 || ls[2] != e.ID {
			t.Errorf("%s: ID %s, ls-tree says %v", e.Name, e.ID, ls)
		}
	}
	if want := []string{"100644 a.txt", "40000 d"}; !slices.Equal(names, want) {
		t.Errorf("entries %q, want %q", names, want)
	}
	blob, err := r.Fetch([]string{entries[0].ID})
	if err != nil {
		t.Fatal(err)
	}
	if string(blob[0].Data) != "a\n" || blob[0].Kind != "blob" {
		t.Errorf("blob %+v", blob[0])
	}
	n := r.Cached()
	if _, err := r.Fetch([]string{tree, entries[0].ID, commit}); err != nil {
		t.Fatal(err)
	}
	if r.Cached() != n || n != 3 {
		t.Errorf("cached %d then %d objects; want 3 both times", n, r.Cached())
	}
	if _, err := r.Fetch([]string{"two\nlines"}); err == nil {
		t.Error("a name of two lines was sent")
	}
	if err := r.Close(); err != nil {
		t.Error(err)
	}
}

// TestReaderNoRepository: git's own words reach the error.
func TestReaderNoRepository(t *testing.T) {
	r := New(context.Background(), t.TempDir())
	defer r.Close()
	_, err := r.Fetch([]string{"HEAD^{commit}"})
	if err == nil || !strings.Contains(err.Error(), "not a git repository") {
		t.Fatalf("err = %v, want git's 'not a git repository'", err)
	}
	if _, again := r.Fetch([]string{"HEAD"}); again == nil {
		t.Error("a broken reader answered")
	}
}

// TestReaderLargeBatch asks for more names than the pipes hold at once.
func TestReaderLargeBatch(t *testing.T) {
	dir, _ := repo(t)
	r := New(context.Background(), dir)
	defer r.Close()
	names := make([]string, 20000)
	for i := range names {
		names[i] = fmt.Sprintf("nope-%d^{commit}", i)
	}
	// The same name twice in a batch is asked for once and answered twice.
	names[0], names[len(names)-1] = "main:a.txt", "main:a.txt"
	objs, err := r.Fetch(names)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range []Object{objs[0], objs[len(objs)-1]} {
		if o.Kind != "blob" || string(o.Data) != "a\n" {
			t.Errorf("main:a.txt = %+v", o)
		}
	}
	if r.served != len(names)-1 {
		t.Errorf("%d answers read for %d names, one of them twice", r.served, len(names))
	}
}

func mustGit(t *testing.T, dir string, args ...string) string {
	t.Helper()
	out, err := exec.Command("git", append([]string{"-C", dir}, args...)...).Output()
	if err != nil {
		t.Fatalf("git %v: %v", args, err)
	}
	return string(out)
}

// encodeTree writes entries as git does in a tree object.
func encodeTree(entries []Entry) []byte {
	var b bytes.Buffer
	for _, e := range entries {
		id, _ := hex.DecodeString(e.ID)
		b.WriteString(e.Mode + " " + e.Name + "\x00")
		b.Write(id)
	}
	return b.Bytes()
}

// FuzzParseTree: whatever a tree object holds, ParseTree returns an error
// or entries that encode back to exactly the same bytes.
func FuzzParseTree(f *testing.F) {
	f.Add(encodeTree([]Entry{{"100644", "a.txt", strings.Repeat("ab", 20)}, {"40000", "d", strings.Repeat("01", 20)}}), false)
	f.Add(encodeTree([]Entry{{"160000", "sub", strings.Repeat("ff", 32)}}), true)
	f.Add([]byte("100644 x"), false)
	f.Fuzz(func(t *testing.T, data []byte, sha256 bool) {
		idLen := 20
		if sha256 {
			idLen = 32
		}
		entries, err := ParseTree(data, idLen)
		if err != nil {
			return
		}
		if back := encodeTree(entries); !bytes.Equal(back, data) {
			t.Fatalf("entries %+v encode to %q, not %q", entries, back, data)
		}
	})
}

// FuzzReadAnswer: cat-file's output, however broken, is read without a
// panic, and every object read is exactly what the bytes say.
func FuzzReadAnswer(f *testing.F) {
	id := strings.Repeat("a1", 20)
	f.Add([]byte(id + " blob 3\nabc\n" + "main^{commit} missing\n" + id + " tree 0\n\n"))
	f.Add([]byte(id + " blob 5\nab"))
	f.Add([]byte(id + " blob -1\n"))
	f.Add([]byte(strings.Repeat("0", 64) + " commit 1\nxy"))
	f.Fuzz(func(t *testing.T, data []byte) {
		r := bufio.NewReader(bytes.NewReader(data))
		for range 100 {
			obj, err := readAnswer(r)
			if err != nil {
				return
			}
			if obj.Kind == "missing" || obj.Kind == "ambiguous" {
				continue
			}
			header := fmt.Sprintf("%s %s %d\n", obj.ID, obj.Kind, len(obj.Data))
			if !bytes.Contains(data, append([]byte(header), obj.Data...)) {
				t.Fatalf("read %q with %q, which the input does not hold", header, obj.Data)
			}
		}
	})
}

// FuzzCommitParents holds CommitParents and CommitTree to the commit
// format read line by line: parents are the "parent" headers before the
// first empty line, the tree the first line's.
func FuzzCommitParents(f *testing.F) {
	id := strings.Repeat("c0", 20)
	f.Add([]byte("tree " + id + "\nparent " + id + "\nparent " + id + "\nauthor a\n\nparent not-a-header\n"))
	f.Add([]byte("tree x"))
	f.Fuzz(func(t *testing.T, data []byte) {
		var want []string
		lines := strings.Split(string(data), "\n")
		for _, l := range lines {
			if l == "" {
				break
			}
			if p, ok := strings.CutPrefix(l, "parent "); ok {
				want = append(want, p)
			}
		}
		if got := CommitParents(data); !slices.Equal(got, want) {
			t.Fatalf("parents %q, want %q", got, want)
		}
		tree, _ := strings.CutPrefix(lines[0], "tree ")
		if !strings.HasPrefix(lines[0], "tree ") {
			tree = ""
		}
		if got := CommitTree(data); got != tree {
			t.Fatalf("tree %q, want %q", got, tree)
		}
	})
}

// TestReaderOldGit: a git before 2.36 refuses --batch-command, as git
// 2.35 does; the reader then asks through --batch.
func TestReaderOldGit(t *testing.T) {
	dir, commit := repo(t)
	real, err := exec.LookPath("git")
	if err != nil {
		t.Fatal(err)
	}
	bin := t.TempDir()
	script := "#!/bin/sh\nfor a in \"$@\"; do\n  if [ \"$a\" = --batch-command ]; then\n" +
		"    echo \"error: unknown option \\`batch-command'\" >&2\n    exit 129\n  fi\ndone\nexec " + real + " \"$@\"\n"
	if err := os.WriteFile(filepath.Join(bin, "git"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	r := New(context.Background(), dir)
	defer r.Close()
	objs, err := r.Fetch([]string{"main^{commit}", "nope"})
	if err != nil {
		t.Fatal(err)
	}
	if objs[0].ID != commit || objs[1].Kind != "missing" || !r.plain {
		t.Errorf("got %+v, %+v (plain %v); want commit %s and missing through --batch", objs[0], objs[1], r.plain, commit)
	}
}
