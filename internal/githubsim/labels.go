package githubsim

import (
	"encoding/json"
	"net/http"
	"strings"
)

func (s *Sim) ensureLabel(r *repo, name string) *label {
	if l, ok := r.labels[strings.ToLower(name)]; ok {
		return l
	}
	l := &label{id: s.newID(), name: name, color: "ededed"}
	r.labels[strings.ToLower(name)] = l
	return l
}

// addLabels adds labels to an issue and sends one "labeled" webhook per new label.
func (s *Sim) addLabels(r *repo, is *issue, who principal, names []string) {
	for _, n := range names {
		l := s.ensureLabel(r, n)
		has := false
		for _, cur := range is.labels {
			if strings.EqualFold(cur, l.name) {
				has = true
			}
		}
		if has {
			continue
		}
		is.labels = append(is.labels, l.name)
		is.updatedAt = s.now()
		s.recordLabelEvent(is, who, "labeled", l)
		s.emitLabel(r, is, who, "labeled", l)
	}
}

func (s *Sim) emitLabel(r *repo, is *issue, who principal, action string, l *label) {
	if is.pr != nil {
		p := s.pullEventPayload(r, is)
		p["label"] = s.labelJSON(r, l)
		s.emit("pull_request", action, r, who, p)
		return
	}
	s.emit("issues", action, r, who, obj{"issue": s.issueJSON(r, is), "label": s.labelJSON(r, l)})
}

func (s *Sim) removeLabel(r *repo, is *issue, who principal, name string) bool {
	for i, cur := range is.labels {
		if strings.EqualFold(cur, name) {
			is.labels = append(is.labels[:i:i], is.labels[i+1:]...)
			is.updatedAt = s.now()
			l := r.labels[strings.ToLower(name)]
			s.recordLabelEvent(is, who, "unlabeled", l)
			s.emitLabel(r, is, who, "unlabeled", l)
			return true
		}
	}
	return false
}

// labelNames accepts both request shapes: ["a","b"] and {"labels": ["a","b"]}.
func labelNames(body []byte) ([]string, bool) {
	var list []string
	if json.Unmarshal(body, &list) == nil {
		return list, true
	}
	var wrapped struct {
		Labels []string `json:"labels"`
	}
	if json.Unmarshal(body, &wrapped) == nil {
		return wrapped.Labels, true
	}
	return nil, false
}

func (s *Sim) addLabelsHandler(c *call) reply {
	is, found := c.repo.issueByNumber(c.param("number"))
	if !found {
		return notFound()
	}
	names, valid := labelNames(c.body)
	if !valid {
		return validationFailed("Invalid request.\n\nFor 'links/0/schema', nil is not an array.")
	}
	s.addLabels(c.repo, is, c.who, names)
	return ok(s.labelsJSON(c.repo, is.labels))
}

func (s *Sim) removeLabelHandler(c *call) reply {
	is, found := c.repo.issueByNumber(c.param("number"))
	if !found {
		return notFound()
	}
	if !s.removeLabel(c.repo, is, c.who, c.param("name")) {
		return apiError(http.StatusNotFound, "Label does not exist")
	}
	return ok(s.labelsJSON(c.repo, is.labels))
}

func (s *Sim) listLabelsHandler(c *call) reply {
	is, found := c.repo.issueByNumber(c.param("number"))
	if !found {
		return notFound()
	}
	var out []any
	for _, l := range s.labelsJSON(c.repo, is.labels) {
		out = append(out, l)
	}
	return s.paginate(c, out)
}
