package githubsim

import (
	"fmt"
	"sync"

	"github.com/stagehand-gitops/stagehand/internal/githubsim/contract"
)

var (
	contractOnce sync.Once
	contractV    *contract.Validator
	contractErr  error
)

// defaultValidator loads GitHub's trimmed API description once per process.
func defaultValidator() (Validator, error) {
	contractOnce.Do(func() { contractV, contractErr = contract.Load() })
	if contractErr != nil {
		return nil, fmt.Errorf("load api contract: %w", contractErr)
	}
	return contractV, nil
}
