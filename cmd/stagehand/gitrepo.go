package main

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"os/exec"
	"strings"

	"github.com/stagehand-gitops/stagehand/internal/gitobj"
)

// git reads a local repository with the git command. Commits, trees and
// blobs come through one `git cat-file --batch` process (gitobj), started
// at first use and kept until close: every git process costs more than the
// check itself, and an object shared by two commits (most of a base and
// its head) is read once.
type git struct {
	dir string
	ctx context.Context
	obj *gitobj.Reader
}

// newGit returns a reader of the repository in dir; close ends its
// cat-file process.
func newGit(ctx context.Context, dir string) git {
	if ctx == nil {
		ctx = context.Background()
	}
	return git{dir: dir, ctx: ctx, obj: gitobj.New(ctx, dir)}
}

func (g git) close() error { return g.obj.Close() }

func (g git) command(args ...string) *exec.Cmd {
	return exec.CommandContext(g.ctx, "git", append([]string{"-C", g.dir}, args...)...)
}

func (g git) output(args ...string) ([]byte, error) {
	var stderr bytes.Buffer
	c := g.command(args...)
	c.Stderr = &stderr
	out, err := c.Output()
	if err != nil {
		return nil, fmt.Errorf("git %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return out, nil
}

// resolvePair resolves two refs to commit IDs. A ref that names no commit
// is the user's mistake, and the error names it.
func (g git) resolvePair(a, b string) (string, string, error) {
	for _, ref := range []string{a, b} {
		if ref == "" || strings.HasPrefix(ref, "-") || strings.ContainsAny(ref, "\r\n") {
			return "", "", userErrorf("%q is not a git ref", ref)
		}
	}
	objs, err := g.obj.Fetch([]string{a + "^{commit}", b + "^{commit}"})
	if err != nil {
		// git could not read the directory at all: not a repository, or
		// one it refuses (the message says which).
		return "", "", asUserError(err)
	}
	for i, ref := range []string{a, b} {
		if objs[i].Kind != "commit" {
			return "", "", userErrorf("no commit %q in %s", ref, g.dir)
		}
	}
	return objs[0].ID, objs[1].ID, nil
}

// ancestorSearch bounds how many of head's ancestors mergeBase reads
// before it asks git merge-base.
const ancestorSearch = 64

// mergeBase returns the merge base of two commits, or "" when there is
// none (unrelated histories, or a shallow clone that lacks it). Usually
// base is an ancestor of head, close by (a pull request's merge commit has
// it as first parent; a branch has its few commits on top): then it is the
// merge base, found by reading head's ancestors through the cat-file
// process already running. Otherwise git merge-base answers.
func (g git) mergeBase(base, head string) (string, error) {
	if base == head {
		return base, nil
	}
	seen := map[string]bool{head: true}
	level := []string{head}
	for read := 0; len(level) > 0 && read < ancestorSearch; {
		objs, err := g.obj.Fetch(level)
		if err != nil {
			return "", err
		}
		read += len(level)
		var next []string
		for _, o := range objs {
			if o.Kind != "commit" {
				continue // a shallow clone's boundary
			}
			for _, p := range gitobj.CommitParents(o.Data) {
				if p == base {
					return base, nil
				}
				if !seen[p] {
					seen[p] = true
					next = append(next, p)
				}
			}
		}
		level = next
	}
	out, err := g.output("merge-base", base, head)
	if err != nil {
		return "", nil // no merge base: the check reads the base instead
	}
	return strings.TrimSpace(string(out)), nil
}

// tree reads the files of a commit (under paths, when given) into memory.
// Symbolic links and submodules are left out.
func (g git) tree(commit string, paths ...string) (fs.FS, error) {
	ts, err := g.trees([]string{commit}, paths...)
	if err != nil {
		return nil, err
	}
	return ts[0], nil
}

// trees reads several commits as tree does. Their trees are read a level
// at a time, every commit's together, so a directory the commits share is
// read and parsed once and the number of round trips is the depth of the
// tree; then every blob they hold, each once (Fetch sends a name once).
func (g git) trees(commits []string, paths ...string) ([]fs.FS, error) {
	trimmed := make([]string, len(paths)) // the caller's slice stays as it is
	for i, p := range paths {
		trimmed[i] = strings.Trim(p, "/")
	}
	paths = trimmed
	objs, err := g.obj.Fetch(commits)
	if err != nil {
		return nil, err
	}
	type dir struct {
		commit int
		path   string // "" for the root
		id     string
	}
	var level []dir
	for i, o := range objs {
		if o.Kind != "commit" {
			return nil, fmt.Errorf("git: %s is not a commit", commits[i])
		}
		root := gitobj.CommitTree(o.Data)
		if root == "" {
			return nil, fmt.Errorf("git: commit %s names no tree", o.ID)
		}
		level = append(level, dir{commit: i, id: root})
	}
	blobs := make([]map[string]string, len(commits)) // name -> blob ID, per commit
	for i := range blobs {
		blobs[i] = map[string]string{}
	}
	parsed := map[string][]gitobj.Entry{} // by tree ID
	for len(level) > 0 {
		ids := make([]string, len(level))
		for i, d := range level {
			ids[i] = d.id
		}
		read, err := g.obj.Fetch(ids)
		if err != nil {
			return nil, err
		}
		var next []dir
		for i, d := range level {
			if read[i].Kind != "tree" {
				return nil, fmt.Errorf("git: tree %s of %s: %s", d.id, commits[d.commit], read[i].Kind)
			}
			entries, ok := parsed[d.id]
			if !ok {
				if entries, err = gitobj.ParseTree(read[i].Data, len(d.id)/2); err != nil {
					return nil, fmt.Errorf("git: tree %s: %w", d.id, err)
				}
				parsed[d.id] = entries
			}
			for _, e := range entries {
				name := e.Name
				if d.path != "" {
					name = d.path + "/" + e.Name
				}
				if !fs.ValidPath(name) {
					continue // git fsck refuses such a name; no file system can hold it
				}
				switch e.Mode {
				case "40000":
					if underPaths(name, paths, true) {
						next = append(next, dir{commit: d.commit, path: name, id: e.ID})
					}
				case "160000", "120000":
					// submodules and symbolic links are not the config's files
				default:
					if underPaths(name, paths, false) {
						blobs[d.commit][name] = e.ID
					}
				}
			}
		}
		level = next
	}
	var ids []string
	for _, m := range blobs {
		for _, id := range m {
			ids = append(ids, id)
		}
	}
	read, err := g.obj.Fetch(ids)
	if err != nil {
		return nil, err
	}
	data := make(map[string][]byte, len(read))
	for i, o := range read {
		if o.Kind != "blob" {
			return nil, fmt.Errorf("git: blob %s: %s", ids[i], o.Kind)
		}
		data[o.ID] = o.Data
	}
	out := make([]fs.FS, len(commits))
	for i, m := range blobs {
		files := make(map[string][]byte, len(m))
		for name, id := range m {
			files[name] = data[id]
		}
		out[i] = newTreeFS(files)
	}
	return out, nil
}

// underPaths says whether name is to be read when only paths (without
// leading or trailing slashes) are: a file at or under one of them, or a
// directory on the way to one. No paths means every file.
func underPaths(name string, paths []string, isDir bool) bool {
	if len(paths) == 0 {
		return true
	}
	for _, p := range paths {
		if p == "" || p == "." || name == p || strings.HasPrefix(name, p+"/") {
			return true
		}
		if isDir && strings.HasPrefix(p, name+"/") {
			return true
		}
	}
	return false
}
