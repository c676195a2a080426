package githubsim

import (
	"net/http"
	"sort"
	"time"
)

// commitStatus is a commit status posted on a SHA.
type commitStatus struct {
	id          int64
	sha         string
	state       string
	context     string
	description string
	targetURL   string
	creator     *user
	appID       int64 // the App, when an installation posted it
	createdAt   time.Time
}

func (s *Sim) statusJSON(r *repo, st *commitStatus) obj {
	return obj{
		"url": s.repoAPI(r) + "/statuses/" + st.sha, "avatar_url": nil, "id": st.id, "node_id": nodeID("SC", st.id),
		"state": st.state, "description": nullable(st.description), "target_url": nullable(st.targetURL),
		"context": st.context, "created_at": ts(st.createdAt), "updated_at": ts(st.createdAt),
		"creator": s.userJSON(st.creator),
	}
}

func (r *repo) latestStatuses(sha string) []*commitStatus {
	seen := map[string]bool{}
	var out []*commitStatus
	for i := len(r.statuses) - 1; i >= 0; i-- {
		st := r.statuses[i]
		if st.sha == sha && !seen[st.context] {
			seen[st.context] = true
			out = append(out, st)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].context < out[j].context })
	return out
}

func (r *repo) latestStatus(sha, context string) *commitStatus {
	for i := len(r.statuses) - 1; i >= 0; i-- {
		if st := r.statuses[i]; st.sha == sha && st.context == context {
			return st
		}
	}
	return nil
}

func (s *Sim) createStatus(c *call) reply {
	var in struct {
		State       string `json:"state"`
		TargetURL   string `json:"target_url"`
		Description string `json:"description"`
		Context     string `json:"context"`
	}
	if err := c.decode(&in); err != nil {
		return apiError(http.StatusBadRequest, err.Error())
	}
	st, rep, failed := s.postStatus(c.repo, c.who, c.param("sha"), in.State, in.Context, in.Description, in.TargetURL)
	if failed {
		return rep
	}
	return created(s.statusJSON(c.repo, st))
}

func (s *Sim) postStatus(r *repo, who principal, sha, state, context, description, target string) (*commitStatus, reply, bool) {
	if _, err := r.store.commit(sha); err != nil {
		return nil, validationFailed("No commit found for SHA: " + sha), true
	}
	switch state {
	case "error", "failure", "pending", "success":
	default:
		return nil, validationFailed("Validation Failed"), true
	}
	if context == "" {
		context = "default"
	}
	st := &commitStatus{id: s.newID(), sha: sha, state: state, context: context, description: description,
		targetURL: target, creator: s.actor(who), createdAt: s.now()}
	if who.kind == kindInstallation {
		st.appID = s.opts.AppID
	}
	r.statuses = append(r.statuses, st)
	s.checksChanged(r, sha)
	branches := []obj{}
	for name, tip := range r.refs {
		if b, ok := cutHeads(name); ok && tip == sha {
			_, protected := r.protections[b]
			branches = append(branches, obj{"name": b, "commit": obj{"sha": sha, "url": s.repoAPI(r) + "/commits/" + sha}, "protected": protected})
		}
	}
	s.emit("status", "", r, who, obj{
		"id": st.id, "sha": sha, "name": r.fullName(), "target_url": nullable(target), "context": context,
		"description": nullable(description), "state": state, "commit": s.commitJSON(r, sha, false),
		"branches": branches, "created_at": ts(st.createdAt), "updated_at": ts(st.createdAt), "avatar_url": nil,
	})
	return st, reply{}, false
}

func combinedState(sts []*commitStatus) string {
	if len(sts) == 0 {
		return "pending"
	}
	state := "success"
	for _, st := range sts {
		switch st.state {
		case "error", "failure":
			return "failure"
		case "pending":
			state = "pending"
		}
	}
	return state
}

func (s *Sim) combinedStatus(c *call) reply {
	sha, found := c.repo.resolveRef(c.param("ref"))
	if !found {
		return notFound()
	}
	sts := c.repo.latestStatuses(sha)
	list := []obj{}
	for _, st := range sts {
		m := s.statusJSON(c.repo, st)
		delete(m, "creator")
		list = append(list, m)
	}
	repoMin := s.repoJSON(c.repo)
	return ok(obj{
		"state": combinedState(sts), "statuses": list, "sha": sha, "total_count": len(list),
		"repository": repoMin, "commit_url": s.repoAPI(c.repo) + "/commits/" + sha,
		"url": s.repoAPI(c.repo) + "/commits/" + sha + "/status",
	})
}

func (s *Sim) listStatuses(c *call) reply {
	sha, found := c.repo.resolveRef(c.param("ref"))
	if !found {
		return notFound()
	}
	var out []any
	for i := len(c.repo.statuses) - 1; i >= 0; i-- {
		if st := c.repo.statuses[i]; st.sha == sha {
			out = append(out, s.statusJSON(c.repo, st))
		}
	}
	return s.paginate(c, out)
}
