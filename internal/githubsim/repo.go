package githubsim

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// RepoOptions describes a repository to create.
type RepoOptions struct {
	// Owner and Name make the full name owner/name.
	Owner, Name string
	// Public repositories are readable by every user; repositories are private by default.
	Public bool
	// DefaultBranch defaults to "main".
	DefaultBranch string
	// Collaborators maps user logins to their permission. Users are created as needed.
	Collaborators map[string]Permission
	// NotInstalled keeps the App's installation off this repository.
	NotInstalled bool
}

// repo is one simulated repository and everything attached to it.
type repo struct {
	id            int64
	owner, name   string
	ownerID       int64
	private       bool
	defaultBranch string
	installed     bool
	createdAt     time.Time
	pushedAt      time.Time
	store         *store
	refs          map[string]string // full ref name → sha
	collaborators map[string]Permission
	protections   map[string]*Protection
	parent        *repo // the repository this one is a fork of

	nextNumber  int
	issues      map[int]*issue
	comments    map[int64]*comment
	labels      map[string]*label
	checkRuns   map[int64]*checkRun
	checkSuites map[int64]*checkSuite
	statuses    []*commitStatus
	deployments map[int64]*deployment
}

func (r *repo) fullName() string { return r.owner + "/" + r.name }

// CreateRepo adds an empty repository. Seed it with SeedFS, SeedGit or Push.
func (s *Sim) CreateRepo(o RepoOptions) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	full := o.Owner + "/" + o.Name
	if o.Owner == "" || o.Name == "" {
		return fmt.Errorf("create repo %q: owner and name are required", full)
	}
	if _, ok := s.repos[strings.ToLower(full)]; ok {
		return fmt.Errorf("create repo %s: already exists", full)
	}
	s.newRepoLocked(o, newStore())
	return nil
}

func (s *Sim) newRepoLocked(o RepoOptions, st *store) *repo {
	owner := s.addUserLocked(o.Owner, "User")
	r := &repo{
		id: s.newID(), owner: o.Owner, name: o.Name, ownerID: owner.id,
		private: !o.Public, defaultBranch: o.DefaultBranch, installed: !o.NotInstalled,
		createdAt: s.now(), pushedAt: s.now(), store: st,
		refs: map[string]string{}, collaborators: map[string]Permission{},
		protections: map[string]*Protection{}, issues: map[int]*issue{},
		comments: map[int64]*comment{}, labels: map[string]*label{},
		checkRuns: map[int64]*checkRun{}, checkSuites: map[int64]*checkSuite{},
		deployments: map[int64]*deployment{},
	}
	if r.defaultBranch == "" {
		r.defaultBranch = "main"
	}
	r.collaborators[strings.ToLower(o.Owner)] = PermAdmin
	for login, p := range o.Collaborators {
		s.addUserLocked(login, "User")
		r.collaborators[strings.ToLower(login)] = p
	}
	s.repos[strings.ToLower(r.fullName())] = r
	return r
}

// Fork creates login's fork of a repository (login/name), with the same branches. The
// App is not installed on forks. Forks share the parent's object store: git objects are
// addressed by content, so sharing is what GitHub's fork networks do too.
func (s *Sim) Fork(login, repoName string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	parent, err := s.repoLocked(repoName)
	if err != nil {
		return "", err
	}
	who := s.personLocked(login)
	if s.permissionOf(who, parent) == PermNone {
		return "", replyErr(notFound())
	}
	if _, exists := s.repos[strings.ToLower(login+"/"+parent.name)]; exists {
		return "", fmt.Errorf("fork %s: %s/%s already exists", repoName, login, parent.name)
	}
	f := s.newRepoLocked(RepoOptions{Owner: login, Name: parent.name, Public: !parent.private,
		DefaultBranch: parent.defaultBranch, NotInstalled: true}, parent.store)
	f.parent = parent
	for ref, sha := range parent.refs {
		f.refs[ref] = sha
	}
	return f.fullName(), nil
}

// SetPermission sets a user's permission on a repository, creating the user if needed.
func (s *Sim) SetPermission(repoName, login string, p Permission) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.repoLocked(repoName)
	if err != nil {
		return err
	}
	s.addUserLocked(login, "User")
	r.collaborators[strings.ToLower(login)] = p
	return nil
}

func (s *Sim) repoLocked(full string) (*repo, error) {
	r, ok := s.repos[strings.ToLower(full)]
	if !ok {
		return nil, fmt.Errorf("repository %s: %w", full, errNotFound)
	}
	return r, nil
}

func (s *Sim) repoByID(id int64) *repo {
	for _, r := range s.repos {
		if r.id == id {
			return r
		}
	}
	return nil
}

// installedRepos lists the repositories the App is installed on, by name.
func (s *Sim) installedRepos() []*repo {
	var out []*repo
	for _, r := range s.repos {
		if r.installed {
			out = append(out, r)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].fullName() < out[j].fullName() })
	return out
}

// permissionOf returns the effective permission of a principal on a repository.
func (s *Sim) permissionOf(p principal, r *repo) Permission {
	switch p.kind {
	case kindInstallation:
		switch {
		case r.installed:
			return PermWrite
		case !r.private:
			return PermRead // installation tokens read public repositories, forks included
		}
		return PermNone
	case kindUser:
		if perm, ok := r.collaborators[strings.ToLower(p.user.login)]; ok {
			if !r.private && perm.rank() < PermRead.rank() {
				return PermRead
			}
			return perm
		}
		if !r.private {
			return PermRead
		}
	}
	return PermNone
}

// resolveRef resolves a branch, tag, full ref or SHA to a commit SHA.
func (r *repo) resolveRef(ref string) (string, bool) {
	ref = strings.TrimPrefix(ref, "refs/")
	for _, cand := range []string{"refs/" + ref, "refs/heads/" + ref, "refs/tags/" + ref} {
		if sha, ok := r.refs[cand]; ok {
			return r.peel(sha), true
		}
	}
	if validSHA(ref) {
		if _, ok := r.store.objects[ref]; ok {
			return ref, true
		}
	}
	if len(ref) >= 7 && len(ref) < 40 {
		for sha, o := range r.store.objects {
			if o.typ == typeCommit && strings.HasPrefix(sha, ref) {
				return sha, true
			}
		}
	}
	return "", false
}

// peel follows annotated tags to the object they point at.
func (r *repo) peel(sha string) string {
	for i := 0; i < 10; i++ {
		data, ok := r.store.get(sha, typeTag)
		if !ok {
			return sha
		}
		line, _, _ := strings.Cut(string(data), "\n")
		sha = strings.TrimPrefix(line, "object ")
	}
	return sha
}

func (r *repo) branchSHA(branch string) (string, bool) {
	sha, ok := r.refs["refs/heads/"+branch]
	return sha, ok
}
