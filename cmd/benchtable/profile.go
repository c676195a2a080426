package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// profileRuns is how many cold promotions the profile covers.
const profileRuns = 2000

// Frames of the profile the row reads, by pprof's names.
const (
	proposeFrame   = "github.com/stagehand-gitops/stagehand/internal/forge.(*Forge).Propose"
	simFrame       = "github.com/stagehand-gitops/stagehand/internal/githubsim.(*router).ServeHTTP"
	simValidate    = "github.com/stagehand-gitops/stagehand/internal/githubsim/contract.(*Validator).Validate"
	jsonDecode     = "encoding/json.(*Decoder).Decode"
	newRequest     = "github.com/google/go-github/v62/github.(*Client).NewRequest"
	httpClientDo   = "net/http.(*Client).do"
	ownPackages    = "github.com/stagehand-gitops/stagehand/internal/"
	simPackages    = "github.com/stagehand-gitops/stagehand/internal/githubsim"
	proposeFocusRE = `forge\.\(\*Forge\)\.Propose`
)

// promotionProfile profiles cold promotions (forge's BenchmarkPromotion/cold:
// one app into one environment on githubsim, a new process's caches each
// time) with pprof, and says what Stagehand's side of one spends its CPU
// on, beside what the simulated GitHub spends answering it. A promotion's
// wall time is GitHub's (its calls and their latency); this row is the
// CPU that remains.
func promotionProfile(s *setup) ([]row, error) {
	prof, bin := filepath.Join(s.work, "promotion.prof"), filepath.Join(s.work, "forge.test")
	res, err := goBench("./internal/forge", "^BenchmarkPromotion/cold$", "-benchtime", fmt.Sprintf("%dx", profileRuns), "-cpuprofile", prof, "-o", bin)
	if err != nil {
		return nil, err
	}
	if _, ok := res["forge.BenchmarkPromotion/cold"]; !ok {
		return nil, fmt.Errorf("no BenchmarkPromotion/cold in the output")
	}
	whole, err := pprofTop(bin, prof)
	if err != nil {
		return nil, err
	}
	focused, err := pprofTop(bin, prof, "-focus="+proposeFocusRE)
	if err != nil {
		return nil, err
	}
	propose := focused.cum[proposeFrame]
	sim := whole.cum[simFrame]
	if propose == 0 || sim == 0 {
		return nil, fmt.Errorf("the profile holds no %s or %s", proposeFrame, simFrame)
	}
	share := func(d time.Duration) float64 { return 100 * float64(d) / float64(propose) }
	var own time.Duration // this module's code itself, the simulator's left out
	for name, flat := range focused.flat {
		if strings.HasPrefix(name, ownPackages) && !strings.HasPrefix(name, simPackages) {
			own += flat
		}
	}
	per := func(d time.Duration) string { return ms(d / profileRuns) }
	return []row{{
		benchmark: "CPU profile of a cold promotion (pprof, forge.Propose)",
		stagehand: fmt.Sprintf("%s CPU a promotion: decoding GitHub's JSON answers %.0f%%, the HTTP client and its cache and rate-limit transports %.0f%%, encoding requests %.0f%%; this module's own code %.0f%%",
			per(propose), share(focused.cum[jsonDecode]), share(focused.cum[httpClientDo]), share(focused.cum[newRequest]), share(own)),
		peer: fmt.Sprintf("the simulated GitHub answering: %s CPU a promotion, %.0f%% of it checking requests and answers against the OpenAPI description",
			per(sim), 100*float64(whole.cum[simValidate])/float64(sim)),
		notes: fmt.Sprintf("BenchmarkPromotion/cold, %d promotions of 6 calls; `go tool pprof -top -cum -focus=%s`; shares of forge.Propose's CPU; a promotion's wall time is its GitHub calls", profileRuns, proposeFocusRE),
	}}, nil
}

// topTable is what `go tool pprof -top` lists: each function's flat and
// cumulative time.
type topTable struct{ flat, cum map[string]time.Duration }

// pprofTop runs `go tool pprof -top` on a profile, every node listed.
func pprofTop(bin, prof string, args ...string) (topTable, error) {
	argv := append([]string{"tool", "pprof", "-top", "-cum", "-nodecount=100000"}, args...)
	cmd := exec.Command("go", append(argv, bin, prof)...)
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return topTable{}, fmt.Errorf("go %s: %w", strings.Join(argv, " "), err)
	}
	return parseTop(out)
}

// parseTop reads pprof's -top listing: a header, then lines of "flat
// flat% sum% cum cum% name".
func parseTop(out []byte) (topTable, error) {
	t := topTable{flat: map[string]time.Duration{}, cum: map[string]time.Duration{}}
	sc := bufio.NewScanner(bytes.NewReader(out))
	body := false
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if !body {
			body = len(f) >= 5 && f[0] == "flat" && f[3] == "cum"
			continue
		}
		if len(f) < 6 {
			continue
		}
		flat, err1 := time.ParseDuration(f[0])
		cum, err2 := time.ParseDuration(f[3])
		if err1 != nil || err2 != nil {
			return t, fmt.Errorf("pprof line %q: want durations", sc.Text())
		}
		name := f[5] // "(inline)" may follow
		t.flat[name] += flat
		t.cum[name] = max(t.cum[name], cum)
	}
	if !body {
		return t, fmt.Errorf("no pprof -top table in %q", out)
	}
	return t, sc.Err()
}
