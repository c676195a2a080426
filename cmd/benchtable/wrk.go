package main

import (
	"bufio"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// The load on the intake: how long, and how many requests are in flight at
// once, as GitHub sends deliveries from many hosts.
const (
	loadDuration = 8 * time.Second
	loadClients  = 32
)

// secretEnv passes the webhook secret to the intake process.
const secretEnv = "BENCHTABLE_WEBHOOK_SECRET"

// wrkScript makes wrk send the signed push: the body and signature come
// from the environment, the headers are GitHub's.
const wrkScript = `wrk.method = "POST"
local f = assert(io.open(os.getenv("BENCHTABLE_BODY"), "rb"))
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "application/json"
wrk.headers["X-GitHub-Event"] = "push"
wrk.headers["X-GitHub-Delivery"] = "72d3162e-cc78-11e3-81ab-000000000000"
wrk.headers["X-Hub-Signature-256"] = os.getenv("BENCHTABLE_SIGNATURE")
`

// wrkIngest drives the webhook intake, served by a process of its own on
// loopback, with wrk (a load generator in C, which costs its core far less
// per request than one in Go): signed 7.8 KB push deliveries, every ID new
// or one ID repeated. With two cores or more the two processes are pinned
// to different cores, so the load generator does not take the server's.
func wrkIngest(s *setup) ([]row, error) {
	const name = "webhook ingest over loopback, wrk → intake process"
	wrk, err := exec.LookPath("wrk")
	if err != nil {
		return []row{{benchmark: name, notes: "skipped: wrk is not on PATH (Debian package wrk; make bench installs it with apt-get when it runs as root)"}}, nil
	}
	body, err := os.ReadFile("testdata/webhooks/push.json")
	if err != nil {
		return nil, fmt.Errorf("read the push delivery: %w", err)
	}
	bodyFile, script := filepath.Join(s.work, "push.json"), filepath.Join(s.work, "push.lua")
	if err := errors.Join(os.WriteFile(bodyFile, body, 0o644), os.WriteFile(script, []byte(wrkScript), 0o644)); err != nil {
		return nil, err
	}
	secret := make([]byte, 32)
	_, _ = rand.Read(secret)
	mac := hmac.New(sha256.New, secret)
	mac.Write(body)
	sig := "sha256=" + hex.EncodeToString(mac.Sum(nil))
	serverCPU, clientCPU, pinned := pinning()
	var rows []row
	for _, mode := range []string{"unique", "duplicate"} {
		url, stop, err := startIntake(serverCPU, mode, hex.EncodeToString(secret))
		if err != nil {
			return nil, err
		}
		argv := append(clientCPU, wrk, "-t1", fmt.Sprintf("-c%d", loadClients), fmt.Sprintf("-d%ds", int(loadDuration.Seconds())),
			"--latency", "-s", script, url)
		cmd := exec.Command(argv[0], argv[1:]...)
		cmd.Env = append(os.Environ(), "BENCHTABLE_BODY="+bodyFile, "BENCHTABLE_SIGNATURE="+sig)
		out, runErr := cmd.Output()
		counts, stopErr := stop()
		if err := errors.Join(runErr, stopErr); err != nil {
			return nil, fmt.Errorf("wrk against the %s intake: %w", mode, err)
		}
		st, err := parseWrk(strings.NewReader(string(out)))
		if err != nil {
			return nil, err
		}
		r, err := wrkRow(mode, st, counts, pinned)
		if err != nil {
			return nil, err
		}
		rows = append(rows, r)
	}
	return rows, nil
}

// wrkRow checks what the intake answered and did, and makes the row.
func wrkRow(mode string, st wrkStats, c intakeCounts, pinned string) (row, error) {
	// wrk counts the responses it read before its time was up; the
	// requests then in flight, one a connection at most, are answered too.
	answered := c.accepted + c.duplicate
	ok := c.other == 0 && answered >= st.requests && answered <= st.requests+loadClients
	switch mode {
	case "unique":
		ok = ok && c.duplicate == 0 && c.handled == c.accepted
	case "duplicate":
		ok = ok && c.accepted == 1 && c.handled == 1
	}
	if !ok || st.requests == 0 {
		return row{}, fmt.Errorf("%s delivery IDs: wrk counted %d responses; the intake answered %d × 202, %d × 200 duplicate, %d other, and ran %d jobs",
			mode, st.requests, c.accepted, c.duplicate, c.other, c.handled)
	}
	return row{
		benchmark: fmt.Sprintf("webhook ingest over loopback (wrk), %s delivery IDs (signed 7.8 KB push)", mode),
		stagehand: fmt.Sprintf("%.0f/s, p50 %.2f ms, p99 %.2f ms", st.rate, ms64(st.p50), ms64(st.p99)),
		peer:      fmt.Sprintf("goal: %d/s, p99 < 5 ms", ingestGoal),
		ratio:     fmt.Sprintf("%.2f× the goal", st.rate/ingestGoal),
		notes: fmt.Sprintf("%d deliveries in %v, %d keep-alive connections; %s; %s; %d jobs ran, %d of them after the load ended (drained in %d ms)",
			st.requests, loadDuration, loadClients, pinned, idNotes[mode], c.handled, c.backlog, c.drainMS),
	}, nil
}

func ms64(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

var idNotes = map[string]string{
	"unique":    "the intake numbers delivery IDs as they arrive (wrk sends one header set)",
	"duplicate": "one delivery ID: the first is queued, the rest answered 200 duplicate",
}

// pinning returns the taskset prefixes for the server and the load
// generator, and says what was done.
func pinning() (server, client []string, note string) {
	if runtime.NumCPU() < 2 {
		return nil, nil, "one core: not pinned"
	}
	ts, err := exec.LookPath("taskset")
	if err != nil {
		return nil, nil, "not pinned: taskset is not on PATH"
	}
	return []string{ts, "-c", "0"}, []string{ts, "-c", "1"}, "server pinned to core 0, wrk to core 1"
}

// intakeCounts are what the intake process answered and ran.
type intakeCounts struct{ accepted, duplicate, other, handled, backlog, drainMS int }

// startIntake starts this program as the intake process and returns the
// webhook URL it serves, and stop, which ends it and returns what it
// answered and how many jobs it ran.
func startIntake(prefix []string, mode, secret string) (string, func() (intakeCounts, error), error) {
	self, err := os.Executable()
	if err != nil {
		return "", nil, err
	}
	argv := append(prefix, self, "-serve-webhook", mode)
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(), secretEnv+"="+secret)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return "", nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return "", nil, err
	}
	if err := cmd.Start(); err != nil {
		return "", nil, fmt.Errorf("start the intake process: %w", err)
	}
	lines := bufio.NewScanner(stdout)
	if !lines.Scan() {
		_ = cmd.Wait()
		return "", nil, errors.New("the intake process printed no address")
	}
	url := lines.Text()
	stop := func() (intakeCounts, error) {
		stdin.Close()
		var c intakeCounts
		var scanErr error
		if lines.Scan() {
			_, scanErr = fmt.Sscanf(lines.Text(), intakeSummary, &c.accepted, &c.duplicate, &c.other, &c.handled, &c.backlog, &c.drainMS)
		}
		_, _ = io.Copy(io.Discard, stdout)
		return c, errors.Join(scanErr, cmd.Wait())
	}
	return url, stop, nil
}

// wrkStats is what wrk's summary says.
type wrkStats struct {
	rate     float64 // requests/s
	p50, p99 time.Duration
	requests int
}

// parseWrk reads wrk's summary, with its latency distribution (--latency).
func parseWrk(r io.Reader) (wrkStats, error) {
	var st wrkStats
	var rate, p50, p99, requests bool
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		switch {
		case len(f) == 2 && f[0] == "Requests/sec:":
			v, err := strconv.ParseFloat(f[1], 64)
			st.rate, rate = v, err == nil
		case len(f) == 2 && f[0] == "50%":
			d, err := time.ParseDuration(f[1])
			st.p50, p50 = d, err == nil
		case len(f) == 2 && f[0] == "99%":
			d, err := time.ParseDuration(f[1])
			st.p99, p99 = d, err == nil
		case len(f) > 2 && f[1] == "requests" && f[2] == "in":
			n, err := strconv.Atoi(f[0])
			st.requests, requests = n, err == nil
		}
	}
	if err := sc.Err(); err != nil {
		return wrkStats{}, fmt.Errorf("read wrk's summary: %w", err)
	}
	if !rate || !p50 || !p99 || !requests {
		return wrkStats{}, errors.New("wrk's summary lacks its Requests/sec, 50%, 99% or requests line (was it run with --latency?)")
	}
	return st, nil
}
