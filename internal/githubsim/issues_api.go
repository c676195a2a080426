package githubsim

import (
	"net/http"
	"sort"
	"strings"
	"time"
)

func (s *Sim) listIssues(c *call) reply {
	state := c.query("state")
	if state == "" {
		state = "open"
	}
	want := map[string]bool{}
	for _, l := range strings.Split(c.query("labels"), ",") {
		if l = strings.TrimSpace(l); l != "" {
			want[strings.ToLower(l)] = true
		}
	}
	issues := c.repo.sortedIssues()
	sort.Slice(issues, func(i, j int) bool { return issues[i].number > issues[j].number })
	var out []any
	for _, is := range issues {
		if state != "all" && is.state != state {
			continue
		}
		has := 0
		for _, l := range is.labels {
			if want[strings.ToLower(l)] {
				has++
			}
		}
		if has < len(want) {
			continue
		}
		out = append(out, s.issueJSON(c.repo, is))
	}
	return s.paginate(c, out)
}

func (s *Sim) getIssue(c *call) reply {
	is, found := c.repo.issueByNumber(c.param("number"))
	if !found {
		return notFound()
	}
	return ok(s.issueJSON(c.repo, is))
}

func (s *Sim) createIssue(c *call) reply {
	var in struct {
		Title  string   `json:"title"`
		Body   string   `json:"body"`
		Labels []string `json:"labels"`
	}
	if err := c.decode(&in); err != nil {
		return apiError(http.StatusBadRequest, err.Error())
	}
	if strings.TrimSpace(in.Title) == "" {
		return validationFailed("Validation Failed")
	}
	is := s.newIssue(c.repo, c.who, in.Title, in.Body)
	s.emit("issues", "opened", c.repo, c.who, obj{"issue": s.issueJSON(c.repo, is)})
	s.addLabels(c.repo, is, c.who, in.Labels)
	return created(s.issueJSON(c.repo, is))
}

func (s *Sim) updateIssue(c *call) reply {
	is, found := c.repo.issueByNumber(c.param("number"))
	if !found {
		return notFound()
	}
	var in struct {
		Title *string `json:"title"`
		Body  *string `json:"body"`
		State *string `json:"state"`
	}
	if err := c.decode(&in); err != nil {
		return apiError(http.StatusBadRequest, err.Error())
	}
	if in.Title != nil {
		is.title = *in.Title
	}
	if in.Body != nil {
		is.body = *in.Body
	}
	is.updatedAt = c.now
	if in.State != nil && *in.State != is.state {
		switch *in.State {
		case "closed":
			is.state, is.closedAt = "closed", c.now
		case "open":
			is.state, is.closedAt = "open", time.Time{}
		default:
			return validationFailed("Validation Failed")
		}
		action := map[string]string{"closed": "closed", "open": "reopened"}[is.state]
		if is.pr != nil {
			s.emit("pull_request", action, c.repo, c.who, s.pullEventPayload(c.repo, is))
		} else {
			s.emit("issues", action, c.repo, c.who, obj{"issue": s.issueJSON(c.repo, is)})
		}
	}
	return ok(s.issueJSON(c.repo, is))
}

func (s *Sim) setLabels(c *call) reply {
	is, found := c.repo.issueByNumber(c.param("number"))
	if !found {
		return notFound()
	}
	names, valid := labelNames(c.body)
	if !valid {
		return validationFailed("Validation Failed")
	}
	keep := map[string]bool{}
	for _, n := range names {
		keep[strings.ToLower(n)] = true
	}
	for _, cur := range append([]string(nil), is.labels...) {
		if !keep[strings.ToLower(cur)] {
			s.removeLabel(c.repo, is, c.who, cur)
		}
	}
	s.addLabels(c.repo, is, c.who, names)
	return ok(s.labelsJSON(c.repo, is.labels))
}

func (s *Sim) rateLimit(c *call) reply {
	w := s.window(c.who.rateKey())
	remaining := s.opts.RateLimit - w.used
	if wallNow().Before(s.exhaustedUntil) {
		remaining = 0
	}
	core := obj{"limit": s.opts.RateLimit, "remaining": remaining, "reset": w.reset.Unix(), "used": w.used, "resource": "core"}
	search := obj{"limit": 30, "remaining": 30, "reset": wallNow().Add(time.Minute).Unix(), "used": 0, "resource": "search"}
	return ok(obj{"resources": obj{"core": core, "search": search}, "rate": core})
}

func (s *Sim) getProtection(c *call) reply {
	p := c.repo.protections[c.param("branch")]
	if p == nil {
		return apiError(http.StatusNotFound, "Branch not protected")
	}
	return ok(s.protectionJSON(c.repo, c.param("branch"), p))
}

// protectionJSON is the branch-protection shape.
func (s *Sim) protectionJSON(r *repo, branch string, p *Protection) obj {
	url := s.repoAPI(r) + "/branches/" + branch + "/protection"
	contexts := []string{}
	checks := []obj{}
	for _, rc := range p.RequiredChecks {
		contexts = append(contexts, rc.Context)
		var app any
		if rc.AppID != 0 {
			app = rc.AppID
		}
		checks = append(checks, obj{"context": rc.Context, "app_id": app})
	}
	out := obj{"url": url, "required_status_checks": obj{
		"url": url + "/required_status_checks", "strict": p.Strict, "contexts": contexts, "checks": checks,
		"contexts_url": url + "/required_status_checks/contexts",
	}}
	if p.RequiredApprovals > 0 {
		out["required_pull_request_reviews"] = obj{
			"url": url + "/required_pull_request_reviews", "dismiss_stale_reviews": p.DismissStaleReviews,
			"require_code_owner_reviews": false, "required_approving_review_count": p.RequiredApprovals,
		}
	}
	return out
}
