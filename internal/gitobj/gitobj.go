// Package gitobj reads a local repository's objects through one
// `git cat-file --batch` process: commits, trees and blobs asked for in
// batches, each object read once. A git process costs more to start than
// most of what `stagehand check` does with what it reads, so one process
// serves the whole command.
package gitobj

import (
	"bufio"
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strconv"
	"strings"
	"sync"
)

// Object is what cat-file answered for one name. Kind is "commit",
// "tree", "blob" or "tag", or "missing" (or "ambiguous") with no ID and no
// data.
type Object struct {
	ID, Kind string
	Data     []byte
}

// Reader is one `git cat-file --batch` process, started at the first
// Fetch, and what it has read. Commits, trees and blobs are kept by ID
// (their content never changes); other names, such as refs, are asked
// again each time. It is safe for concurrent use; Close ends the process.
type Reader struct {
	ctx context.Context
	dir string

	mu     sync.Mutex
	cmd    *exec.Cmd
	in     io.WriteCloser
	out    *bufio.Reader
	err    error // the process could not start, or its output broke off
	stderr bytes.Buffer
	cache  map[string]Object
}

// New returns a reader of the repository in dir; the process runs with
// ctx.
func New(ctx context.Context, dir string) *Reader {
	if ctx == nil {
		ctx = context.Background()
	}
	return &Reader{ctx: ctx, dir: dir, cache: map[string]Object{}}
}

// Cached is how many objects the reader holds.
func (r *Reader) Cached() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.cache)
}

func (r *Reader) start() error {
	if r.cmd != nil || r.err != nil {
		return r.err
	}
	c := exec.CommandContext(r.ctx, "git", "-C", r.dir, "cat-file", "--batch")
	c.Stderr = &r.stderr
	in, err := c.StdinPipe()
	if err == nil {
		var out io.ReadCloser
		if out, err = c.StdoutPipe(); err == nil {
			r.out = bufio.NewReaderSize(out, 64<<10)
			err = c.Start()
		}
	}
	if err != nil {
		r.err = fmt.Errorf("git cat-file: %w", err)
		return r.err
	}
	r.cmd, r.in = c, in
	return nil
}

// Fetch reads the objects names name (object IDs, or revisions such as
// main^{commit}), in order, with one round trip for those not read before.
// A name git does not know comes back with Kind "missing"; an error means
// git could not be asked at all (no repository, or the process died), and
// the reader is of no further use.
func (r *Reader) Fetch(names []string) ([]Object, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]Object, len(names))
	var ask []int
	for i, n := range names {
		if strings.ContainsAny(n, "\r\n") || n == "" {
			return nil, fmt.Errorf("git cat-file: %q is no object name", n)
		}
		if c, ok := r.cache[n]; ok {
			out[i] = c
		} else {
			ask = append(ask, i)
		}
	}
	if len(ask) == 0 {
		return out, nil
	}
	if err := r.start(); err != nil {
		return nil, err
	}
	var req bytes.Buffer
	for _, i := range ask {
		req.WriteString(names[i])
		req.WriteByte('\n')
	}
	// Written while the answers are read: a large batch fills both pipes.
	wrote := make(chan error, 1)
	go func() { _, err := r.in.Write(req.Bytes()); wrote <- err }()
	for _, i := range ask {
		obj, err := readAnswer(r.out)
		if err != nil {
			_ = r.in.Close()
			<-wrote
			if r.cmd.Wait() != nil && r.stderr.Len() > 0 {
				err = errors.New(strings.TrimSpace(r.stderr.String()))
			}
			r.cmd = nil
			r.err = fmt.Errorf("git -C %s cat-file %s: %w", r.dir, names[i], err)
			return nil, r.err
		}
		out[i] = obj
		if obj.Kind == "commit" || obj.Kind == "tree" || obj.Kind == "blob" {
			r.cache[obj.ID] = obj
		}
	}
	if err := <-wrote; err != nil {
		r.err = fmt.Errorf("git cat-file: %w", err)
		return nil, r.err
	}
	return out, nil
}

// Close ends the cat-file process: it exits when its input ends.
func (r *Reader) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.cmd == nil {
		return nil
	}
	_ = r.in.Close()
	err := r.cmd.Wait()
	r.cmd = nil
	if r.err == nil && err != nil {
		return fmt.Errorf("git cat-file: %w", err)
	}
	return nil
}

// readAnswer reads one answer of cat-file --batch: "ID KIND SIZE\n", SIZE
// bytes and a newline; or "NAME missing\n" (or ambiguous).
func readAnswer(r *bufio.Reader) (Object, error) {
	header, err := r.ReadString('\n')
	if err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return Object{}, err
	}
	header = strings.TrimSuffix(header, "\n")
	if sp := strings.LastIndexByte(header, ' '); sp > 0 {
		if kind := header[sp+1:]; kind == "missing" || kind == "ambiguous" {
			return Object{Kind: kind}, nil
		}
	}
	f := strings.Split(header, " ")
	size, err := 0, error(nil)
	if len(f) == 3 {
		size, err = strconv.Atoi(f[2])
	}
	if len(f) != 3 || err != nil || size < 0 || !isHex(f[0]) || f[1] == "" {
		return Object{}, fmt.Errorf("unexpected answer %q", header)
	}
	buf := make([]byte, size+1) // the content and a newline
	if _, err := io.ReadFull(r, buf); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return Object{}, err
	}
	if buf[size] != '\n' {
		return Object{}, fmt.Errorf("object %s: no newline after its %d bytes", f[0], size)
	}
	return Object{ID: f[0], Kind: f[1], Data: buf[:size]}, nil
}

func isHex(s string) bool {
	if len(s) != 40 && len(s) != 64 {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil
}

// CommitTree returns the tree a commit object names, or "".
func CommitTree(data []byte) string {
	line, _, _ := bytes.Cut(data, []byte("\n"))
	if id, ok := bytes.CutPrefix(line, []byte("tree ")); ok {
		return string(id)
	}
	return ""
}

// CommitParents returns the parents a commit object names, first first.
func CommitParents(data []byte) []string {
	var parents []string
	for len(data) > 0 {
		var line []byte
		line, data, _ = bytes.Cut(data, []byte("\n"))
		if len(line) == 0 {
			break // the headers end; the message follows
		}
		if id, ok := bytes.CutPrefix(line, []byte("parent ")); ok {
			parents = append(parents, string(id))
		}
	}
	return parents
}

// Entry is one entry of a tree object. Mode is git's: 40000 a tree,
// 100644 and 100755 a file, 120000 a symbolic link, 160000 a submodule.
// ID is the entry's object ID in hexadecimal.
type Entry struct{ Mode, Name, ID string }

// ParseTree reads a tree object: entries of "MODE NAME\x00" followed by
// the entry's object ID in idLen raw bytes (20 for SHA-1, 32 for
// SHA-256), which is half the length of the tree's own hexadecimal ID.
func ParseTree(data []byte, idLen int) ([]Entry, error) {
	if idLen != 20 && idLen != 32 {
		return nil, fmt.Errorf("object IDs of %d bytes: want 20 (SHA-1) or 32 (SHA-256)", idLen)
	}
	var entries []Entry
	for len(data) > 0 {
		mode, rest, ok := bytes.Cut(data, []byte(" "))
		if !ok || len(mode) == 0 {
			return nil, errors.New("an entry without a mode")
		}
		name, rest, ok := bytes.Cut(rest, []byte{0})
		if !ok || len(name) == 0 || len(rest) < idLen {
			return nil, errors.New("an entry cut short")
		}
		entries = append(entries, Entry{Mode: string(mode), Name: string(name), ID: hex.EncodeToString(rest[:idLen])})
		data = rest[idLen:]
	}
	return entries, nil
}
