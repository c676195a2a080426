package bot

import (
	"context"
	"fmt"
	"sync"

	"github.com/google/go-github/v62/github"

	"github.com/stagehand-gitops/stagehand/internal/forge"
)

// AppForges gives each installation of a GitHub App its Forge, all sharing
// one object cache. Forges are cached, so each keeps its branch hints.
type AppForges struct {
	App     *forge.App
	Options forge.Options

	mu     sync.Mutex
	forges map[int64]*forge.Forge
}

// Forge returns the Forge of an installation.
func (a *AppForges) Forge(installationID int64) *forge.Forge {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.forges == nil {
		a.forges = map[int64]*forge.Forge{}
		if a.Options.Objects == nil {
			a.Options.Objects = forge.NewObjectCache(64 << 20)
		}
	}
	f, ok := a.forges[installationID]
	if !ok {
		f = forge.New(a.App.Installation(installationID), a.Options)
		a.forges[installationID] = f
	}
	return f
}

// Forget drops the Forge and the client of an installation that was
// uninstalled or suspended, so that installations coming and going do not
// grow the process. The shared object cache bounds itself.
func (a *AppForges) Forget(installationID int64) {
	a.mu.Lock()
	defer a.mu.Unlock()
	delete(a.forges, installationID)
	a.App.Forget(installationID)
}

// cached returns how many installations have a Forge.
func (a *AppForges) cached() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.forges)
}

// Installations lists the App's installation IDs, authenticating as the App.
func (a *AppForges) Installations(ctx context.Context) ([]int64, error) {
	var ids []int64
	opts := &github.ListOptions{PerPage: 100}
	for {
		list, resp, err := a.App.Client().Apps.ListInstallations(ctx, opts)
		if err != nil {
			return nil, fmt.Errorf("list installations: %w", err)
		}
		for _, in := range list {
			ids = append(ids, in.GetID())
		}
		if resp.NextPage == 0 {
			return ids, nil
		}
		opts.Page = resp.NextPage
	}
}

// Login returns the login the App acts under ("<slug>[bot]").
func (a *AppForges) Login(ctx context.Context) (string, error) { return a.App.Login(ctx) }
