// Package gitobj reads a local repository's objects through one
// `git cat-file` process: commits, trees and blobs asked for in batches,
// each object read once. A git process costs more to start than most of
// what `stagehand check` does with what it reads, so one process serves
// the whole command.
//
// With git 2.36 or later the process is `git cat-file --batch-command
// --buffer`: a batch of names is answered in one buffered write, not an
// object at a time, which costs a reader of thousands of objects more in
// wake-ups than the reading. An older git gets `git cat-file --batch`.
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

// Reader is one `git cat-file` process, started at the first
// Fetch, and what it has read. Commits, trees and blobs are kept by ID
// (their content never changes); other names, such as refs, are asked
// again each time. It is safe for concurrent use; Close ends the process.
type Reader struct {
	ctx context.Context
	dir string

	mu sync.Mutex
	// plain is set when git is older than --batch-command: each name is
	// a line of --batch, answered as soon as it is read.
	plain  bool
	cmd    *exec.Cmd
	in     io.WriteCloser
	out    *bufio.Reader
	err    error // the process could not start, or its output broke off
	stderr bytes.Buffer
	served int // answers read
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
	args := []string{"-C", r.dir, "cat-file", "--batch-command", "--buffer"}
	if r.plain {
		args = []string{"-C", r.dir, "cat-file", "--batch"}
	}
	c := exec.CommandContext(r.ctx, "git", args...)
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
	first := map[string]int{} // a name asked for, and where
	var again [][2]int        // a name asked for twice: where, and where first
	for i, n := range names {
		if strings.ContainsAny(n, "\r\n") || n == "" {
			return nil, fmt.Errorf("git cat-file: %q is no object name", n)
		}
		if c, ok := r.cache[n]; ok {
			out[i] = c
		} else if j, ok := first[n]; ok {
			again = append(again, [2]int{i, j})
		} else {
			first[n] = i
			ask = append(ask, i)
		}
	}
	if len(ask) == 0 {
		return out, nil
	}
	err := r.ask(names, ask, out)
	if err != nil && !r.plain && r.served == 0 && strings.Contains(err.Error(), "batch-command") {
		// git before 2.36 knows no --batch-command and says so.
		r.plain, r.err = true, nil
		r.stderr.Reset()
		err = r.ask(names, ask, out)
	}
	if err != nil {
		return nil, err
	}
	for _, a := range again {
		out[a[0]] = out[a[1]]
	}
	return out, nil
}

// ask sends names[i] for each i in ask and reads the answers into out.
func (r *Reader) ask(names []string, ask []int, out []Object) error {
	if err := r.start(); err != nil {
		return err
	}
	var req bytes.Buffer
	for _, i := range ask {
		if !r.plain {
			req.WriteString("contents ")
		}
		req.WriteString(names[i])
		req.WriteByte('\n')
	}
	if !r.plain {
		req.WriteString("flush\n")
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
			return r.err
		}
		r.served++
		out[i] = obj
		if obj.Kind == "commit" || obj.Kind == "tree" || obj.Kind == "blob" {
			r.cache[obj.ID] = obj
		}
	}
	if err := <-wrote; err != nil {
		r.err = fmt.Errorf("git cat-file: %w", err)
		return r.err
	}
	return nil
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
	line, err := r.ReadSlice('\n')
	if err != nil {
		if err == io.EOF || err == bufio.ErrBufferFull {
			err = fmt.Errorf("answer %q: %w", line, io.ErrUnexpectedEOF)
		}
		return Object{}, err
	}
	header := line[:len(line)-1]
	if sp := bytes.LastIndexByte(header, ' '); sp > 0 {
		if kind := string(header[sp+1:]); kind == "missing" || kind == "ambiguous" {
			return Object{Kind: kind}, nil
		}
	}
	id, rest, _ := bytes.Cut(header, []byte(" "))
	kind, sizeText, _ := bytes.Cut(rest, []byte(" "))
	size, err := strconv.Atoi(string(sizeText))
	if err != nil || size < 0 || !isHex(id) || bytes.IndexByte(sizeText, ' ') >= 0 {
		return Object{}, fmt.Errorf("unexpected answer %q", header)
	}
	obj := Object{ID: string(id), Kind: kindName(kind)}
	if obj.Kind == "" {
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
		return Object{}, fmt.Errorf("object %s: no newline after its %d bytes", obj.ID, size)
	}
	obj.Data = buf[:size]
	return obj, nil
}

// kindName is kind as a string, without allocating for git's four kinds;
// "" when kind is empty.
func kindName(kind []byte) string {
	switch string(kind) {
	case "blob":
		return "blob"
	case "tree":
		return "tree"
	case "commit":
		return "commit"
	case "tag":
		return "tag"
	}
	return string(kind)
}

func isHex(s []byte) bool {
	if len(s) != 40 && len(s) != 64 {
		return false
	}
	for _, c := range s {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
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
	entries := make([]Entry, 0, bytes.Count(data, []byte{0}))
	for len(data) > 0 {
		mode, rest, ok := bytes.Cut(data, []byte(" "))
		if !ok || len(mode) == 0 {
			return nil, errors.New("an entry without a mode")
		}
		name, rest, ok := bytes.Cut(rest, []byte{0})
		if !ok || len(name) == 0 || len(rest) < idLen {
			return nil, errors.New("an entry cut short")
		}
		entries = append(entries, Entry{Mode: modeName(mode), Name: string(name), ID: hex.EncodeToString(rest[:idLen])})
		data = rest[idLen:]
	}
	return entries, nil
}

// modeName is mode as a string, without allocating for the modes git
// writes.
func modeName(mode []byte) string {
	switch string(mode) {
	case "100644":
		return "100644"
	case "40000":
		return "40000"
	case "100755":
		return "100755"
	case "120000":
		return "120000"
	case "160000":
		return "160000"
	}
	return string(mode)
}
