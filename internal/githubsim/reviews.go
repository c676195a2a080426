package githubsim

import (
	"net/http"
	"strconv"
	"time"
)

// review is a pull request review.
type review struct {
	id          int64
	user        *user
	body        string
	state       string // APPROVED, CHANGES_REQUESTED, COMMENTED, PENDING
	commitID    string
	submittedAt time.Time
}

func (s *Sim) reviewJSON(r *repo, is *issue, rv *review) obj {
	prURL := s.repoAPI(r) + "/pulls/" + strconv.Itoa(is.number)
	html := s.repoHTML(r) + "/pull/" + strconv.Itoa(is.number) + "#pullrequestreview-" + strconv.FormatInt(rv.id, 10)
	m := obj{
		"id": rv.id, "node_id": nodeID("PRR", rv.id), "user": s.userJSON(rv.user), "body": rv.body,
		"state": rv.state, "html_url": html, "pull_request_url": prURL, "commit_id": rv.commitID,
		"_links":             obj{"html": href(html), "pull_request": href(prURL)},
		"author_association": s.association(r, rv.user),
	}
	if rv.state != "PENDING" {
		m["submitted_at"] = ts(rv.submittedAt)
	}
	return m
}

var reviewStates = map[string]string{"APPROVE": "APPROVED", "REQUEST_CHANGES": "CHANGES_REQUESTED", "COMMENT": "COMMENTED", "": "PENDING"}

func (s *Sim) createReview(c *call) reply {
	is, found := c.repo.pullByNumber(c.param("number"))
	if !found {
		return notFound()
	}
	var in struct {
		Body     string `json:"body"`
		Event    string `json:"event"`
		CommitID string `json:"commit_id"`
	}
	if err := c.decode(&in); err != nil {
		return apiError(http.StatusBadRequest, err.Error())
	}
	rv, rep, failed := s.submitReview(c.repo, is, c.who, in.Event, in.Body, in.CommitID)
	if failed {
		return rep
	}
	return ok(s.reviewJSON(c.repo, is, rv))
}

func (s *Sim) submitReview(r *repo, is *issue, who principal, event, body, commitID string) (*review, reply, bool) {
	state, valid := reviewStates[event]
	if !valid {
		return nil, validationFailed("Unprocessable Entity: event must be one of APPROVE, REQUEST_CHANGES, COMMENT"), true
	}
	u := s.actor(who)
	if state != "COMMENTED" && state != "PENDING" && u.id == is.user.id {
		word := "approve"
		if state == "CHANGES_REQUESTED" {
			word = "request changes on"
		}
		return nil, validationFailed("Unprocessable Entity: Can not " + word + " your own pull request"), true
	}
	if (state == "CHANGES_REQUESTED" || state == "COMMENTED") && body == "" {
		return nil, validationFailed("Unprocessable Entity: Review Comment is missing"), true
	}
	if commitID == "" {
		commitID = is.pr.headSHA
	}
	rv := &review{id: s.newID(), user: u, body: body, state: state, commitID: commitID, submittedAt: s.now()}
	is.pr.reviews = append(is.pr.reviews, rv)
	is.pr.mergeKnown, is.pr.mergeAsked = false, false
	if state != "PENDING" {
		s.emit("pull_request_review", "submitted", r, who, obj{
			"review": s.reviewJSON(r, is, rv), "pull_request": s.pullJSON(r, is, false),
		})
	}
	return rv, reply{}, false
}

func (s *Sim) listReviews(c *call) reply {
	is, found := c.repo.pullByNumber(c.param("number"))
	if !found {
		return notFound()
	}
	var out []any
	for _, rv := range is.pr.reviews {
		out = append(out, s.reviewJSON(c.repo, is, rv))
	}
	return s.paginate(c, out)
}
