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
	"strings"
)

// hey's load: requests per mode and how many are in flight at once, as
// GitHub sends deliveries from many hosts.
const (
	heyRequests = 20_000
	heyClients  = 32
)

// secretEnv passes the webhook secret to the intake process.
const secretEnv = "BENCHTABLE_WEBHOOK_SECRET"

// heyIngest drives the webhook intake, served by a process of its own on
// loopback, with hey: signed 7.8 KB push deliveries, every ID new or one ID
// repeated. With two cores or more the two processes are pinned to
// different cores, so the load generator does not take the server's.
func heyIngest(s *setup) ([]row, error) {
	const name = "webhook ingest over loopback, hey → intake process"
	hey, err := exec.LookPath("hey")
	if err != nil {
		return []row{{benchmark: name, notes: "skipped: hey is not on PATH (Debian package hey; make bench installs it with apt-get when it runs as root)"}}, nil
	}
	body, err := os.ReadFile("testdata/webhooks/push.json")
	if err != nil {
		return nil, fmt.Errorf("read the push delivery: %w", err)
	}
	bodyFile := filepath.Join(s.work, "push.json")
	if err := os.WriteFile(bodyFile, body, 0o644); err != nil {
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
		argv := append(clientCPU, hey, "-n", fmt.Sprint(heyRequests), "-c", fmt.Sprint(heyClients), "-m", "POST",
			"-D", bodyFile, "-T", "application/json", "-disable-compression",
			"-H", "X-GitHub-Event: push", "-H", "X-GitHub-Delivery: 72d3162e-cc78-11e3-81ab-000000000000", "-H", "X-Hub-Signature-256: "+sig, url)
		out, runErr := exec.Command(argv[0], argv[1:]...).Output()
		handled, stopErr := stop()
		if err := errors.Join(runErr, stopErr); err != nil {
			return nil, fmt.Errorf("hey against the %s intake: %w", mode, err)
		}
		st, err := parseHey(strings.NewReader(string(out)))
		if err != nil {
			return nil, err
		}
		r, err := heyRow(mode, st, handled, pinned)
		if err != nil {
			return nil, err
		}
		rows = append(rows, r)
	}
	return rows, nil
}

// heyRow checks what the intake answered and did, and makes the row.
func heyRow(mode string, st heyStats, handled int, pinned string) (row, error) {
	want := map[string][2]int{"unique": {heyRequests, 0}, "duplicate": {1, heyRequests - 1}}[mode]
	if st.status[202] != want[0] || st.status[200] != want[1] || handled != want[0] {
		return row{}, fmt.Errorf("%s delivery IDs: answers %v and %d jobs run, want %d × 202, %d × 200 and %d jobs",
			mode, st.status, handled, want[0], want[1], want[0])
	}
	return row{
		benchmark: fmt.Sprintf("webhook ingest over loopback (hey), %s delivery IDs (signed 7.8 KB push)", mode),
		stagehand: fmt.Sprintf("%.0f/s, p50 %.2f ms, p99 %.2f ms", st.rate, st.p50*1e3, st.p99*1e3),
		peer:      fmt.Sprintf("goal: %d/s, p99 < 5 ms", ingestGoal),
		ratio:     fmt.Sprintf("%.2f× the goal", st.rate/ingestGoal),
		notes: fmt.Sprintf("%d deliveries, %d keep-alive clients; %s; %s; %d jobs ran",
			heyRequests, heyClients, pinned, idNotes[mode], handled),
	}, nil
}

var idNotes = map[string]string{
	"unique":    "the intake numbers delivery IDs as they arrive (hey sends one header set)",
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
	return []string{ts, "-c", "0"}, []string{ts, "-c", "1"}, "server pinned to core 0, hey to core 1"
}

// startIntake starts this program as the intake process and returns the
// webhook URL it serves, and stop, which ends it and returns how many
// jobs it ran.
func startIntake(prefix []string, mode, secret string) (string, func() (int, error), error) {
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
	stop := func() (int, error) {
		stdin.Close()
		var handled int
		if lines.Scan() {
			_, _ = fmt.Sscanf(lines.Text(), "handled %d", &handled)
		}
		_, _ = io.Copy(io.Discard, stdout)
		return handled, cmd.Wait()
	}
	return url, stop, nil
}

// heyStats is what hey's summary says.
type heyStats struct {
	rate, p50, p99 float64     // requests/s; seconds
	status         map[int]int // responses by status code
}

// parseHey reads hey's default summary.
func parseHey(r io.Reader) (heyStats, error) {
	st := heyStats{status: map[int]int{}}
	var rate, p50, p99 bool
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		var code, n int
		switch {
		case strings.HasPrefix(line, "Requests/sec:"):
			rate = scanned(line, "Requests/sec: %g", &st.rate)
		case strings.HasPrefix(line, "50% in "):
			p50 = scanned(line, "50%% in %g secs", &st.p50)
		case strings.HasPrefix(line, "99% in "):
			p99 = scanned(line, "99%% in %g secs", &st.p99)
		case strings.HasPrefix(line, "["):
			if _, err := fmt.Sscanf(line, "[%d] %d responses", &code, &n); err == nil {
				st.status[code] += n
			}
		}
	}
	if err := sc.Err(); err != nil {
		return heyStats{}, fmt.Errorf("read hey's summary: %w", err)
	}
	if !rate || !p50 || !p99 {
		return heyStats{}, errors.New("hey's summary lacks its Requests/sec, 50% or 99% line")
	}
	return st, nil
}

func scanned(line, format string, v *float64) bool {
	_, err := fmt.Sscanf(line, format, v)
	return err == nil
}
