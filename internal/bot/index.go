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
//
// Two reads of one repository's policy can race (an installation event
// and a push are queued under different keys). Each read takes a ticket
// before it learns which commit to read (begin), and a read's result is
// written only when no read that began later has written already (put):
// the head of a branch only moves on, so the read that began later read
// the newer commit. A removal counts as a read that began when it was made.
type Index struct {
	mu    sync.RWMutex
	repos map[string]*repoState
	// routes is normalised image → routes, rebuilt on every change.
	routes map[string][]route
	// seq numbers the reads in the order they began; reading holds those
	// in flight, and gone, for the repositories that left the index, the
	// ticket that took each out, as long as an older read is in flight.
	seq     uint64
	reading map[uint64]bool
	gone    map[string]uint64
	// changed, when set, is told the counts after every change (the
	// gauges); it is called with the lock held.
	changed func(repos, images int)
}

// repoState is what the index knows of one config repository.
type repoState struct {
	repo          forge.Repo
	installation  int64
	defaultBranch string
	// commit is the commit the policy was read at, by the read with
	// ticket read.
	commit string
	read   uint64
	pol    *policy.Policy
}

// NewIndex returns an empty index.
func NewIndex() *Index {
	return &Index{repos: map[string]*repoState{}, routes: map[string][]route{}, reading: map[uint64]bool{}, gone: map[string]uint64{}}
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

// begin starts a read of a repository's policy and returns its ticket;
// end must follow.
func (x *Index) begin() uint64 {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.seq++
	x.reading[x.seq] = true
	return x.seq
}

// end ends the read with ticket t, and forgets the removals no read in
// flight is older than.
func (x *Index) end(t uint64) {
	x.mu.Lock()
	defer x.mu.Unlock()
	delete(x.reading, t)
	oldest := x.seq + 1
	for r := range x.reading {
		oldest = min(oldest, r)
	}
	for name, g := range x.gone {
		if g < oldest {
			delete(x.gone, name)
		}
	}
}

// put writes what the read with ticket t found: a repository's state, or
// nil to remove it. It reports false, and writes nothing, when a read that
// began later has written the repository already.
func (x *Index) put(repo string, st *repoState, t uint64) bool {
	x.mu.Lock()
	defer x.mu.Unlock()
	if cur := x.repos[repo]; (cur != nil && cur.read > t) || x.gone[repo] > t {
		return false
	}
	if st == nil {
		delete(x.repos, repo)
		x.gone[repo] = t
	} else {
		st.read = t
		x.repos[repo] = st
		delete(x.gone, repo)
	}
	x.rebuild()
	return true
}

// set puts a repository's state in the index (nil removes it), over any
// read in flight.
func (x *Index) set(repo string, st *repoState) {
	t := x.begin()
	defer x.end(t)
	x.put(repo, st, t)
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

// removeInstallation drops every repository of an installation, over any
// read in flight.
func (x *Index) removeInstallation(id int64) {
	t := x.begin()
	defer x.end(t)
	x.mu.Lock()
	defer x.mu.Unlock()
	for name, st := range x.repos {
		if st.installation == id {
			delete(x.repos, name)
			x.gone[name] = t
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
	if x.changed != nil {
		x.changed(len(x.repos), len(x.routes))
	}
}

// onChange has fn told the counts of repositories and images now and
// after every change.
func (x *Index) onChange(fn func(repos, images int)) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.changed = fn
	fn(len(x.repos), len(x.routes))
}

// counts returns how many repositories and images the index holds.
func (x *Index) counts() (int, int) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return len(x.repos), len(x.routes)
}
