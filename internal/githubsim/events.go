package githubsim

import (
	"sort"
	"strings"
)

const zeroSHA = "0000000000000000000000000000000000000000"

// moveRef sets (sha != "") or deletes a ref and runs everything GitHub does after a push:
// the push webhook, a check suite for new commits, and pull request updates.
func (s *Sim) moveRef(r *repo, name, sha string, who principal, forced bool) {
	before, existed := r.refs[name]
	if sha == "" {
		delete(r.refs, name)
	} else {
		r.refs[name] = sha
	}
	if !existed {
		before = zeroSHA
	}
	after := sha
	if after == "" {
		after = zeroSHA
	}
	r.pushedAt = s.now()
	s.emitPush(r, name, before, after, who, forced)
	branch, isBranch := strings.CutPrefix(name, "refs/heads/")
	if !isBranch {
		return
	}
	if sha != "" {
		s.requestCheckSuite(r, branch, before, sha, who)
	}
	s.branchMoved(r, branch, before, sha, who)
}

// newCommits lists commits reachable from after but not from before, oldest first.
func (r *repo) newCommits(before, after string) []string {
	if after == zeroSHA || after == "" {
		return nil
	}
	old := map[string]bool{}
	if before != zeroSHA {
		for _, c := range r.store.ancestors(before) {
			old[c] = true
		}
	}
	var out []string
	for _, c := range r.store.ancestors(after) {
		if !old[c] {
			out = append(out, c)
		}
	}
	// Ancestors come child first; reverse so the oldest commit is first, as GitHub lists them.
	for a, b := 0, len(out)-1; a < b; a, b = a+1, b-1 {
		out[a], out[b] = out[b], out[a]
	}
	return out
}

func (s *Sim) pushCommitJSON(r *repo, sha string, distinct bool, parentTree string) obj {
	cm, _ := r.store.commit(sha)
	added, removed, modified := []string{}, []string{}, []string{}
	if changes, err := r.store.diffTrees(parentTree, cm.Tree); err == nil {
		for _, ch := range changes {
			switch ch.Status {
			case "added":
				added = append(added, ch.Path)
			case "removed":
				removed = append(removed, ch.Path)
			default:
				modified = append(modified, ch.Path)
			}
		}
	}
	person := func(sig Signature) obj {
		return obj{"name": sig.Name, "email": sig.Email, "date": sig.When.Format("2006-01-02T15:04:05Z07:00"), "username": strings.SplitN(sig.Email, "@", 2)[0]}
	}
	return obj{
		"id": sha, "tree_id": cm.Tree, "distinct": distinct, "message": cm.Message,
		"timestamp": cm.Committer.When.Format("2006-01-02T15:04:05Z07:00"),
		"url":       s.repoHTML(r) + "/commit/" + sha, "author": person(cm.Author), "committer": person(cm.Committer),
		"added": added, "removed": removed, "modified": modified,
	}
}

func (r *repo) parentTree(sha string) string {
	cm, err := r.store.commit(sha)
	if err != nil || len(cm.Parents) == 0 {
		return ""
	}
	p, err := r.store.commit(cm.Parents[0])
	if err != nil {
		return ""
	}
	return p.Tree
}

func (s *Sim) emitPush(r *repo, name, before, after string, who principal, forced bool) {
	commits := []obj{}
	shas := r.newCommits(before, after)
	if len(shas) > 20 {
		shas = shas[len(shas)-20:]
	}
	for _, sha := range shas {
		commits = append(commits, s.pushCommitJSON(r, sha, true, r.parentTree(sha)))
	}
	var head any
	if after != zeroSHA {
		head = s.pushCommitJSON(r, after, len(shas) > 0, r.parentTree(after))
	}
	u := s.actor(who)
	// Push payloads describe the repository with a few extra fields of their own.
	repoJSON := s.repoJSON(r)
	owner := repoJSON["owner"].(obj)
	owner["name"], owner["email"] = r.owner, nil
	repoJSON["stargazers"], repoJSON["master_branch"] = 0, r.defaultBranch
	s.emit("push", "", r, who, obj{
		"repository": repoJSON,
		"ref":        name, "before": before, "after": after, "base_ref": nil,
		"created": before == zeroSHA, "deleted": after == zeroSHA, "forced": forced,
		"compare": s.repoHTML(r) + "/compare/" + before[:12] + "..." + after[:12],
		"commits": commits, "head_commit": head,
		"pusher": obj{"name": u.login, "email": noreplyEmail(u)},
	})
}

// branchMoved updates pull requests whose base is the branch of r, or whose head is
// (in r or, for a fork, in its parent).
func (s *Sim) branchMoved(r *repo, branch, before, after string, who principal) {
	for _, is := range r.sortedIssues() {
		if is.pr == nil || is.state != "open" || is.pr.base != branch {
			continue
		}
		is.pr.mergeKnown, is.pr.mergeAsked = false, false
		if after != "" && r.store.isAncestor(is.pr.headSHA, after) {
			// The head's commits reached the base by a push: GitHub marks the PR merged.
			pr := is.pr
			pr.merged, pr.mergedBy, pr.mergedAt, pr.mergeCommit, pr.mergedOnto = true, s.actor(who), s.now(), pr.headSHA, before
			is.state, is.closedAt, is.updatedAt = "closed", s.now(), s.now()
			s.emit("pull_request", "closed", r, who, s.pullEventPayload(r, is))
		}
	}
	bases := []*repo{r}
	if r.parent != nil {
		bases = append(bases, r.parent)
	}
	for _, base := range bases {
		for _, is := range base.sortedIssues() {
			pr := is.pr
			if pr == nil || is.state != "open" || pr.headRepo != r || pr.head != branch {
				continue
			}
			if after == "" {
				s.closePull(base, is, who)
				continue
			}
			pr.headSHA = after
			pr.mergeKnown, pr.mergeAsked = false, false
			is.updatedAt = s.now()
			payload := s.pullEventPayload(base, is)
			payload["before"], payload["after"] = before, after
			s.emit("pull_request", "synchronize", base, who, payload)
		}
	}
}

func (r *repo) sortedIssues() []*issue {
	out := make([]*issue, 0, len(r.issues))
	for _, is := range r.issues {
		out = append(out, is)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].number < out[j].number })
	return out
}
