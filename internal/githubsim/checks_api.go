package githubsim

import (
	"encoding/json"
	"net/http"
	"sort"
	"strconv"
)

func (s *Sim) createCheckRun(c *call) reply {
	if rep, denied := requireApp(c); denied {
		return rep
	}
	var in checkRunInput
	if err := c.decode(&in); err != nil {
		return apiError(http.StatusBadRequest, err.Error())
	}
	if in.Name == nil || *in.Name == "" {
		return validationFailed("Invalid request.\n\n\"name\" wasn't supplied.")
	}
	if _, err := c.repo.store.commit(in.HeadSHA); err != nil {
		return validationFailed("No commit found for SHA: " + in.HeadSHA)
	}
	cs, isNew := s.suiteFor(c.repo, in.HeadSHA, "", "")
	if isNew {
		cs.headBranch = c.repo.branchOf(in.HeadSHA)
	}
	cr := &checkRun{id: s.newID(), suiteID: cs.id, appID: s.opts.AppID, headSHA: in.HeadSHA, status: "queued", startedAt: c.now}
	if rep, bad := in.apply(cr, c.now); bad {
		return rep
	}
	c.repo.checkRuns[cr.id] = cr
	cs.updatedAt = c.now
	s.checksChanged(c.repo, cr.headSHA)
	s.emitCheckRun(c.repo, cr, c.who, "created")
	if cr.status == "completed" {
		s.emitCheckRun(c.repo, cr, c.who, "completed")
	}
	return created(s.checkRunJSON(c.repo, cr))
}

// branchOf names a branch whose tip is sha, preferring the default branch.
func (r *repo) branchOf(sha string) string {
	if tip, ok := r.branchSHA(r.defaultBranch); ok && tip == sha {
		return r.defaultBranch
	}
	var names []string
	for name, tip := range r.refs {
		if b, ok := cutHeads(name); ok && tip == sha {
			names = append(names, b)
		}
	}
	sort.Strings(names)
	if len(names) > 0 {
		return names[0]
	}
	return ""
}

func cutHeads(name string) (string, bool) {
	const p = "refs/heads/"
	if len(name) > len(p) && name[:len(p)] == p {
		return name[len(p):], true
	}
	return "", false
}

// checksChanged invalidates mergeability of pull requests whose head is sha.
func (s *Sim) checksChanged(r *repo, sha string) {
	for _, is := range r.issues {
		if is.pr != nil && is.pr.headSHA == sha {
			is.pr.mergeKnown, is.pr.mergeAsked = false, false
		}
	}
}

func (s *Sim) checkRunByID(c *call) (*checkRun, bool) {
	id, err := strconv.ParseInt(c.param("check_run_id"), 10, 64)
	if err != nil {
		return nil, false
	}
	cr, ok := c.repo.checkRuns[id]
	return cr, ok
}

func (s *Sim) updateCheckRun(c *call) reply {
	if rep, denied := requireApp(c); denied {
		return rep
	}
	cr, found := s.checkRunByID(c)
	if !found {
		return notFound()
	}
	var in checkRunInput
	if err := c.decode(&in); err != nil {
		return apiError(http.StatusBadRequest, err.Error())
	}
	next := *cr
	if rep, bad := in.apply(&next, c.now); bad {
		return rep
	}
	wasCompleted := cr.status == "completed"
	*cr = next
	s.checksChanged(c.repo, cr.headSHA)
	if cr.status == "completed" && !wasCompleted {
		s.emitCheckRun(c.repo, cr, c.who, "completed")
	}
	return ok(s.checkRunJSON(c.repo, cr))
}

func (s *Sim) getCheckRun(c *call) reply {
	cr, found := s.checkRunByID(c)
	if !found {
		return notFound()
	}
	return ok(s.checkRunJSON(c.repo, cr))
}

func (s *Sim) listAnnotations(c *call) reply {
	cr, found := s.checkRunByID(c)
	if !found {
		return notFound()
	}
	var out []any
	for _, a := range cr.annotations {
		var m obj
		_ = json.Unmarshal(a, &m)
		full := obj{"path": m["path"], "start_line": m["start_line"], "end_line": m["end_line"],
			"start_column": m["start_column"], "end_column": m["end_column"], "annotation_level": m["annotation_level"],
			"title": m["title"], "message": m["message"], "raw_details": m["raw_details"],
			"blob_href": s.repoHTML(c.repo) + "/blob/" + cr.headSHA + "/" + toString(m["path"])}
		out = append(out, full)
	}
	return s.paginate(c, out)
}

func toString(v any) string {
	str, _ := v.(string)
	return str
}

// latestRuns returns check runs on sha, the latest per name unless all is set.
func (r *repo) latestRuns(sha string, all bool) []*checkRun {
	var runs []*checkRun
	for _, cr := range r.checkRuns {
		if cr.headSHA == sha {
			runs = append(runs, cr)
		}
	}
	sort.Slice(runs, func(i, j int) bool { return runs[i].id > runs[j].id })
	if all {
		return runs
	}
	seen := map[string]bool{}
	var out []*checkRun
	for _, cr := range runs {
		if !seen[cr.name] {
			seen[cr.name] = true
			out = append(out, cr)
		}
	}
	return out
}

func (s *Sim) listCheckRunsForRef(c *call) reply {
	sha, found := c.repo.resolveRef(c.param("ref"))
	if !found {
		return validationFailed("No commit found for SHA: " + c.param("ref"))
	}
	out := []obj{}
	for _, cr := range c.repo.latestRuns(sha, c.query("filter") == "all") {
		if n := c.query("check_name"); n != "" && n != cr.name {
			continue
		}
		if st := c.query("status"); st != "" && st != cr.status {
			continue
		}
		if id := c.query("app_id"); id != "" && id != strconv.FormatInt(cr.appID, 10) {
			continue
		}
		out = append(out, s.checkRunJSON(c.repo, cr))
	}
	return ok(obj{"total_count": len(out), "check_runs": out})
}

func (s *Sim) listSuitesForRef(c *call) reply {
	sha, found := c.repo.resolveRef(c.param("ref"))
	if !found {
		return validationFailed("No commit found for SHA: " + c.param("ref"))
	}
	var suites []*checkSuite
	for _, cs := range c.repo.checkSuites {
		if cs.headSHA == sha {
			suites = append(suites, cs)
		}
	}
	sort.Slice(suites, func(i, j int) bool { return suites[i].id < suites[j].id })
	out := []obj{}
	for _, cs := range suites {
		out = append(out, s.suiteJSON(c.repo, cs))
	}
	return ok(obj{"total_count": len(out), "check_suites": out})
}

func (s *Sim) rerequestCheckRun(c *call) reply {
	cr, found := s.checkRunByID(c)
	if !found {
		return notFound()
	}
	s.rerequest(c.repo, cr, c.who)
	return created(obj{})
}

// rerequest sends check_run rerequested to the App that created the run.
func (s *Sim) rerequest(r *repo, cr *checkRun, who principal) {
	s.emitCheckRun(r, cr, who, "rerequested")
}

// emitCheckRun sends a check_run webhook; a completed suite also sends check_suite completed.
func (s *Sim) emitCheckRun(r *repo, cr *checkRun, who principal, action string) {
	run := s.checkRunJSON(r, cr)
	// Webhooks carry the whole suite where the REST API carries only its id.
	suite := s.suiteJSON(r, r.checkSuites[cr.suiteID])
	delete(suite, "repository")
	run["check_suite"] = suite
	s.emit("check_run", action, r, who, obj{"check_run": run})
	if action == "completed" && suite["status"] == "completed" {
		s.emit("check_suite", "completed", r, who, obj{"check_suite": s.suiteJSON(r, r.checkSuites[cr.suiteID])})
	}
}

// checkState reports a required check on sha: missing, pending, passing or failing.
func (s *Sim) checkState(r *repo, sha string, rc RequiredCheck) string {
	for _, cr := range r.latestRuns(sha, false) {
		if cr.name != rc.Context || (rc.AppID != 0 && cr.appID != rc.AppID) {
			continue
		}
		if cr.status != "completed" {
			return "pending"
		}
		switch cr.conclusion {
		case "success", "neutral", "skipped":
			return "passing"
		}
		return "failing"
	}
	if st := r.latestStatus(sha, rc.Context); st != nil && (rc.AppID == 0 || st.appID == rc.AppID) {
		switch st.state {
		case "success":
			return "passing"
		case "pending":
			return "pending"
		}
		return "failing"
	}
	return "missing"
}

// anyCheckFailing reports whether any latest check run or status on sha failed.
func (s *Sim) anyCheckFailing(r *repo, sha string) bool {
	for _, cr := range r.latestRuns(sha, false) {
		if cr.status == "completed" && conclusionRank(cr.conclusion) >= 3 {
			return true
		}
	}
	for _, st := range r.latestStatuses(sha) {
		if st.state == "failure" || st.state == "error" {
			return true
		}
	}
	return false
}
