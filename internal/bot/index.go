package bot

import (
	"sort"
	"sync"

	"github.com/stagehand-gitops/stagehand/internal/forge"
	"github.com/stagehand-gitops/stagehand/internal/policy"
	"github.com/stagehand-gitops/stagehand/internal/server"
)

// Target is a config repository an image routes to, with the installation
// it is reached through.
type Target = server.Target

// The server routes registry webhooks through the index.
var _ server.Routes = (*Index)(nil)

// route is one image rule of one config repository: which app tracks the
// image there.
type route struct {
	Target
	App   string
	Image string // as the policy or the overlay writes it
}

// Index maps images to the config repositories, apps and image rules that
// track them. It is built from each installed repository's policy on the
// default branch (apps found from the layout included) and is safe for
// concurrent use: the server reads it to route registry webhooks while
// handlers refresh it.
type Index struct {
	mu    sync.RWMutex
	repos map[string]*repoState
	// routes is normalised image → routes, rebuilt on every change.
	routes map[string][]route
}

// repoState is what the index knows of one config repository.
type repoState struct {
	repo          forge.Repo
	installation  int64
	defaultBranch string
	// commit is the commit the policy was read at.
	commit string
	pol    *policy.Policy
}

// NewIndex returns an empty index.
func NewIndex() *Index {
	return &Index{repos: map[string]*repoState{}, routes: map[string][]route{}}
}

// Targets returns the config repositories whose policy tracks image, sorted
// and without duplicates. image may be written any way a kustomization may
// write it; it is normalised.
func (x *Index) Targets(image string) []Target {
	x.mu.RLock()
	defer x.mu.RUnlock()
	var out []Target
	for _, r := range x.routes[policy.NormalizeImage(image)] {
		if len(out) == 0 || out[len(out)-1] != r.Target {
			out = append(out, r.Target)
		}
	}
	return out
}

// Repos returns the config repositories in the index, sorted.
func (x *Index) Repos() []string {
	x.mu.RLock()
	defer x.mu.RUnlock()
	out := make([]string, 0, len(x.repos))
	for name := range x.repos {
		out = append(out, name)
	}
	sort.Strings(out)
	return out
}

// get returns the state of a repository, or nil.
func (x *Index) get(repo string) *repoState {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return x.repos[repo]
}

// set puts a repository's state in the index (nil removes it) and rebuilds
// the routes.
func (x *Index) set(repo string, st *repoState) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if st == nil {
		delete(x.repos, repo)
	} else {
		x.repos[repo] = st
	}
	x.rebuild()
}

// reposOf returns the repositories of an installation in the index.
func (x *Index) reposOf(id int64) []string {
	x.mu.RLock()
	defer x.mu.RUnlock()
	var out []string
	for name, st := range x.repos {
		if st.installation == id {
			out = append(out, name)
		}
	}
	return out
}

// removeInstallation drops every repository of an installation.
func (x *Index) removeInstallation(id int64) {
	x.mu.Lock()
	defer x.mu.Unlock()
	for name, st := range x.repos {
		if st.installation == id {
			delete(x.repos, name)
		}
	}
	x.rebuild()
}

// rebuild recomputes routes from every repository's policy. The caller
// holds the write lock.
func (x *Index) rebuild() {
	routes := map[string][]route{}
	for name, st := range x.repos {
		t := Target{Repo: name, InstallationID: st.installation}
		for _, app := range st.pol.Apps {
			for _, img := range app.Images {
				seen := map[string]bool{}
				for _, n := range append([]string{img.Name}, img.Aliases...) {
					key := policy.NormalizeImage(n)
					if seen[key] {
						continue
					}
					seen[key] = true
					routes[key] = append(routes[key], route{Target: t, App: app.Name, Image: img.Name})
				}
			}
		}
	}
	for _, rs := range routes {
		sort.Slice(rs, func(i, j int) bool {
			if rs[i].Repo != rs[j].Repo {
				return rs[i].Repo < rs[j].Repo
			}
			if rs[i].App != rs[j].App {
				return rs[i].App < rs[j].App
			}
			return rs[i].Image < rs[j].Image
		})
	}
	x.routes = routes
}

// counts returns how many repositories and images the index holds.
func (x *Index) counts() (int, int) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return len(x.repos), len(x.routes)
}
