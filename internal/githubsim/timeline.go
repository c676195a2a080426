package githubsim

import (
	"net/http"
	"strconv"
	"time"
)

// issueEvent is an entry of an issue's event log (labeled and unlabeled are kept), so
// a client can learn who added a label without having seen the webhook.
type issueEvent struct {
	id        int64
	actor     *user
	event     string
	label     string
	color     string
	createdAt time.Time
}

func (s *Sim) recordLabelEvent(is *issue, who principal, event string, l *label) {
	is.events = append(is.events, &issueEvent{id: s.newID(), actor: s.actor(who), event: event, label: l.name, color: l.color, createdAt: s.now()})
}

func (s *Sim) listIssueEvents(c *call) reply {
	is, found := c.repo.issueByNumber(c.param("number"))
	if !found {
		return notFound()
	}
	var out []any
	for _, ev := range is.events {
		out = append(out, obj{
			"id": ev.id, "node_id": nodeID("LE", ev.id), "url": s.repoAPI(c.repo) + "/issues/events/" + strconv.FormatInt(ev.id, 10),
			"actor": s.userJSON(ev.actor), "event": ev.event, "commit_id": nil, "commit_url": nil,
			"created_at": ts(ev.createdAt), "performed_via_github_app": nil,
			"label": obj{"name": ev.label, "color": ev.color},
		})
	}
	return s.paginate(c, out)
}

func (s *Sim) listPullCommits(c *call) reply {
	is, found := c.repo.pullByNumber(c.param("number"))
	if !found {
		return notFound()
	}
	baseSHA, _ := c.repo.branchSHA(is.pr.base)
	var out []any
	for _, sha := range c.repo.newCommits(orZero(c.repo.store.mergeBase(baseSHA, is.pr.headSHA)), is.pr.headSHA) {
		out = append(out, s.commitJSON(c.repo, sha, false))
	}
	return s.paginate(c, out)
}

func (s *Sim) getBranch(c *call) reply {
	name := c.param("branch")
	sha, found := c.repo.branchSHA(name)
	if !found {
		return apiError(http.StatusNotFound, "Branch not found")
	}
	p := c.repo.protections[name]
	url := s.repoAPI(c.repo) + "/branches/" + name
	protection := obj{"enabled": p != nil, "required_status_checks": obj{"enforcement_level": "off", "contexts": []string{}, "checks": []obj{}}}
	if p != nil {
		protection = s.protectionJSON(c.repo, name, p)
		protection["enabled"] = true
	}
	return ok(obj{
		"name": name, "commit": s.commitJSON(c.repo, sha, false), "protected": p != nil,
		"protection": protection, "protection_url": url + "/protection",
		"_links": obj{"self": url, "html": s.repoHTML(c.repo) + "/tree/" + name},
	})
}
