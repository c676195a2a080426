package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"strconv"
	"strings"
)

// result is one benchmark's line of `go test -bench` output: its figures
// by unit ("ns/op", "allocs/op", "deliveries/s", …).
type result map[string]float64

// parseBench reads `go test -bench` output and returns each benchmark's
// figures by name, the -N GOMAXPROCS suffix removed. After a "pkg:" line
// the name is qualified by the package's last element ("bot.BenchmarkX"),
// as one run of several packages may hold the same benchmark name twice.
func parseBench(r io.Reader) (map[string]result, error) {
	out := map[string]result{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	pkg := ""
	for sc.Scan() {
		if p, ok := strings.CutPrefix(sc.Text(), "pkg: "); ok {
			pkg = path.Base(strings.TrimSpace(p)) + "."
			continue
		}
		f := strings.Fields(sc.Text())
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") || len(f)%2 != 0 {
			continue
		}
		if _, err := strconv.Atoi(f[1]); err != nil {
			continue
		}
		res := result{}
		for i := 2; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				res = nil
				break
			}
			res[f[i+1]] = v
		}
		if res != nil {
			out[pkg+trimProcs(f[0])] = res
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read benchmark output: %w", err)
	}
	return out, nil
}

// trimProcs drops the "-2" that go test appends for GOMAXPROCS.
func trimProcs(name string) string {
	i := strings.LastIndexByte(name, '-')
	if i < 0 {
		return name
	}
	if _, err := strconv.Atoi(name[i+1:]); err != nil {
		return name
	}
	return name[:i]
}

// goBench runs the benchmarks matching pattern in pkg (packages separated
// by spaces) and returns their figures.
func goBench(pkg, pattern string, args ...string) (map[string]result, error) {
	argv := append([]string{"test", "-run", "^$", "-bench", pattern, "-benchmem"}, args...)
	cmd := exec.Command("go", append(argv, strings.Fields(pkg)...)...)
	var stdout bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("go %s: %w\n%s", strings.Join(argv, " "), err, stdout.String())
	}
	res, err := parseBench(&stdout)
	if err != nil {
		return nil, err
	}
	if len(res) == 0 {
		return nil, fmt.Errorf("no benchmark matched %s in %s", pattern, pkg)
	}
	return res, nil
}

// need returns a benchmark's figure or an error naming what is missing.
func need(res map[string]result, name, unit string) (float64, error) {
	r, ok := res[name]
	if !ok {
		return 0, fmt.Errorf("benchmark %s did not run", name)
	}
	v, ok := r[unit]
	if !ok {
		return 0, fmt.Errorf("benchmark %s reported no %s", name, unit)
	}
	return v, nil
}

// needAll returns several figures of one benchmark, in order.
func needAll(res map[string]result, name string, units ...string) ([]float64, error) {
	out := make([]float64, len(units))
	for i, unit := range units {
		v, err := need(res, name, unit)
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}
