package githubsim

import (
	"bufio"
	"bytes"
	"compress/zlib"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
)

// SeedFS commits the files of fsys as one commit on branch (created, or advanced on top
// of its current commit), without sending webhooks. It returns the commit SHA.
func (s *Sim) SeedFS(repoName, branch string, fsys fs.FS, message string) (string, error) {
	files := map[string]fileEntry{}
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.repoLocked(repoName)
	if err != nil {
		return "", err
	}
	err = fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if d.Name() == ".git" {
				return fs.SkipDir
			}
			return nil
		}
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		mode := ModeFile
		if info, err := d.Info(); err == nil && info.Mode()&0o111 != 0 {
			mode = ModeExec
		}
		files[p] = fileEntry{Mode: mode, SHA: r.store.put(typeBlob, data)}
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("seed %s from fs: %w", repoName, err)
	}
	tree, err := r.store.buildTree(files)
	if err != nil {
		return "", fmt.Errorf("seed %s: %w", repoName, err)
	}
	var parents []string
	if sha, ok := r.branchSHA(branch); ok {
		parents = []string{sha}
	}
	sig := Signature{Name: r.owner, Email: r.owner + "@users.noreply.github.com", When: s.now()}
	sha := r.store.put(typeCommit, encodeCommit(commitObj{Tree: tree, Parents: parents, Author: sig, Committer: sig, Message: message}))
	r.refs["refs/heads/"+branch] = sha
	return sha, nil
}

// SeedGit imports every object and every branch and tag of a git repository on disk
// (work tree or bare), using the git CLI, without sending webhooks.
func (s *Sim) SeedGit(repoName, gitDir string) error {
	objs, err := readAllObjects(gitDir)
	if err != nil {
		return err
	}
	out, err := exec.Command("git", "-C", gitDir, "for-each-ref", "--format=%(objectname) %(refname)", "refs/heads", "refs/tags").Output()
	if err != nil {
		return fmt.Errorf("seed %s: list refs: %w", repoName, err)
	}
	head, _ := exec.Command("git", "-C", gitDir, "symbolic-ref", "--short", "HEAD").Output()
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.repoLocked(repoName)
	if err != nil {
		return err
	}
	for _, o := range objs {
		r.store.put(o.typ, o.data)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		sha, ref, ok := strings.Cut(line, " ")
		if ok {
			r.refs[ref] = sha
		}
	}
	if b := strings.TrimSpace(string(head)); b != "" {
		if _, ok := r.refs["refs/heads/"+b]; ok {
			r.defaultBranch = b
		}
	}
	return nil
}

func readAllObjects(gitDir string) ([]object, error) {
	cmd := exec.Command("git", "-C", gitDir, "cat-file", "--batch-all-objects", "--batch", "--unordered")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("read objects of %s: %w", gitDir, err)
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("read objects of %s: %w", gitDir, err)
	}
	var objs []object
	br := bufio.NewReader(stdout)
	for {
		header, err := br.ReadString('\n')
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("read objects of %s: %w", gitDir, err)
		}
		f := strings.Fields(header)
		if len(f) != 3 {
			return nil, fmt.Errorf("read objects of %s: bad header %q", gitDir, header)
		}
		n, err := strconv.Atoi(f[2])
		if err != nil {
			return nil, fmt.Errorf("read objects of %s: bad size %q", gitDir, header)
		}
		data := make([]byte, n+1)
		if _, err := io.ReadFull(br, data); err != nil {
			return nil, fmt.Errorf("read objects of %s: %w", gitDir, err)
		}
		objs = append(objs, object{typ: f[1], data: data[:n]})
	}
	if err := cmd.Wait(); err != nil {
		return nil, fmt.Errorf("read objects of %s: %w", gitDir, err)
	}
	return objs, nil
}

// Export writes a repository as a bare git repository at dir (loose objects, refs, HEAD).
func (s *Sim) Export(repoName, dir string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.repoLocked(repoName)
	if err != nil {
		return err
	}
	for _, d := range []string{"objects/info", "objects/pack", "refs/heads", "refs/tags", "info"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			return fmt.Errorf("export %s: %w", repoName, err)
		}
	}
	files := map[string]string{
		"HEAD":   "ref: refs/heads/" + r.defaultBranch + "\n",
		"config": "[core]\n\trepositoryformatversion = 0\n\tfilemode = true\n\tbare = true\n",
	}
	for ref, sha := range r.refs {
		files[ref] = sha + "\n"
	}
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return fmt.Errorf("export %s: %w", repoName, err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			return fmt.Errorf("export %s: %w", repoName, err)
		}
	}
	for sha, o := range r.store.objects {
		if err := writeLoose(dir, sha, o); err != nil {
			return fmt.Errorf("export %s: %w", repoName, err)
		}
	}
	return nil
}

func writeLoose(dir, sha string, o object) error {
	var buf bytes.Buffer
	zw := zlib.NewWriter(&buf)
	fmt.Fprintf(zw, "%s %d\x00", o.typ, len(o.data))
	if _, err := zw.Write(o.data); err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return err
	}
	p := filepath.Join(dir, "objects", sha[:2], sha[2:])
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	return os.WriteFile(p, buf.Bytes(), 0o444)
}
