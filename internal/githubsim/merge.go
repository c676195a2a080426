package githubsim

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// RequiredCheck is a status check that branch protection requires.
type RequiredCheck struct {
	// Context is the check run name or commit status context.
	Context string
	// AppID, when non-zero, accepts only check runs created by that App (the expected
	// source). Zero accepts a check run or a commit status from anyone.
	AppID int64
}

// Protection is a branch's protection rule.
type Protection struct {
	RequiredChecks []RequiredCheck
	// RequiredApprovals is the number of approving reviews from users with write access.
	RequiredApprovals int
	// DismissStaleReviews ignores approvals given on an older head commit.
	DismissStaleReviews bool
	// Strict requires the head to contain the base branch's tip ("behind" otherwise).
	Strict bool
}

// Protect sets or (with nil) removes the protection of a branch.
func (s *Sim) Protect(repoName, branch string, p *Protection) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.repoLocked(repoName)
	if err != nil {
		return err
	}
	if p == nil {
		delete(r.protections, branch)
	} else {
		cp := *p
		r.protections[branch] = &cp
	}
	for _, is := range r.issues {
		if is.pr != nil && is.pr.base == branch {
			is.pr.mergeKnown, is.pr.mergeAsked = false, false
		}
	}
	return nil
}

// mergeResult is a computed mergeability.
type mergeResult struct {
	mergeable bool
	state     string // clean, dirty, blocked, behind, unstable, draft
	tree      string // merged tree when mergeable
	reason    string // why the merge is blocked, GitHub's wording
}

func (s *Sim) mergeability(r *repo, is *issue) mergeResult {
	pr := is.pr
	baseSHA, _ := r.branchSHA(pr.base)
	mb := r.store.mergeBase(baseSHA, pr.headSHA)
	baseC, err1 := r.store.commit(baseSHA)
	headC, err2 := r.store.commit(pr.headSHA)
	if err1 != nil || err2 != nil {
		return mergeResult{state: "dirty", reason: "Pull Request is not mergeable"}
	}
	mbTree := ""
	if mbC, err := r.store.commit(mb); err == nil {
		mbTree = mbC.Tree
	}
	var tree string
	var conflicts []string
	tree, conflicts, err1 = r.store.mergeTrees(mbTree, baseC.Tree, headC.Tree)
	if err1 != nil || len(conflicts) > 0 {
		return mergeResult{state: "dirty", reason: "Pull Request is not mergeable"}
	}
	res := mergeResult{mergeable: true, state: "clean", tree: tree}
	if reason := s.protectionBlock(r, is, baseSHA); reason != "" {
		res.state, res.reason = "blocked", reason
		if strings.HasPrefix(reason, "Head branch was not up to date") {
			res.state = "behind"
		}
		return res
	}
	if pr.draft {
		res.state = "draft"
	} else if s.anyCheckFailing(r, pr.headSHA) {
		res.state = "unstable"
	}
	return res
}

// protectionBlock returns GitHub's message for the first unmet protection rule, or "".
func (s *Sim) protectionBlock(r *repo, is *issue, baseSHA string) string {
	p := r.protections[is.pr.base]
	if p == nil {
		return ""
	}
	if approvals := s.approvals(r, is, p.DismissStaleReviews); approvals < p.RequiredApprovals {
		n := p.RequiredApprovals
		plural := "review is"
		if n > 1 {
			plural = "reviews are"
		}
		return fmt.Sprintf("At least %d approving %s required by reviewers with write access.", n, plural)
	}
	for _, rc := range p.RequiredChecks {
		switch s.checkState(r, is.pr.headSHA, rc) {
		case "missing", "pending":
			return fmt.Sprintf("Required status check %q is expected.", rc.Context)
		case "failing":
			return fmt.Sprintf("Required status check %q is failing.", rc.Context)
		}
	}
	if p.Strict && !r.store.isAncestor(baseSHA, is.pr.headSHA) {
		return "Head branch was not up to date with the base branch."
	}
	return ""
}

// approvals counts users with write access whose latest review approves.
func (s *Sim) approvals(r *repo, is *issue, dismissStale bool) int {
	latest := map[string]*review{}
	for _, rv := range is.pr.reviews {
		if rv.state == "COMMENTED" || rv.state == "PENDING" {
			continue
		}
		latest[strings.ToLower(rv.user.login)] = rv
	}
	n := 0
	for login, rv := range latest {
		u := s.users[login]
		if rv.state != "APPROVED" || u == nil {
			continue
		}
		if dismissStale && rv.commitID != is.pr.headSHA {
			continue
		}
		if s.permissionOf(principal{kind: kindUser, user: u}, r).rank() >= PermWrite.rank() {
			n++
		}
	}
	return n
}

func (s *Sim) mergePull(c *call) reply {
	is, found := c.repo.pullByNumber(c.param("number"))
	if !found {
		return notFound()
	}
	var in struct {
		CommitTitle   string `json:"commit_title"`
		CommitMessage string `json:"commit_message"`
		SHA           string `json:"sha"`
		MergeMethod   string `json:"merge_method"`
	}
	if err := c.decode(&in); err != nil {
		return apiError(http.StatusBadRequest, err.Error())
	}
	sha, rep, failed := s.merge(c.repo, is, c.who, in.SHA, in.MergeMethod, in.CommitTitle, in.CommitMessage)
	if failed {
		return rep
	}
	return ok(obj{"sha": sha, "merged": true, "message": "Pull Request successfully merged"})
}

// merge merges a pull request as the merge API does and returns the new base commit.
func (s *Sim) merge(r *repo, is *issue, who principal, pin, method, title, message string) (string, reply, bool) {
	pr := is.pr
	if is.state != "open" || pr.merged {
		return "", apiError(http.StatusMethodNotAllowed, "Pull Request is not mergeable"), true
	}
	if pin != "" && pin != pr.headSHA {
		return "", apiError(http.StatusConflict, "Head branch was modified. Review and try the merge again."), true
	}
	switch method {
	case "", "merge", "squash", "rebase":
	default:
		return "", validationFailed("Invalid request.\n\n" + strconv.Quote(method) + " is not a member of [\"merge\", \"squash\", \"rebase\"]."), true
	}
	if s.takeRefConflict() {
		return "", apiError(http.StatusMethodNotAllowed, "Base branch was modified. Review and try the merge again."), true
	}
	res := s.mergeability(r, is)
	if !res.mergeable {
		return "", apiError(http.StatusMethodNotAllowed, res.reason), true
	}
	if res.state == "blocked" || res.state == "behind" {
		return "", apiError(http.StatusMethodNotAllowed, res.reason), true
	}
	if res.state == "draft" {
		return "", apiError(http.StatusMethodNotAllowed, "Pull Request is still a draft"), true
	}
	baseSHA, _ := r.branchSHA(pr.base)
	u := s.actor(who)
	sig := Signature{Name: u.login, Email: noreplyEmail(u), When: s.now()}
	parents := []string{baseSHA, pr.headSHA}
	if title == "" {
		title = fmt.Sprintf("Merge pull request #%d from %s/%s", is.number, pr.headRepo.owner, pr.head)
	}
	if method == "squash" {
		parents = []string{baseSHA}
		if title == "" || strings.HasPrefix(title, "Merge pull request") {
			title = fmt.Sprintf("%s (#%d)", is.title, is.number)
		}
	}
	msg := title + "\n"
	if message != "" {
		msg += "\n" + message + "\n"
	} else if method != "squash" {
		msg += "\n" + is.title + "\n"
	}
	sha := ""
	if method == "rebase" {
		var ok bool
		if sha, ok = s.rebase(r, baseSHA, pr.headSHA, sig); !ok {
			return "", apiError(http.StatusMethodNotAllowed, "This branch can't be rebased"), true
		}
	} else {
		sha = r.store.put(typeCommit, encodeCommit(commitObj{Tree: res.tree, Parents: parents, Author: sig, Committer: sig, Message: msg}))
	}
	pr.merged, pr.mergedBy, pr.mergedAt, pr.mergeCommit, pr.mergedOnto = true, u, s.now(), sha, baseSHA
	is.state, is.closedAt, is.updatedAt = "closed", s.now(), s.now()
	s.moveRef(r, "refs/heads/"+pr.base, sha, who, false)
	s.emit("pull_request", "closed", r, who, s.pullEventPayload(r, is))
	return sha, reply{}, false
}

// rebase replays the head's commits onto base one by one, keeping their authors, and
// returns the new tip; false when a commit does not apply.
func (s *Sim) rebase(r *repo, base, head string, committer Signature) (string, bool) {
	tip := base
	for _, sha := range r.newCommits(orZero(r.store.mergeBase(base, head)), head) {
		cm, err := r.store.commit(sha)
		if err != nil {
			return "", false
		}
		tipC, err := r.store.commit(tip)
		if err != nil {
			return "", false
		}
		tree, conflicts, err := r.store.mergeTrees(r.parentTree(sha), tipC.Tree, cm.Tree)
		if err != nil || len(conflicts) > 0 {
			return "", false
		}
		tip = r.store.put(typeCommit, encodeCommit(commitObj{Tree: tree, Parents: []string{tip}, Author: cm.Author, Committer: committer, Message: cm.Message}))
	}
	return tip, true
}
