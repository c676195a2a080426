package githubsim

import (
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
)

// issue is an issue or, when pr is set, a pull request (they share numbers, as on GitHub).
type issue struct {
	number    int
	id        int64
	title     string
	body      string
	user      *user
	state     string
	labels    []string
	createdAt time.Time
	updatedAt time.Time
	closedAt  time.Time
	pr        *pull
	events    []*issueEvent
}

// pull is the pull-request part of an issue.
type pull struct {
	id          int64
	head, base  string
	headRepo    *repo // the repository the head branch lives in: this one or a fork
	headSHA     string
	draft       bool
	merged      bool
	mergedBy    *user
	mergedAt    time.Time
	mergeCommit string
	// mergedOnto is the base branch's commit the merge went onto.
	mergedOnto string
	// mergeKnown is set once mergeability has been computed for the current head and base;
	// mergeAsked once a read has seen it unknown (the next read computes it).
	mergeKnown bool
	mergeAsked bool
	reviews    []*review
}

func (s *Sim) association(r *repo, u *user) string {
	if strings.EqualFold(u.login, r.owner) {
		return "OWNER"
	}
	if _, ok := r.collaborators[strings.ToLower(u.login)]; ok {
		return "COLLABORATOR"
	}
	return "NONE"
}

func (s *Sim) branchJSON(r *repo, branch, sha string) obj {
	return obj{"label": r.owner + ":" + branch, "ref": branch, "sha": sha, "user": s.ownerJSON(r), "repo": s.repoJSON(r)}
}

func (s *Sim) labelsJSON(r *repo, names []string) []obj {
	out := []obj{}
	for _, n := range names {
		if l, ok := r.labels[strings.ToLower(n)]; ok {
			out = append(out, s.labelJSON(r, l))
		}
	}
	return out
}

// pullJSON is GitHub's pull-request shape; full adds the fields only single-PR reads carry.
func (s *Sim) pullJSON(r *repo, is *issue, full bool) obj {
	pr := is.pr
	api := s.repoAPI(r)
	self := api + "/pulls/" + strconv.Itoa(is.number)
	html := s.repoHTML(r) + "/pull/" + strconv.Itoa(is.number)
	issueURL := api + "/issues/" + strconv.Itoa(is.number)
	baseSHA, _ := r.branchSHA(pr.base)
	if pr.merged {
		if cm, err := r.store.commit(pr.mergeCommit); err == nil && len(cm.Parents) > 0 {
			baseSHA = cm.Parents[0]
		}
	}
	var mergeCommit any
	if pr.mergeCommit != "" {
		mergeCommit = pr.mergeCommit
	}
	m := obj{
		"url": self, "id": pr.id, "node_id": nodeID("PR", pr.id), "html_url": html,
		"diff_url": html + ".diff", "patch_url": html + ".patch", "issue_url": issueURL,
		"commits_url": self + "/commits", "review_comments_url": self + "/comments",
		"review_comment_url": api + "/pulls/comments{/number}", "comments_url": issueURL + "/comments",
		"statuses_url": api + "/statuses/" + pr.headSHA, "number": is.number, "state": is.state,
		"locked": false, "title": is.title, "user": s.userJSON(is.user), "body": nullable(is.body),
		"labels": s.labelsJSON(r, is.labels), "milestone": nil, "active_lock_reason": nil,
		"created_at": ts(is.createdAt), "updated_at": ts(is.updatedAt), "closed_at": tsOrNil(is.closedAt),
		"merged_at": tsOrNil(pr.mergedAt), "merge_commit_sha": mergeCommit, "assignee": nil,
		"assignees": []obj{}, "requested_reviewers": []obj{}, "requested_teams": []obj{},
		"head": s.branchJSON(pr.headRepo, pr.head, pr.headSHA), "base": s.branchJSON(r, pr.base, baseSHA),
		"_links": obj{
			"self": href(self), "html": href(html), "issue": href(issueURL), "comments": href(issueURL + "/comments"),
			"review_comments": href(self + "/comments"), "review_comment": href(api + "/pulls/comments{/number}"),
			"commits": href(self + "/commits"), "statuses": href(api + "/statuses/" + pr.headSHA),
		},
		"author_association": s.association(r, is.user), "auto_merge": nil, "draft": pr.draft,
	}
	if !full {
		return m
	}
	var mergedBy any
	if pr.mergedBy != nil {
		mergedBy = s.userJSON(pr.mergedBy)
	}
	m["merged"] = pr.merged
	m["merged_by"] = mergedBy
	m["comments"] = len(r.commentsOn(is.number))
	m["review_comments"] = 0
	m["maintainer_can_modify"] = false
	m["rebaseable"] = nil
	stats := s.pullStats(r, is)
	m["commits"], m["additions"], m["deletions"], m["changed_files"] = stats.commits, stats.additions, stats.deletions, stats.files
	m["mergeable"], m["mergeable_state"] = nil, "unknown"
	if is.state == "open" && pr.mergeKnown {
		mg := s.mergeability(r, is)
		m["mergeable"], m["mergeable_state"] = mg.mergeable, mg.state
		m["rebaseable"] = false
	}
	return m
}

func href(u string) obj { return obj{"href": u} }

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

type pullStat struct{ commits, additions, deletions, files int }

func (s *Sim) pullStats(r *repo, is *issue) pullStat {
	baseSHA, _ := r.branchSHA(is.pr.base)
	if is.pr.merged {
		if cm, err := r.store.commit(is.pr.mergeCommit); err == nil && len(cm.Parents) > 0 {
			baseSHA = cm.Parents[0]
		}
	}
	mb := r.store.mergeBase(baseSHA, is.pr.headSHA)
	st := pullStat{commits: len(r.newCommits(orZero(mb), is.pr.headSHA))}
	for _, f := range s.diffFiles(r, mb, is.pr.headSHA) {
		st.files++
		st.additions += f.additions
		st.deletions += f.deletions
	}
	return st
}

func orZero(sha string) string {
	if sha == "" {
		return zeroSHA
	}
	return sha
}

// pullEventPayload is the body of a pull_request webhook.
func (s *Sim) pullEventPayload(r *repo, is *issue) obj {
	return obj{"number": is.number, "pull_request": s.pullJSON(r, is, true)}
}

func (r *repo) pullByNumber(n string) (*issue, bool) {
	num, err := strconv.Atoi(n)
	if err != nil {
		return nil, false
	}
	is, ok := r.issues[num]
	if !ok || is.pr == nil {
		return nil, false
	}
	return is, true
}

func (s *Sim) listPulls(c *call) reply {
	state := c.query("state")
	if state == "" {
		state = "open"
	}
	head, base := c.query("head"), c.query("base")
	var out []any
	issues := c.repo.sortedIssues()
	sort.Slice(issues, func(i, j int) bool { return issues[i].number > issues[j].number })
	for _, is := range issues {
		if is.pr == nil || (state != "all" && is.state != state) {
			continue
		}
		if base != "" && is.pr.base != base {
			continue
		}
		if head != "" {
			owner, branch, hasOwner := strings.Cut(head, ":")
			if !hasOwner {
				branch, owner = owner, c.repo.owner
			}
			if !strings.EqualFold(owner, is.pr.headRepo.owner) || is.pr.head != branch {
				continue
			}
		}
		out = append(out, s.pullJSON(c.repo, is, false))
	}
	return s.paginate(c, out)
}

func (s *Sim) getPull(c *call) reply {
	is, found := c.repo.pullByNumber(c.param("number"))
	if !found {
		return notFound()
	}
	if is.state == "open" && !is.pr.mergeKnown {
		if is.pr.mergeAsked {
			is.pr.mergeKnown = true
		} else {
			is.pr.mergeAsked = true
		}
	}
	return ok(s.pullJSON(c.repo, is, true))
}

func (s *Sim) createPull(c *call) reply {
	var in struct {
		Title string `json:"title"`
		Head  string `json:"head"`
		Base  string `json:"base"`
		Body  string `json:"body"`
		Draft bool   `json:"draft"`
	}
	if err := c.decode(&in); err != nil {
		return apiError(http.StatusBadRequest, err.Error())
	}
	is, rep, failed := s.openPull(c.repo, c.who, in.Title, in.Head, in.Base, in.Body, in.Draft)
	if failed {
		return rep
	}
	out := created(s.pullJSON(c.repo, is, true))
	out.header = http.Header{"Location": {s.repoAPI(c.repo) + "/pulls/" + strconv.Itoa(is.number)}}
	return out
}

func prValidation(field, code, msg string) reply {
	e := obj{"resource": "PullRequest", "code": code}
	if field != "" {
		e["field"] = field
	}
	if msg != "" {
		e["message"] = msg
	}
	rep := validationFailed("Validation Failed")
	rep.body.(map[string]any)["errors"] = []obj{e}
	return rep
}

// headRepo finds the repository named by a PR head "owner:branch": r itself or a fork of it.
func (s *Sim) headRepo(r *repo, head string) (*repo, string) {
	owner, branch, hasOwner := strings.Cut(head, ":")
	if !hasOwner || strings.EqualFold(owner, r.owner) {
		if !hasOwner {
			branch = head
		}
		return r, branch
	}
	for _, f := range s.repos {
		if f.parent == r && strings.EqualFold(f.owner, owner) {
			return f, branch
		}
	}
	return nil, branch
}

func (s *Sim) openPull(r *repo, who principal, title, headSpec, base, body string, draft bool) (*issue, reply, bool) {
	hr, head := s.headRepo(r, headSpec)
	if hr == nil {
		return nil, prValidation("head", "invalid", ""), true
	}
	if base == "" {
		base = r.defaultBranch
	}
	if strings.TrimSpace(title) == "" {
		return nil, prValidation("title", "missing_field", ""), true
	}
	if len([]rune(title)) > 256 {
		return nil, prValidation("title", "custom", "title is too long (maximum is 256 characters)"), true
	}
	headSHA, okHead := hr.branchSHA(head)
	if !okHead {
		return nil, prValidation("head", "invalid", ""), true
	}
	baseSHA, okBase := r.branchSHA(base)
	if !okBase {
		return nil, prValidation("base", "invalid", ""), true
	}
	for _, is := range r.issues {
		if is.pr != nil && is.state == "open" && is.pr.headRepo == hr && is.pr.head == head && is.pr.base == base {
			return nil, prValidation("", "custom", "A pull request already exists for "+hr.owner+":"+head+"."), true
		}
	}
	if r.store.isAncestor(headSHA, baseSHA) {
		return nil, prValidation("", "custom", "No commits between "+base+" and "+head), true
	}
	is := s.newIssue(r, who, title, body)
	is.pr = &pull{id: s.newID(), head: head, headRepo: hr, base: base, headSHA: headSHA, draft: draft}
	s.emit("pull_request", "opened", r, who, s.pullEventPayload(r, is))
	return is, reply{}, false
}

func (s *Sim) newIssue(r *repo, who principal, title, body string) *issue {
	r.nextNumber++
	is := &issue{number: r.nextNumber, id: s.newID(), title: title, body: body, user: s.actor(who),
		state: "open", createdAt: s.now(), updatedAt: s.now()}
	r.issues[is.number] = is
	return is
}

func (s *Sim) updatePull(c *call) reply {
	is, found := c.repo.pullByNumber(c.param("number"))
	if !found {
		return notFound()
	}
	var in struct {
		Title *string `json:"title"`
		Body  *string `json:"body"`
		State *string `json:"state"`
		Base  *string `json:"base"`
	}
	if err := c.decode(&in); err != nil {
		return apiError(http.StatusBadRequest, err.Error())
	}
	changes := obj{}
	if in.Title != nil && *in.Title != is.title {
		if len([]rune(*in.Title)) > 256 {
			return prValidation("title", "custom", "title is too long (maximum is 256 characters)")
		}
		changes["title"] = obj{"from": is.title}
		is.title = *in.Title
	}
	if in.Body != nil && *in.Body != is.body {
		changes["body"] = obj{"from": is.body}
		is.body = *in.Body
	}
	if in.Base != nil && *in.Base != is.pr.base {
		if _, ok := c.repo.branchSHA(*in.Base); !ok {
			return prValidation("base", "invalid", "Proposed base branch '"+*in.Base+"' was not found")
		}
		oldSHA, _ := c.repo.branchSHA(is.pr.base)
		changes["base"] = obj{"ref": obj{"from": is.pr.base}, "sha": obj{"from": oldSHA}}
		is.pr.base = *in.Base
		is.pr.mergeKnown, is.pr.mergeAsked = false, false
	}
	is.updatedAt = c.now
	if len(changes) > 0 {
		p := s.pullEventPayload(c.repo, is)
		p["changes"] = changes
		s.emit("pull_request", "edited", c.repo, c.who, p)
	}
	if in.State != nil && *in.State != is.state && !is.pr.merged {
		switch *in.State {
		case "closed":
			s.closePull(c.repo, is, c.who)
		case "open":
			is.state, is.closedAt = "open", time.Time{}
			is.pr.mergeKnown, is.pr.mergeAsked = false, false
			s.emit("pull_request", "reopened", c.repo, c.who, s.pullEventPayload(c.repo, is))
		default:
			return prValidation("state", "invalid", "")
		}
	}
	return ok(s.pullJSON(c.repo, is, true))
}

func (s *Sim) closePull(r *repo, is *issue, who principal) {
	is.state, is.closedAt, is.updatedAt = "closed", s.now(), s.now()
	s.emit("pull_request", "closed", r, who, s.pullEventPayload(r, is))
}

func (s *Sim) listPullFiles(c *call) reply {
	is, found := c.repo.pullByNumber(c.param("number"))
	if !found {
		return notFound()
	}
	baseSHA, _ := c.repo.branchSHA(is.pr.base)
	mb := c.repo.store.mergeBase(baseSHA, is.pr.headSHA)
	var out []any
	for _, f := range s.diffFiles(c.repo, mb, is.pr.headSHA) {
		out = append(out, s.diffEntryJSON(c.repo, is.pr.headSHA, f))
	}
	return s.paginate(c, out)
}
