package githubsim

import (
	"net/http"
	"sort"
	"strings"
)

func (s *Sim) refJSON(r *repo, name, sha string) obj {
	typ := typeCommit
	if o, ok := r.store.objects[sha]; ok {
		typ = o.typ
	}
	api := s.repoAPI(r)
	return obj{
		"ref": name, "node_id": nodeID("REF", int64(len(name))), "url": api + "/git/" + name,
		"object": obj{"type": typ, "sha": sha, "url": api + "/git/" + typ + "s/" + sha},
	}
}

func (s *Sim) getRef(c *call) reply {
	name := "refs/" + strings.TrimPrefix(c.param("ref"), "refs/")
	sha, ok := c.repo.refs[name]
	if !ok {
		return notFound()
	}
	return ok200(s.refJSON(c.repo, name, sha))
}

func ok200(v any) reply { return ok(v) }

func (s *Sim) listMatchingRefs(c *call) reply {
	prefix := "refs/" + strings.TrimPrefix(c.param("ref"), "refs/")
	var names []string
	for name := range c.repo.refs {
		if strings.HasPrefix(name, prefix) {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	out := []obj{}
	for _, n := range names {
		out = append(out, s.refJSON(c.repo, n, c.repo.refs[n]))
	}
	return ok(out)
}

func (s *Sim) createRef(c *call) reply {
	var in struct {
		Ref string `json:"ref"`
		SHA string `json:"sha"`
	}
	if err := c.decode(&in); err != nil {
		return apiError(http.StatusBadRequest, err.Error())
	}
	if !strings.HasPrefix(in.Ref, "refs/") || strings.Count(in.Ref, "/") < 2 {
		return validationFailed("Reference name must start with 'refs/' and have at least two slashes.")
	}
	if !validRefName(in.Ref) {
		return validationFailed(in.Ref + " is not a valid ref name.")
	}
	if _, exists := c.repo.refs[in.Ref]; exists {
		return validationFailed("Reference already exists")
	}
	if _, ok := c.repo.store.objects[in.SHA]; !ok {
		return validationFailed("Object does not exist")
	}
	s.moveRef(c.repo, in.Ref, in.SHA, c.who, false)
	rep := created(s.refJSON(c.repo, in.Ref, in.SHA))
	rep.header = http.Header{"Location": {s.repoAPI(c.repo) + "/git/" + in.Ref}}
	return rep
}

func (s *Sim) updateRef(c *call) reply {
	var in struct {
		SHA   string `json:"sha"`
		Force bool   `json:"force"`
	}
	if err := c.decode(&in); err != nil {
		return apiError(http.StatusBadRequest, err.Error())
	}
	name := "refs/" + strings.TrimPrefix(c.param("ref"), "refs/")
	old, exists := c.repo.refs[name]
	if !exists {
		return validationFailed("Reference does not exist")
	}
	if _, ok := c.repo.store.objects[in.SHA]; !ok {
		return validationFailed("Object does not exist")
	}
	if rep, blocked := s.protectedPush(c, name); blocked {
		return rep
	}
	if s.takeRefConflict() {
		return validationFailed("Update is not a fast forward")
	}
	if !in.Force && s.takeRefRace() {
		if moved, err := s.concurrentCommit(c.repo, name, old); err == nil {
			old = moved
		}
	}
	if !in.Force && old != in.SHA && !c.repo.store.isAncestor(old, in.SHA) {
		return validationFailed("Update is not a fast forward")
	}
	s.moveRef(c.repo, name, in.SHA, c.who, in.Force && old != in.SHA && !c.repo.store.isAncestor(old, in.SHA))
	return ok(s.refJSON(c.repo, name, in.SHA))
}

func (s *Sim) deleteRef(c *call) reply {
	name := "refs/" + strings.TrimPrefix(c.param("ref"), "refs/")
	if _, exists := c.repo.refs[name]; !exists {
		return validationFailed("Reference does not exist")
	}
	if rep, blocked := s.protectedPush(c, name); blocked {
		return rep
	}
	s.moveRef(c.repo, name, "", c.who, false)
	return noContent()
}

// protectedPush refuses direct ref updates to a protected branch from anyone but an admin.
func (s *Sim) protectedPush(c *call, name string) (reply, bool) {
	branch, ok := strings.CutPrefix(name, "refs/heads/")
	if !ok {
		return reply{}, false
	}
	p := c.repo.protections[branch]
	if p == nil || s.permissionOf(c.who, c.repo) == PermAdmin {
		return reply{}, false
	}
	if len(p.RequiredChecks) > 0 || p.RequiredApprovals > 0 {
		return validationFailed("Protected branch update failed for " + name + "."), true
	}
	return reply{}, false
}

// concurrentCommit moves a ref forward with an empty commit by the ghost user, as if
// another client had won the race. It returns the new tip.
func (s *Sim) concurrentCommit(r *repo, name, old string) (string, error) {
	parent, err := r.store.commit(old)
	if err != nil {
		return "", err
	}
	sig := Signature{Name: "ghost", Email: "ghost@users.noreply.github.com", When: s.now()}
	sha := r.store.put(typeCommit, encodeCommit(commitObj{
		Tree: parent.Tree, Parents: []string{old}, Author: sig, Committer: sig, Message: "Concurrent change\n",
	}))
	ghost := s.addUserLocked("ghost", "User")
	s.moveRef(r, name, sha, principal{kind: kindUser, user: ghost}, false)
	return sha, nil
}

// maxRefLength is the longest ref name accepted, in bytes.
const maxRefLength = 255

// validRefName applies git check-ref-format's rules and GitHub's length limit.
func validRefName(name string) bool {
	if len(name) > maxRefLength || strings.HasSuffix(name, "/") || strings.HasSuffix(name, ".") ||
		strings.Contains(name, "..") || strings.Contains(name, "//") || strings.Contains(name, "@{") || name == "@" {
		return false
	}
	for _, part := range strings.Split(name, "/") {
		if strings.HasPrefix(part, ".") || strings.HasSuffix(part, ".lock") {
			return false
		}
	}
	for _, r := range name {
		if r < 0x20 || r == 0x7f || strings.ContainsRune(" ~^:?*[\\", r) {
			return false
		}
	}
	return true
}
