package forge

import (
	"errors"
	"io/fs"
	"maps"
	"testing"

	"github.com/stagehand-gitops/stagehand/internal/githubsim"
)

func errorsIsNotExist(err error) bool { return errors.Is(err, fs.ErrNotExist) }

// assertOps fails unless exactly the given operations were called, that many times.
func assertOps(t testing.TB, got githubsim.Calls, want map[string]int) {
	t.Helper()
	have := map[string]int{}
	for op, n := range got.ByOperation {
		if n > 0 {
			have[op] = n
		}
	}
	if !maps.Equal(have, want) {
		t.Fatalf("calls = %v, want %v", have, want)
	}
}
