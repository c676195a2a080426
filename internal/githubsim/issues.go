package githubsim

import (
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// comment is an issue or pull request conversation comment.
type comment struct {
	id        int64
	number    int
	user      *user
	body      string
	createdAt time.Time
	updatedAt time.Time
	reactions []*reaction
}

// reaction is an emoji reaction on a comment.
type reaction struct {
	id        int64
	user      *user
	content   string
	createdAt time.Time
}

// label is a repository label.
type label struct {
	id    int64
	name  string
	color string
}

const maxCommentBody = 65536

func (r *repo) commentsOn(number int) []*comment {
	var out []*comment
	for _, cm := range r.comments {
		if cm.number == number {
			out = append(out, cm)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].id < out[j].id })
	return out
}

func (s *Sim) commentJSON(r *repo, cm *comment) obj {
	api := s.repoAPI(r)
	counts := reactionRollup(api+"/issues/comments/"+strconv.FormatInt(cm.id, 10)+"/reactions", cm.reactions)
	kind := "issues"
	if is := r.issues[cm.number]; is != nil && is.pr != nil {
		kind = "pull"
	}
	return obj{
		"id": cm.id, "node_id": nodeID("IC", cm.id), "url": api + "/issues/comments/" + strconv.FormatInt(cm.id, 10),
		"html_url":  s.repoHTML(r) + "/" + kind + "/" + strconv.Itoa(cm.number) + "#issuecomment-" + strconv.FormatInt(cm.id, 10),
		"issue_url": api + "/issues/" + strconv.Itoa(cm.number), "body": cm.body, "user": s.userJSON(cm.user),
		"created_at": ts(cm.createdAt), "updated_at": ts(cm.updatedAt),
		"author_association": s.association(r, cm.user), "performed_via_github_app": nil, "reactions": counts,
	}
}

// reactionRollup is the reaction counts object attached to comments and issues.
func reactionRollup(url string, reactions []*reaction) obj {
	counts := obj{"+1": 0, "-1": 0, "laugh": 0, "hooray": 0, "confused": 0, "heart": 0, "rocket": 0, "eyes": 0}
	for _, re := range reactions {
		counts[re.content] = counts[re.content].(int) + 1
	}
	counts["total_count"] = len(reactions)
	counts["url"] = url
	return counts
}

// issueJSON is the issue shape used in issue_comment and labeled payloads.
func (s *Sim) issueJSON(r *repo, is *issue) obj {
	api := s.repoAPI(r)
	num := strconv.Itoa(is.number)
	kind := "issues"
	if is.pr != nil {
		kind = "pull"
	}
	m := obj{
		"url": api + "/issues/" + num, "repository_url": api, "labels_url": api + "/issues/" + num + "/labels{/name}",
		"comments_url": api + "/issues/" + num + "/comments", "events_url": api + "/issues/" + num + "/events",
		"html_url": s.repoHTML(r) + "/" + kind + "/" + num, "id": is.id, "node_id": nodeID("I", is.id),
		"number": is.number, "title": is.title, "user": s.userJSON(is.user), "labels": s.labelsJSON(r, is.labels),
		"state": is.state, "locked": false, "assignee": nil, "assignees": []obj{}, "milestone": nil,
		"comments": len(r.commentsOn(is.number)), "created_at": ts(is.createdAt), "updated_at": ts(is.updatedAt),
		"closed_at": tsOrNil(is.closedAt), "author_association": s.association(r, is.user),
		"active_lock_reason": nil, "body": nullable(is.body), "performed_via_github_app": nil,
		"reactions": reactionRollup(api+"/issues/"+num+"/reactions", nil),
	}
	if is.pr != nil {
		pr := api + "/pulls/" + num
		m["pull_request"] = obj{"url": pr, "html_url": s.repoHTML(r) + "/pull/" + num,
			"diff_url": s.repoHTML(r) + "/pull/" + num + ".diff", "patch_url": s.repoHTML(r) + "/pull/" + num + ".patch",
			"merged_at": tsOrNil(is.pr.mergedAt)}
		m["draft"] = is.pr.draft
	}
	return m
}

func (r *repo) issueByNumber(n string) (*issue, bool) {
	num, err := strconv.Atoi(n)
	if err != nil {
		return nil, false
	}
	is, ok := r.issues[num]
	return is, ok
}

func (s *Sim) createComment(c *call) reply {
	is, found := c.repo.issueByNumber(c.param("number"))
	if !found {
		return notFound()
	}
	var in struct {
		Body string `json:"body"`
	}
	if err := c.decode(&in); err != nil {
		return apiError(http.StatusBadRequest, err.Error())
	}
	cm, rep, failed := s.addComment(c.repo, is, c.who, in.Body)
	if failed {
		return rep
	}
	out := created(s.commentJSON(c.repo, cm))
	out.header = http.Header{"Location": {s.repoAPI(c.repo) + "/issues/comments/" + strconv.FormatInt(cm.id, 10)}}
	return out
}

func bodyValidation(body string) (reply, bool) {
	if strings.TrimSpace(body) == "" {
		return validationFailed("Validation Failed"), true
	}
	if len([]rune(body)) > maxCommentBody {
		rep := validationFailed("Validation Failed")
		rep.body.(map[string]any)["errors"] = []obj{{"resource": "IssueComment", "code": "unprocessable", "field": "data", "message": "Body is too long (maximum is 65536 characters)"}}
		return rep, true
	}
	return reply{}, false
}

func (s *Sim) addComment(r *repo, is *issue, who principal, body string) (*comment, reply, bool) {
	if rep, bad := bodyValidation(body); bad {
		return nil, rep, true
	}
	cm := &comment{id: s.newID(), number: is.number, user: s.actor(who), body: body, createdAt: s.now(), updatedAt: s.now()}
	r.comments[cm.id] = cm
	s.emit("issue_comment", "created", r, who, obj{"issue": s.issueJSON(r, is), "comment": s.commentJSON(r, cm)})
	return cm, reply{}, false
}

func (s *Sim) commentByID(c *call) (*comment, bool) {
	id, err := strconv.ParseInt(c.param("comment_id"), 10, 64)
	if err != nil {
		return nil, false
	}
	cm, ok := c.repo.comments[id]
	return cm, ok
}

func (s *Sim) updateComment(c *call) reply {
	cm, found := s.commentByID(c)
	if !found {
		return notFound()
	}
	var in struct {
		Body string `json:"body"`
	}
	if err := c.decode(&in); err != nil {
		return apiError(http.StatusBadRequest, err.Error())
	}
	if rep, failed := s.editComment(c.repo, cm, c.who, in.Body); failed {
		return rep
	}
	return ok(s.commentJSON(c.repo, cm))
}

// editComment changes a comment's body as who (its author, or someone with write access).
func (s *Sim) editComment(r *repo, cm *comment, who principal, body string) (reply, bool) {
	if s.actor(who).id != cm.user.id && s.permissionOf(who, r).rank() < PermWrite.rank() {
		return forbidden(who, PermWrite), true
	}
	if rep, bad := bodyValidation(body); bad {
		return rep, true
	}
	old := cm.body
	cm.body, cm.updatedAt = body, s.now()
	s.emit("issue_comment", "edited", r, who, obj{
		"issue": s.issueJSON(r, r.issues[cm.number]), "comment": s.commentJSON(r, cm),
		"changes": obj{"body": obj{"from": old}},
	})
	return reply{}, false
}

func (s *Sim) getComment(c *call) reply {
	cm, found := s.commentByID(c)
	if !found {
		return notFound()
	}
	return ok(s.commentJSON(c.repo, cm))
}

func (s *Sim) listComments(c *call) reply {
	is, found := c.repo.issueByNumber(c.param("number"))
	if !found {
		return notFound()
	}
	var out []any
	for _, cm := range c.repo.commentsOn(is.number) {
		out = append(out, s.commentJSON(c.repo, cm))
	}
	return s.paginate(c, out)
}

var reactionContents = map[string]bool{"+1": true, "-1": true, "laugh": true, "confused": true, "heart": true, "hooray": true, "rocket": true, "eyes": true}

func (s *Sim) reactionJSON(re *reaction) obj {
	return obj{"id": re.id, "node_id": nodeID("REA", re.id), "user": s.userJSON(re.user), "content": re.content, "created_at": ts(re.createdAt)}
}

func (s *Sim) createReaction(c *call) reply {
	cm, found := s.commentByID(c)
	if !found {
		return notFound()
	}
	var in struct {
		Content string `json:"content"`
	}
	if err := c.decode(&in); err != nil {
		return apiError(http.StatusBadRequest, err.Error())
	}
	if !reactionContents[in.Content] {
		return validationFailed("Validation Failed")
	}
	u := s.actor(c.who)
	for _, re := range cm.reactions {
		if re.user.id == u.id && re.content == in.Content {
			return ok(s.reactionJSON(re))
		}
	}
	re := &reaction{id: s.newID(), user: u, content: in.Content, createdAt: c.now}
	cm.reactions = append(cm.reactions, re)
	return created(s.reactionJSON(re))
}

func (s *Sim) listReactions(c *call) reply {
	cm, found := s.commentByID(c)
	if !found {
		return notFound()
	}
	var out []any
	for _, re := range cm.reactions {
		if want := c.query("content"); want == "" || want == re.content {
			out = append(out, s.reactionJSON(re))
		}
	}
	return s.paginate(c, out)
}

func (s *Sim) labelJSON(r *repo, l *label) obj {
	return obj{"id": l.id, "node_id": nodeID("LA", l.id), "url": s.repoAPI(r) + "/labels/" + url.PathEscape(l.name),
		"name": l.name, "color": l.color, "default": false,
		// pull-request-simple types a label's description as a non-null string.
		"description": ""}
}
