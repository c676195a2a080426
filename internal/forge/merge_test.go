package forge

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/stagehand-gitops/stagehand/internal/githubsim"
)

func TestMerge(t *testing.T) {
	tests := []struct {
		name   string
		faults githubsim.Faults
		sha    func(head string) string
		log    []string
		waits  int
		err    error
	}{
		{
			name:  "mergeable null is polled until computed",
			sha:   func(h string) string { return h },
			log:   []string{"pulls/get 200", "pulls/get 200", "pulls/merge 200"},
			waits: 1,
		},
		{
			name:   "base branch modified is retried after re-reading",
			faults: githubsim.Faults{RefConflicts: 1},
			sha:    func(h string) string { return h },
			log:    []string{"pulls/get 200", "pulls/get 200", "pulls/merge 405", "pulls/get 200", "pulls/merge 200"},
			waits:  2,
		},
		{
			name:  "a moved head is not merged",
			sha:   func(string) string { return "0123456789012345678901234567890123456789" },
			log:   []string{"pulls/get 200", "pulls/get 200"},
			waits: 1,
			err:   ErrHeadMoved,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, envOptions{})
			ctx := context.Background()
			res, err := e.forge.Propose(ctx, testRepo, promotion("v1.1.0"))
			if err != nil {
				t.Fatal(err)
			}
			e.calls()
			e.sim.SetFaults(tt.faults)
			before := len(e.clock.Sleeps())
			merged, err := e.forge.Merge(ctx, testRepo, res.PR.GetNumber(), tt.sha(res.Commit), MergeOptions{Method: "squash"})
			if !errors.Is(err, tt.err) {
				t.Fatalf("err = %v, want %v", err, tt.err)
			}
			// A re-read may be revalidated with the ETag (304) or not, as the
			// pull request changed or not; either is one read.
			log := slices.Clone(e.calls().Log)
			for i, l := range log {
				if l == "pulls/get 304" {
					log[i] = "pulls/get 200"
				}
			}
			if !slices.Equal(log, tt.log) {
				t.Fatalf("calls %v, want %v", log, tt.log)
			}
			if waits := len(e.clock.Sleeps()) - before; waits != tt.waits {
				t.Fatalf("waited %d times", waits)
			}
			if tt.err != nil {
				return
			}
			head, err := e.forge.Head(ctx, testRepo, "main")
			if err != nil || head != merged.GetSHA() || !merged.GetMerged() {
				t.Fatalf("main at %s (%v), merge result %+v", head, err, merged)
			}
		})
	}
}
