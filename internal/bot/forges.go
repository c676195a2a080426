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
	self   string // the App's bot login, once read
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

// Self returns the login the App acts as ("<slug>[bot]"), read once from
// GitHub with the App's own credentials: the author of Stagehand's pull
// requests.
func (a *AppForges) Self(ctx context.Context) (string, error) {
	a.mu.Lock()
	self := a.self
	a.mu.Unlock()
	if self != "" {
		return self, nil
	}
	app, _, err := a.App.Client().Apps.Get(ctx, "")
	if err != nil {
		return "", fmt.Errorf("read the App: %w", err)
	}
	if app.GetSlug() == "" {
		return "", fmt.Errorf("the App has no slug")
	}
	a.mu.Lock()
	a.self = app.GetSlug() + "[bot]"
	a.mu.Unlock()
	return app.GetSlug() + "[bot]", nil
}
