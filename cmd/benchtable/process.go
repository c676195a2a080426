package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/stagehand-gitops/stagehand/internal/inittrace"
)

// smallKustomization is the small case: one overlay with one image, the
// file CI steps run `kustomize edit set image` on.
const smallKustomization = `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - deployment.yaml
images:
  - name: ghcr.io/acme/order-service
    newTag: 1.4.0
`

const smallImage = "ghcr.io/acme/order-service:1.5.0"

// sample is one process run: wall time and peak resident memory.
type sample struct {
	wall time.Duration
	rss  int64 // bytes
}

// proc is a command line run as a whole process.
type proc struct {
	argv []string
	dir  string
	ok   []int // exit codes that count as success (default 0)
	env  []string
}

func (p proc) run() (sample, []byte, error) {
	cmd := exec.Command(p.argv[0], p.argv[1:]...)
	cmd.Dir = p.dir
	cmd.Env = append(os.Environ(), p.env...)
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = nil, &stderr
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start)
	code := cmd.ProcessState.ExitCode()
	ok := slices.Contains(p.ok, code) || (len(p.ok) == 0 && code == 0)
	if !ok || (err != nil && code < 0) {
		return sample{}, nil, fmt.Errorf("%s: exit %d: %v\n%s", strings.Join(p.argv, " "), code, err, stderr.String())
	}
	var rss int64
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		rss = ru.Maxrss * 1024 // kilobytes on Linux
	}
	return sample{wall: wall, rss: rss}, stderr.Bytes(), nil
}

// medians returns the median wall time and peak memory.
func medians(ss []sample) (time.Duration, int64) {
	walls := make([]time.Duration, len(ss))
	rss := make([]int64, len(ss))
	for i, s := range ss {
		walls[i], rss[i] = s.wall, s.rss
	}
	slices.Sort(walls)
	slices.Sort(rss)
	return walls[len(walls)/2], rss[len(rss)/2]
}

// alternate runs a and b in turn, runs times each after one warm-up run.
func alternate(a, b proc, runs int) (as, bs []sample, err error) {
	for i := -1; i < runs; i++ {
		sa, _, err := a.run()
		if err != nil {
			return nil, nil, err
		}
		sb, _, err := b.run()
		if err != nil {
			return nil, nil, err
		}
		if i >= 0 {
			as, bs = append(as, sa), append(bs, sb)
		}
	}
	return as, bs, nil
}

// wholeProcess times the offline commands as CI runs them, one process per
// call, each alternating with `kustomize edit set image` on the small case.
func wholeProcess(s *setup) ([]row, error) {
	edit, peerEdit, repo, err := processFixtures(s)
	if err != nil {
		return nil, err
	}
	peer := proc{argv: []string{s.kustomize, "edit", "set", "image", smallImage}, dir: peerEdit}
	cmds := []struct {
		name string
		p    proc
	}{
		{"set-image", proc{argv: []string{s.stagehand, "set-image", "--dir", edit, smallImage}}},
		{"plan", proc{argv: []string{s.stagehand, "plan", "--dir", repo, "--image", "registry.demo.local/acme/order-service:v1.4.1"}}},
		{"explain", proc{argv: []string{s.stagehand, "explain", "--dir", repo, "--app", "order-service", "--env", "staging", "--tags", "v1.3.2,v1.4.0,v1.4.1"}}},
		{"status", proc{argv: []string{s.stagehand, "status", "--dir", repo}}},
		{"check", proc{argv: []string{s.stagehand, "check", "--dir", repo, "--base", "HEAD~1", "--head", "HEAD", "--now", "2026-01-01T00:00:00Z"}, ok: []int{0, 1}}},
	}
	var rows []row
	for _, c := range cmds {
		as, bs, err := alternate(c.p, peer, s.runs)
		if err != nil {
			return nil, err
		}
		aw, ar := medians(as)
		bw, br := medians(bs)
		rows = append(rows, row{
			benchmark: fmt.Sprintf("`stagehand %s` (whole process)", c.name),
			stagehand: fmt.Sprintf("%s, %s RSS", ms(aw), mib(ar)),
			peer:      fmt.Sprintf("`kustomize edit set image`: %s, %s RSS", ms(bw), mib(br)),
			ratio:     fmt.Sprintf("%.1f× faster", float64(bw)/float64(aw)),
			notes:     fmt.Sprintf("median of %d alternating runs on the small case; goal ≥ 2× and < 20 MiB", s.runs),
		})
	}
	return rows, nil
}

// processFixtures writes the small kustomization twice (one copy per tool)
// and a git checkout of testdata/demo-repo whose last commit bumps dev.
func processFixtures(s *setup) (edit, peerEdit, repo string, err error) {
	edit, peerEdit, repo = filepath.Join(s.work, "edit"), filepath.Join(s.work, "peer"), filepath.Join(s.work, "repo")
	for _, d := range []string{edit, peerEdit} {
		if err := writeFiles(d, map[string]string{"kustomization.yaml": smallKustomization,
			"deployment.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: order-service\n"}); err != nil {
			return "", "", "", err
		}
	}
	if err := os.CopyFS(repo, os.DirFS("testdata/demo-repo")); err != nil {
		return "", "", "", fmt.Errorf("copy the demo repository: %w", err)
	}
	dev := filepath.Join(repo, "apps/order-service/overlays/dev/kustomization.yaml")
	steps := [][]string{
		{"init", "-q", "-b", "main"}, {"add", "-A"}, {"commit", "-q", "-m", "seed"},
	}
	if err := gitSteps(repo, steps); err != nil {
		return "", "", "", err
	}
	return edit, peerEdit, repo, bump(repo, dev, "Promote order-service to dev")
}

// bump commits file with its first v1.3.2 made v1.4.0.
func bump(repo, file, message string) error {
	b, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	if err := os.WriteFile(file, bytes.Replace(b, []byte("v1.3.2"), []byte("v1.4.0"), 1), 0o644); err != nil {
		return err
	}
	return gitSteps(repo, [][]string{{"commit", "-q", "-am", message}})
}

func gitSteps(dir string, steps [][]string) error {
	for _, st := range steps {
		cmd := exec.Command("git", append([]string{"-c", "user.name=bench", "-c", "user.email=bench@example.com"}, st...)...)
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("git %s: %w\n%s", strings.Join(st, " "), err, out)
		}
	}
	return nil
}

func writeFiles(dir string, files map[string]string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// packageInit sums GODEBUG=inittrace=1 over `version`, for the production
// command line, for stagehand-server beside it (which serve hands over to)
// and, beside each, the build with the sandbox in.
func packageInit(s *setup) ([]row, error) {
	var full *initStats
	if _, err := os.Stat(s.sandbox); err == nil {
		f, err := initFigures(s.sandbox, s.runs)
		if err != nil {
			return nil, err
		}
		full = &f
	}
	var rows []row
	for _, b := range []struct{ bin, what string }{
		{s.stagehand, "package init before main (`stagehand version`)"},
		{filepath.Join(filepath.Dir(s.stagehand), "stagehand-server"), "package init before main (`stagehand-server version`, which `stagehand serve` runs)"},
	} {
		if _, err := os.Stat(b.bin); err != nil {
			return nil, fmt.Errorf("%s: %w (make build writes it)", b.what, err)
		}
		lean, err := initFigures(b.bin, s.runs)
		if err != nil {
			return nil, err
		}
		r := row{
			benchmark: b.what,
			stagehand: lean.String(),
			notes:     fmt.Sprintf("GODEBUG=inittrace=1, median of %d runs; goal < 3 ms; bytes do not depend on load", s.runs),
		}
		if full != nil {
			r.peer = "stagehand-sandbox: " + full.String()
			r.ratio = fmt.Sprintf("%.1f× less time, %.1f× fewer bytes", float64(full.clock)/float64(lean.clock), float64(full.bytes)/float64(lean.bytes))
		}
		rows = append(rows, r)
	}
	return rows, nil
}

type initStats struct {
	clock    time.Duration
	bytes    int64
	packages int
}

func (i initStats) String() string {
	return fmt.Sprintf("%s, %.2f MB allocated, %d packages", ms(i.clock), float64(i.bytes)/1e6, i.packages)
}

func initFigures(bin string, runs int) (initStats, error) {
	p := proc{argv: []string{bin, "version"}, env: []string{"GODEBUG=inittrace=1"}}
	var clocks []time.Duration
	var last inittrace.Trace
	for range runs {
		_, stderr, err := p.run()
		if err != nil {
			return initStats{}, err
		}
		t, err := inittrace.Parse(bytes.NewReader(stderr))
		if err != nil {
			return initStats{}, err
		}
		if len(t) == 0 {
			return initStats{}, errors.New(bin + " printed no init trace")
		}
		clocks = append(clocks, t.Clock())
		last = t
	}
	slices.Sort(clocks)
	return initStats{clock: clocks[len(clocks)/2], bytes: last.Bytes(), packages: len(last)}, nil
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond)) }

func mib(b int64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }
