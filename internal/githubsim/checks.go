package githubsim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// checkRun is a check run created by the App.
type checkRun struct {
	id          int64
	suiteID     int64
	appID       int64
	headSHA     string
	name        string
	status      string
	conclusion  string
	externalID  string
	detailsURL  string
	startedAt   time.Time
	completedAt time.Time
	output      checkOutput
	annotations []json.RawMessage
}

type checkOutput struct {
	Title       *string           `json:"title"`
	Summary     *string           `json:"summary"`
	Text        *string           `json:"text"`
	Annotations []json.RawMessage `json:"annotations"`
}

// checkSuite groups the App's check runs for one head commit.
type checkSuite struct {
	id         int64
	appID      int64
	headSHA    string
	headBranch string
	before     string
	createdAt  time.Time
	updatedAt  time.Time
}

// GitHub's limits on a check run: annotations per request, and characters in summary and text.
const (
	maxAnnotations = 50
	maxCheckText   = 65535
)

func strOr(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func (s *Sim) appJSON() obj {
	owner := s.users[strings.ToLower(s.botLogin())]
	return obj{
		"id": s.opts.AppID, "slug": s.opts.AppSlug, "node_id": nodeID("A", s.opts.AppID), "client_id": "Iv1.githubsim",
		"owner": s.userJSON(owner), "name": s.opts.AppSlug, "description": "Simulated GitHub App",
		"external_url": s.webURL(), "html_url": s.webURL() + "/apps/" + s.opts.AppSlug,
		"created_at": ts(s.instAt), "updated_at": ts(s.instAt),
		"permissions": obj{"checks": "write", "contents": "write", "pull_requests": "write", "issues": "write",
			"statuses": "write", "deployments": "write", "metadata": "read", "members": "read"},
		"events": []string{"check_run", "check_suite", "issue_comment", "pull_request", "pull_request_review", "push", "status", "deployment_status"},
	}
}

// suiteFor finds or creates the App's check suite for a commit.
func (s *Sim) suiteFor(r *repo, sha, branch, before string) (*checkSuite, bool) {
	for _, cs := range r.checkSuites {
		if cs.headSHA == sha && cs.appID == s.opts.AppID {
			return cs, false
		}
	}
	cs := &checkSuite{id: s.newID(), appID: s.opts.AppID, headSHA: sha, headBranch: branch, before: before, createdAt: s.now(), updatedAt: s.now()}
	r.checkSuites[cs.id] = cs
	return cs, true
}

// requestCheckSuite creates the App's suite for a pushed commit and sends check_suite requested.
func (s *Sim) requestCheckSuite(r *repo, branch, before, sha string, who principal) {
	cs, isNew := s.suiteFor(r, sha, branch, before)
	if !isNew {
		return
	}
	s.emit("check_suite", "requested", r, who, obj{"check_suite": s.suiteJSON(r, cs)})
}

func (s *Sim) runsOfSuite(r *repo, suiteID int64) []*checkRun {
	var out []*checkRun
	for _, cr := range r.checkRuns {
		if cr.suiteID == suiteID {
			out = append(out, cr)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].id < out[j].id })
	return out
}

func (s *Sim) suiteJSON(r *repo, cs *checkSuite) obj {
	runs := s.runsOfSuite(r, cs.id)
	status, conclusion := "queued", any(nil)
	if len(runs) > 0 {
		status = "completed"
		worst := ""
		for _, cr := range runs {
			if cr.status != "completed" {
				status = "in_progress"
			}
			if conclusionRank(cr.conclusion) > conclusionRank(worst) {
				worst = cr.conclusion
			}
		}
		if status == "completed" {
			conclusion = worst
		}
	}
	cm, _ := r.store.commit(cs.headSHA)
	var headBranch any = cs.headBranch
	if cs.headBranch == "" {
		headBranch = nil
	}
	before := any(nil)
	if cs.before != "" {
		before = cs.before
	}
	api := s.repoAPI(r)
	return obj{
		"id": cs.id, "node_id": nodeID("CS", cs.id), "head_branch": headBranch, "head_sha": cs.headSHA,
		"status": status, "conclusion": conclusion, "url": api + "/check-suites/" + strconv.FormatInt(cs.id, 10),
		"before": before, "after": cs.headSHA, "pull_requests": s.prRefs(r, cs.headSHA), "app": s.appJSON(),
		"repository": s.repoJSON(r), "created_at": ts(cs.createdAt), "updated_at": ts(cs.updatedAt),
		"head_commit": obj{"id": cs.headSHA, "tree_id": cm.Tree, "message": cm.Message,
			"timestamp": ts(cm.Committer.When), "author": obj{"name": cm.Author.Name, "email": cm.Author.Email},
			"committer": obj{"name": cm.Committer.Name, "email": cm.Committer.Email}},
		"latest_check_runs_count": len(runs), "check_runs_url": api + "/check-suites/" + strconv.FormatInt(cs.id, 10) + "/check-runs",
		"rerequestable": true, "runs_rerequestable": true,
	}
}

func conclusionRank(c string) int {
	switch c {
	case "success":
		return 1
	case "neutral", "skipped":
		return 0
	case "stale":
		return 2
	case "cancelled", "timed_out", "action_required":
		return 3
	case "failure":
		return 4
	}
	return -1
}

// prRefs lists the open pull requests whose head is sha, in the check API's minimal shape.
func (s *Sim) prRefs(r *repo, sha string) []obj {
	out := []obj{}
	api := s.repoAPI(r)
	mini := obj{"id": r.id, "url": api, "name": r.name}
	for _, is := range r.sortedIssues() {
		if is.pr == nil || is.state != "open" || is.pr.headSHA != sha {
			continue
		}
		baseSHA, _ := r.branchSHA(is.pr.base)
		out = append(out, obj{
			"url": api + "/pulls/" + strconv.Itoa(is.number), "id": is.pr.id, "number": is.number,
			"head": obj{"ref": is.pr.head, "sha": is.pr.headSHA, "repo": obj{"id": is.pr.headRepo.id, "url": s.repoAPI(is.pr.headRepo), "name": is.pr.headRepo.name}},
			"base": obj{"ref": is.pr.base, "sha": baseSHA, "repo": mini},
		})
	}
	return out
}

func strOrNil(p *string) any {
	if p == nil {
		return nil
	}
	return *p
}

func (s *Sim) checkRunJSON(r *repo, cr *checkRun) obj {
	api := s.repoAPI(r)
	id := strconv.FormatInt(cr.id, 10)
	var conclusion, external, details any
	if cr.conclusion != "" {
		conclusion = cr.conclusion
	}
	external = cr.externalID
	details = cr.detailsURL
	if cr.detailsURL == "" {
		details = s.repoHTML(r) + "/runs/" + id
	}
	return obj{
		"id": cr.id, "node_id": nodeID("CR", cr.id), "head_sha": cr.headSHA, "external_id": external,
		"url": api + "/check-runs/" + id, "html_url": s.repoHTML(r) + "/runs/" + id, "details_url": details,
		"status": cr.status, "conclusion": conclusion, "started_at": tsOrNil(cr.startedAt),
		"completed_at": tsOrNil(cr.completedAt), "name": cr.name, "check_suite": obj{"id": cr.suiteID},
		"output": obj{"title": strOrNil(cr.output.Title), "summary": strOrNil(cr.output.Summary),
			"text": strOrNil(cr.output.Text), "annotations_count": len(cr.annotations),
			"annotations_url": api + "/check-runs/" + id + "/annotations"},
		"app": s.appJSON(), "pull_requests": s.prRefs(r, cr.headSHA),
	}
}

// checkRunInput is the body of create and update check run requests.
type checkRunInput struct {
	Name        *string      `json:"name"`
	HeadSHA     string       `json:"head_sha"`
	DetailsURL  *string      `json:"details_url"`
	ExternalID  *string      `json:"external_id"`
	Status      *string      `json:"status"`
	Conclusion  *string      `json:"conclusion"`
	StartedAt   *time.Time   `json:"started_at"`
	CompletedAt *time.Time   `json:"completed_at"`
	Output      *checkOutput `json:"output"`
}

// apply validates and applies an input to a check run, as GitHub does on create and update.
func (in checkRunInput) apply(cr *checkRun, now time.Time) (reply, bool) {
	if in.Output != nil {
		if len(in.Output.Annotations) > maxAnnotations {
			return validationFailed("Only 50 annotations can be sent per request; use multiple requests to add more."), true
		}
		if in.Output.Title == nil || in.Output.Summary == nil {
			return validationFailed("Invalid request.\n\n\"title\", \"summary\" weren't supplied."), true
		}
		for _, text := range []*string{in.Output.Summary, in.Output.Text} {
			if n := utf8.RuneCountInString(strOr(text)); n > maxCheckText {
				return validationFailed(fmt.Sprintf("Invalid request.\n\nOnly %d characters are allowed; %d were supplied.", maxCheckText, n)), true
			}
		}
		for _, a := range in.Output.Annotations {
			var ann struct {
				Path      string `json:"path"`
				StartLine *int   `json:"start_line"`
				EndLine   *int   `json:"end_line"`
				Level     string `json:"annotation_level"`
				Message   string `json:"message"`
			}
			if json.Unmarshal(a, &ann) != nil || ann.Path == "" || ann.StartLine == nil || ann.EndLine == nil || ann.Message == "" ||
				(ann.Level != "notice" && ann.Level != "warning" && ann.Level != "failure") {
				return validationFailed("Invalid request.\n\nAnnotations need path, start_line, end_line, annotation_level and message."), true
			}
		}
		cr.output.Title, cr.output.Summary, cr.output.Text = in.Output.Title, in.Output.Summary, in.Output.Text
		cr.annotations = append(cr.annotations, in.Output.Annotations...)
	}
	if in.Name != nil {
		cr.name = *in.Name
	}
	if in.DetailsURL != nil {
		cr.detailsURL = *in.DetailsURL
	}
	if in.ExternalID != nil {
		cr.externalID = *in.ExternalID
	}
	if in.StartedAt != nil {
		cr.startedAt = *in.StartedAt
	}
	if in.Status != nil {
		switch *in.Status {
		case "queued", "in_progress", "completed", "waiting", "requested", "pending":
			cr.status = *in.Status
		default:
			return validationFailed("Invalid request.\n\nstatus is not included in the list."), true
		}
	}
	if in.Conclusion != nil {
		if conclusionRank(*in.Conclusion) < 0 && *in.Conclusion != "neutral" && *in.Conclusion != "skipped" {
			return validationFailed("Invalid request.\n\nconclusion is not included in the list."), true
		}
		cr.conclusion, cr.status = *in.Conclusion, "completed"
	}
	if cr.status == "completed" {
		if cr.conclusion == "" {
			return validationFailed("Invalid request.\n\nNo conclusion was supplied for a completed check run."), true
		}
		cr.completedAt = now
		if in.CompletedAt != nil {
			cr.completedAt = *in.CompletedAt
		}
	}
	return reply{}, false
}

func requireApp(c *call) (reply, bool) {
	if c.who.kind != kindInstallation {
		return apiError(http.StatusForbidden, "You must authenticate via a GitHub App."), true
	}
	return reply{}, false
}
