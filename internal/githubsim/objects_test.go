package githubsim

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-github/v62/github"
)

func git(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", append([]string{"-C", dir}, args...)...)
	cmd.Env = append(os.Environ(), "GIT_AUTHOR_DATE=2024-01-02T03:04:05+01:00", "GIT_COMMITTER_DATE=2024-01-02T03:04:05+01:00",
		"GIT_AUTHOR_NAME=T", "GIT_AUTHOR_EMAIL=t@example.com", "GIT_COMMITTER_NAME=T", "GIT_COMMITTER_EMAIL=t@example.com",
		"GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
	return strings.TrimSpace(string(out))
}

func TestHashMatchesGit(t *testing.T) {
	dir := t.TempDir()
	git(t, dir, "init", "-q", "-b", "main")
	tests := []struct{ name, content string }{
		{"empty", ""},
		{"text", "hello\n"},
		{"binary", "\x00\x01\x02"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := filepath.Join(dir, tt.name)
			if err := os.WriteFile(p, []byte(tt.content), 0o644); err != nil {
				t.Fatal(err)
			}
			want := git(t, dir, "hash-object", p)
			if got := hashObject(typeBlob, []byte(tt.content)); got != want {
				t.Errorf("hashObject = %s, want %s", got, want)
			}
		})
	}
}

func TestSeedGitRoundTrip(t *testing.T) {
	dir := t.TempDir()
	git(t, dir, "init", "-q", "-b", "main")
	for name, content := range map[string]string{"a.txt": "a\n", "dir/b.txt": "b\n", "dir-x": "x\n", "dir.y": "y\n"} {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	git(t, dir, "add", ".")
	git(t, dir, "commit", "-q", "-m", "first")
	git(t, dir, "tag", "-a", "v1", "-m", "tag v1")
	head := git(t, dir, "rev-parse", "HEAD")
	tree := git(t, dir, "rev-parse", "HEAD^{tree}")

	sim, err := NewHandler(Options{T: t, AppKey: testKey(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	if err := sim.CreateRepo(RepoOptions{Owner: "o", Name: "r"}); err != nil {
		t.Fatal(err)
	}
	if err := sim.SeedGit("o/r", dir); err != nil {
		t.Fatal(err)
	}
	r := sim.repos["o/r"]
	if got, _ := r.resolveRef("main"); got != head {
		t.Fatalf("main = %s, want %s", got, head)
	}
	if got, _ := r.resolveRef("v1"); got != head {
		t.Fatalf("tag v1 peels to %s, want %s", got, head)
	}
	// Rebuilding the tree from its flattened files must give git's tree id back.
	flat, err := r.store.flatten(tree)
	if err != nil {
		t.Fatal(err)
	}
	rebuilt, err := r.store.buildTree(flat)
	if err != nil {
		t.Fatal(err)
	}
	if rebuilt != tree {
		t.Errorf("rebuilt tree %s, want %s", rebuilt, tree)
	}
	cm, err := r.store.commit(head)
	if err != nil {
		t.Fatal(err)
	}
	if again := hashObject(typeCommit, encodeCommit(cm)); again != head {
		t.Errorf("re-encoded commit %s, want %s", again, head)
	}
}

func TestSignatureRoundTrip(t *testing.T) {
	tests := []string{
		"A U Thor <a@example.com> 1700000000 +0000",
		"Someone <s@example.com> 1700000000 -0530",
		"Bot [bot] <1+bot[bot]@users.noreply.github.com> 1 +1400",
	}
	for _, line := range tests {
		t.Run(line, func(t *testing.T) {
			sig, err := parseSignature(line)
			if err != nil {
				t.Fatal(err)
			}
			if got := sig.encode(); got != line {
				t.Errorf("encode = %q, want %q", got, line)
			}
		})
	}
}

// FuzzDecodeTree: whatever decodes and encodes again is a fixed point.
// encode(decode(b)) is b for a tree in git's order, decode(encode(x)) is x
// sorted, and a second encoding changes nothing.
func FuzzDecodeTree(f *testing.F) {
	data, _ := encodeTree([]treeEntry{{Mode: ModeFile, Name: "a", SHA: strings.Repeat("ab", 20)}})
	f.Add(data)
	two, _ := encodeTree([]treeEntry{{Mode: ModeTree, Name: "d", SHA: strings.Repeat("cd", 20)}, {Mode: ModeFile, Name: "d.txt", SHA: strings.Repeat("ef", 20)}})
	f.Add(two)
	// A file and a tree of one name, not neighbours in git's order: git refuses the tree.
	dup := append(append(append([]byte(nil), data...), "100644 a.b\x00"+strings.Repeat("\x01", 20)...), "40000 a\x00"+strings.Repeat("\x02", 20)...)
	f.Add(dup)
	f.Add([]byte("100644 x\x00short"))
	f.Fuzz(func(t *testing.T, data []byte) {
		entries, err := decodeTree(data)
		if err != nil {
			return
		}
		enc, err := encodeTree(entries)
		if err != nil {
			return
		}
		names := map[string]bool{}
		for _, e := range entries {
			if names[e.Name] {
				t.Fatalf("encodeTree accepted two entries named %q", e.Name)
			}
			names[e.Name] = true
		}
		sorted := slices.IsSortedFunc(entries, func(a, b treeEntry) int { return strings.Compare(a.sortKey(), b.sortKey()) })
		if sorted && !bytes.Equal(enc, data) {
			t.Fatalf("encode(decode(%q)) = %q", data, enc)
		}
		back, err := decodeTree(enc)
		if err != nil {
			t.Fatalf("decode(encode(%v)): %v", entries, err)
		}
		want := slices.SortedFunc(slices.Values(entries), func(a, b treeEntry) int { return strings.Compare(a.sortKey(), b.sortKey()) })
		if !slices.Equal(back, want) {
			t.Fatalf("decode(encode(%v)) = %v", want, back)
		}
		if again, err := encodeTree(back); err != nil || !bytes.Equal(again, enc) {
			t.Fatalf("second encoding %q, %v; want %q", again, err, enc)
		}
	})
}

func FuzzDecodeCommit(f *testing.F) {
	f.Add([]byte("tree " + strings.Repeat("a", 40) + "\nauthor A <a@b> 1 +0000\ncommitter A <a@b> 1 +0000\n\nmsg\n"))
	f.Add([]byte("garbage"))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _ = decodeCommit(data)
	})
}

func TestInfo(t *testing.T) {
	sim, err := NewHandler(Options{T: t, AppKey: testKey(t), BaseURL: "http://127.0.0.1:9999/", AppID: 42, InstallationID: 7})
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	info := sim.Info("acme/config", "admin", "dev")
	if info.APIURL != "http://127.0.0.1:9999/api/v3/" || info.AppID != 42 || info.InstallationID != 7 {
		t.Errorf("info = %+v", info)
	}
	if info.Tokens["dev"] == "" || info.Tokens["dev"] != sim.Token("dev") {
		t.Errorf("dev token = %q, want the user's token", info.Tokens["dev"])
	}
}

func TestStandaloneHandler(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	sim, err := NewHandler(Options{T: t, AppKey: testKey(t), BaseURL: base})
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	srv := &http.Server{Handler: sim.Handler(), ReadHeaderTimeout: time.Second}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	if err := sim.CreateRepo(RepoOptions{Owner: "acme", Name: "config"}); err != nil {
		t.Fatal(err)
	}
	info := sim.Info("acme/config", "admin")
	c, err := github.NewClient(nil).WithAuthToken(sim.InstallationToken()).WithEnterpriseURLs(info.APIURL, info.APIURL)
	if err != nil {
		t.Fatal(err)
	}
	repo, _, err := c.Repositories.Get(context.Background(), "acme", "config")
	if err != nil {
		t.Fatal(err)
	}
	if repo.GetURL() != base+"/api/v3/repos/acme/config" {
		t.Errorf("repository url = %s, want it under %s", repo.GetURL(), base)
	}
}
