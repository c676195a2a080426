package board

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/stagehand-gitops/stagehand/internal/bot"
)

// History is one app's history, as the history page shows it and
// /api/v1/repos/{owner}/{repo}/apps/{app}/history returns it.
type History struct {
	Repo    string   `json:"repo"`
	App     string   `json:"app"`
	Changes []Change `json:"changes"`
}

// Change is one commit that changed what an environment runs.
type Change struct {
	Env    string `json:"env"`
	SHA    string `json:"sha"`
	URL    string `json:"url"`
	Title  string `json:"title"`
	Author string `json:"author"`
	When   string `json:"when"`
	// Rollback is set for a /rollback's commit.
	Rollback bool `json:"rollback,omitempty"`
}

func newHistory(repo, app string, changes []bot.Change) History {
	h := History{Repo: repo, App: app, Changes: []Change{}}
	for _, c := range changes {
		h.Changes = append(h.Changes, Change{Env: c.Env, SHA: c.SHA, URL: c.URL, Title: c.Title, Author: c.Author,
			When: c.When.UTC().Format("2006-01-02T15:04:05Z"), Rollback: strings.Contains(strings.ToLower(c.Title), "roll back") || strings.Contains(strings.ToLower(c.Title), "rollback")})
	}
	return h
}

// history reads app's history in the request's repository, which the
// session's user must be able to read.
func (h *Handler) history(ctx context.Context, s session, repo, app string) (History, error) {
	v, err := h.readable(ctx, s, repo)
	if err != nil {
		return History{}, err
	}
	found := false
	for _, a := range v.Apps {
		found = found || a.App == app
	}
	if !found {
		return History{}, errNoAccess
	}
	if hist, ok := h.cachedHistory(v, app); ok {
		return hist, nil
	}
	changes, err := h.cfg.Source.History(ctx, v.Repo, app)
	if err != nil {
		return History{}, err
	}
	hist := newHistory(v.Repo, app, changes)
	if v.Head == "" {
		return hist, nil
	}
	h.mu.Lock()
	if c := h.histories[v.Repo]; c.head != v.Head || c.apps == nil {
		h.histories[v.Repo] = historiesAt{head: v.Head, apps: map[string]History{}}
	}
	h.histories[v.Repo].apps[app] = hist
	h.mu.Unlock()
	return hist, nil
}

// historiesAt are a repository's app histories read at one head of its
// default branch: the history only changes with a new commit there.
type historiesAt struct {
	head string
	apps map[string]History
}

// cachedHistory returns app's history read at the head v was read at.
// A view without a head (its facts did not say) is never cached.
func (h *Handler) cachedHistory(v View, app string) (History, bool) {
	if v.Head == "" {
		return History{}, false
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	c := h.histories[v.Repo]
	hist, ok := c.apps[app]
	return hist, ok && c.head == v.Head
}

// appHistory answers the history page and its API.
func (h *Handler) appHistory(w http.ResponseWriter, r *http.Request) {
	s, ok := h.signedIn(w, r)
	if !ok {
		return
	}
	hist, err := h.history(r.Context(), s, r.PathValue("owner")+"/"+r.PathValue("repo"), r.PathValue("app"))
	switch {
	case errors.Is(err, errNoAccess):
		h.fail(w, r, http.StatusNotFound, "no such app or repository, or you cannot read it")
	case err != nil:
		h.fail(w, r, http.StatusBadGateway, err.Error())
	case isAPI(r):
		writeJSON(w, http.StatusOK, hist)
	default:
		h.render(w, http.StatusOK, "history", page{Title: hist.App + " · " + hist.Repo, Login: s.Login, CSRF: s.CSRF, Data: hist})
	}
}
