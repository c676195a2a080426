// Package chartexec renders charts through the stagehand-render program,
// a separate binary that links Helm. Helm's packages register client-go's
// scheme and build their schemas while Go initialises them, before main
// runs, so linking them into stagehand would make every command start
// slower; a check that renders a chart runs stagehand-render as a
// subprocess instead, sending the chart's files on its standard input.
//
// The package holds both sides of the exchange (Request, Response) and
// the caller; it imports nothing of Helm.
package chartexec

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"testing/fstest"
	"time"
)

// Program is the renderer's file name; Env names an explicit path to it.
const (
	Program = "stagehand-render"
	Env     = "STAGEHAND_HELM_RENDERER"
)

// Timeout bounds one render; a chart that loops in its templates fails
// the check instead of holding the repository's queue.
const Timeout = 30 * time.Second

// MaxRequest bounds the chart files one request carries.
const MaxRequest = 64 << 20

// Request is what stagehand sends: the chart directory and the values
// file, both paths inside Files, which holds every file under the chart
// directory and the values file.
type Request struct {
	Chart  string            `json:"chart"`
	Values string            `json:"values"`
	Files  map[string][]byte `json:"files"` // base64 in JSON: a chart may hold any bytes
}

// Response is what stagehand-render answers: how many manifests the
// chart made, or why it did not render.
type Response struct {
	Manifests int    `json:"manifests"`
	Error     *Fault `json:"error,omitempty"`
}

// Fault is a render that did not succeed. With a File it is a failure
// located in the repository (the check fails); with NotRendered the chart
// could not be rendered from the repository alone (the check skips).
type Fault struct {
	File        string `json:"file,omitempty"`
	Line        int    `json:"line,omitempty"`
	Message     string `json:"message"`
	NotRendered bool   `json:"notRendered,omitempty"`
}

// Error is a located render failure; its Location names the file.
type Error struct {
	File, Message string
	Line          int
}

func (e *Error) Error() string { return e.Message }

// Location returns the file and line the failure is at.
func (e *Error) Location() (string, int) { return e.File, e.Line }

// ErrNotFound: no stagehand-render was found.
var ErrNotFound = errors.New(Program + " not found")

// DecodeRequest reads a request and returns it with its files as a tree.
// Every path must be a clean relative path (fs.ValidPath), and the chart
// and values paths must be in the request.
func DecodeRequest(data []byte) (Request, fs.FS, error) {
	var req Request
	if err := json.Unmarshal(data, &req); err != nil {
		return req, nil, fmt.Errorf("read the request: %w", err)
	}
	tree := fstest.MapFS{}
	for name, body := range req.Files {
		if !fs.ValidPath(name) || name == "." {
			return req, nil, fmt.Errorf("request: file %q is not a clean relative path", name)
		}
		tree[name] = &fstest.MapFile{Data: body, Mode: 0o644}
	}
	if !fs.ValidPath(req.Chart) {
		return req, nil, fmt.Errorf("request: chart %q is not a clean relative path", req.Chart)
	}
	if _, ok := req.Files[req.Values]; !ok {
		return req, nil, fmt.Errorf("request: the values file %q is not among the files", req.Values)
	}
	if _, ok := req.Files[path.Join(req.Chart, "Chart.yaml")]; !ok {
		return req, nil, fmt.Errorf("request: %s/Chart.yaml is not among the files", req.Chart)
	}
	return req, tree, nil
}

// Locate finds the renderer: explicit (a flag or Env) when given, else
// stagehand-render beside the running executable, else on PATH.
func Locate(explicit string) (string, error) {
	if explicit == "" {
		explicit = os.Getenv(Env)
	}
	if explicit != "" {
		if _, err := os.Stat(explicit); err != nil {
			return "", fmt.Errorf("%w at %s: %v", ErrNotFound, explicit, err)
		}
		return explicit, nil
	}
	var beside string
	if exe, err := os.Executable(); err == nil {
		beside = filepath.Join(filepath.Dir(exe), Program)
		if fi, err := os.Stat(beside); err == nil && !fi.IsDir() {
			return beside, nil
		}
	}
	if p, err := exec.LookPath(Program); err == nil {
		return p, nil
	}
	return "", fmt.Errorf("%w (not beside %s, not on PATH; set --helm-renderer or %s)", ErrNotFound, filepath.Dir(beside), Env)
}

// Renderer returns a checks.Renderer that runs the program at bin. When
// locating it failed (err), every render reports that, so the chart is
// "not rendered" with the reason, never passing.
func Renderer(bin string, err error) func(tree fs.FS, dir, values string) (int, error) {
	if err != nil {
		return func(fs.FS, string, string) (int, error) { return 0, err }
	}
	return func(tree fs.FS, dir, values string) (int, error) { return run(bin, tree, dir, values) }
}

func run(bin string, tree fs.FS, dir, values string) (int, error) {
	req, err := request(tree, dir, values)
	if err != nil {
		return 0, err
	}
	body, err := json.Marshal(req)
	if err != nil {
		return 0, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), Timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin)
	cmd.Stdin = bytes.NewReader(body)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return 0, &Error{File: path.Join(dir, "Chart.yaml"), Line: 1, Message: fmt.Sprintf("%s: helm template did not finish within %s", path.Join(dir, "Chart.yaml"), Timeout)}
		}
		return 0, fmt.Errorf("%s %s: %v: %s", Program, bin, err, strings.TrimSpace(stderr.String()))
	}
	var resp Response
	if err := json.Unmarshal(stdout.Bytes(), &resp); err != nil {
		return 0, fmt.Errorf("%s %s answered no result: %v", Program, bin, err)
	}
	switch f := resp.Error; {
	case f == nil:
		return resp.Manifests, nil
	case f.NotRendered || f.File == "":
		return 0, errors.New(f.Message)
	default:
		return 0, &Error{File: f.File, Line: f.Line, Message: f.Message}
	}
}

// request gathers the chart's files and the values file from tree.
func request(tree fs.FS, dir, values string) (Request, error) {
	req := Request{Chart: dir, Values: values, Files: map[string][]byte{}}
	size := 0
	add := func(name string) error {
		data, err := fs.ReadFile(tree, name)
		if err != nil {
			return err
		}
		if size += len(data); size > MaxRequest {
			return fmt.Errorf("the chart %s and its values are larger than %d MiB", dir, MaxRequest>>20)
		}
		req.Files[name] = data
		return nil
	}
	err := fs.WalkDir(tree, dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !d.Type().IsRegular() {
			return err
		}
		return add(p)
	})
	if err != nil {
		return req, fmt.Errorf("read the chart %s: %w", dir, err)
	}
	if _, ok := req.Files[values]; !ok {
		if err := add(values); err != nil {
			return req, fmt.Errorf("read %s: %w", values, err)
		}
	}
	return req, nil
}
