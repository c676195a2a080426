package main

import (
	"testing"
	"time"
)

// topOutput is `go tool pprof -top -cum` as it prints, cut short.
const topOutput = `File: forge.test
Type: cpu
Duration: 2.81s, Total samples = 2.06s (73.37%)
Showing nodes accounting for 1.32s, 64.08% of 2.06s total
      flat  flat%   sum%        cum   cum%
         0     0%     0%      1.13s 54.85%  net/http.(*conn).serve
         0     0%     0%      0.29s 14.08%  github.com/stagehand-gitops/stagehand/internal/forge.(*Forge).Propose
     0.02s  0.97%  0.97%      0.14s  6.80%  encoding/json.(*Decoder).Decode
      10ms  0.49%  1.46%       10ms  0.49%  github.com/stagehand-gitops/stagehand/internal/forge.changes (inline)
`

func TestParseTop(t *testing.T) {
	top, err := parseTop([]byte(topOutput))
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]time.Duration{
		"net/http.(*conn).serve": 1130 * time.Millisecond,
		proposeFrame:             290 * time.Millisecond,
		jsonDecode:               140 * time.Millisecond,
		"github.com/stagehand-gitops/stagehand/internal/forge.changes": 10 * time.Millisecond,
	} {
		if got := top.cum[name]; got != want {
			t.Errorf("cum %s = %v, want %v", name, got, want)
		}
	}
	if got := top.flat[jsonDecode]; got != 20*time.Millisecond {
		t.Errorf("flat = %v, want 20ms", got)
	}
	if _, err := parseTop([]byte("no table here")); err == nil {
		t.Error("a listing without its table parsed")
	}
}
