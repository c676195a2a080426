package githubsim

import (
	"encoding/json"
	"fmt"
	"strings"
)

// DeleteFile, as a value in Push's files, removes the file.
const DeleteFile = "\x00githubsim:delete\x00"

// ActionError is a person-action refused the way the API would refuse it.
type ActionError struct {
	Status  int
	Message string
}

// Error reads like "githubsim: 405 Pull Request is not mergeable".
func (e *ActionError) Error() string { return fmt.Sprintf("githubsim: %d %s", e.Status, e.Message) }

func replyErr(rep reply) error {
	msg := ""
	if m, ok := rep.body.(map[string]any); ok {
		msg, _ = m["message"].(string)
		if errs, ok := m["errors"].([]obj); ok && len(errs) > 0 {
			if em, ok := errs[0]["message"].(string); ok {
				msg += ": " + em
			}
		}
	}
	return &ActionError{Status: rep.status, Message: msg}
}

// personLocked maps a login to the principal a person-action runs as; the App's bot
// login (or "") acts as the installation.
func (s *Sim) personLocked(login string) principal {
	if login == "" || strings.EqualFold(login, s.botLogin()) {
		return principal{kind: kindInstallation}
	}
	return principal{kind: kindUser, user: s.addUserLocked(login, "User")}
}

// act runs fn as login on repo after checking the permission the API would require.
func (s *Sim) act(login, repoName string, need Permission, fn func(r *repo, who principal) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.repoLocked(repoName)
	if err != nil {
		return err
	}
	who := s.personLocked(login)
	perm := s.permissionOf(who, r)
	if perm == PermNone {
		return replyErr(notFound())
	}
	if perm.rank() < need.rank() {
		return replyErr(forbidden(who, need))
	}
	return fn(r, who)
}

// Push commits files (path → content; DeleteFile removes) on top of branch as login and
// moves the branch, creating it from the default branch when missing. Protection is
// bypassed as for an admin push. It sends push and check_suite webhooks and returns the commit SHA.
func (s *Sim) Push(login, repoName, branch, message string, files map[string]string) (string, error) {
	var sha string
	err := s.act(login, repoName, PermWrite, func(r *repo, who principal) error {
		parent, ok := r.branchSHA(branch)
		if !ok {
			parent, _ = r.branchSHA(r.defaultBranch)
		}
		base := ""
		var parents []string
		if parent != "" {
			cm, err := r.store.commit(parent)
			if err != nil {
				return err
			}
			base, parents = cm.Tree, []string{parent}
		}
		edits := map[string]*treeEntry{}
		for p, content := range files {
			p = strings.Trim(p, "/")
			if content == DeleteFile {
				edits[p] = nil
				continue
			}
			mode := ModeFile
			if old, err := r.store.lookupPath(base, p); err == nil && base != "" && !old.isTree() {
				mode = old.Mode
			}
			edits[p] = &treeEntry{Mode: mode, SHA: r.store.put(typeBlob, []byte(content))}
		}
		tree, err := r.store.editTree(base, edits)
		if err != nil {
			return fmt.Errorf("push %s: %w", branch, err)
		}
		u := s.actor(who)
		sig := Signature{Name: u.login, Email: noreplyEmail(u), When: s.now()}
		if message == "" {
			message = "Update files"
		}
		sha = r.store.put(typeCommit, encodeCommit(commitObj{Tree: tree, Parents: parents, Author: sig, Committer: sig, Message: message}))
		s.moveRef(r, "refs/heads/"+branch, sha, who, false)
		return nil
	})
	return sha, err
}

// DeleteBranch deletes a branch as login (closing pull requests whose head it is).
func (s *Sim) DeleteBranch(login, repoName, branch string) error {
	return s.act(login, repoName, PermWrite, func(r *repo, who principal) error {
		if _, ok := r.branchSHA(branch); !ok {
			return replyErr(validationFailed("Reference does not exist"))
		}
		s.moveRef(r, "refs/heads/"+branch, "", who, false)
		return nil
	})
}

// OpenPR opens a pull request from head ("branch", or "forkowner:branch" for a fork made
// with Fork) into base as login and returns its number.
func (s *Sim) OpenPR(login, repoName, head, base, title, body string) (int, error) {
	var n int
	err := s.act(login, repoName, PermRead, func(r *repo, who principal) error {
		is, rep, failed := s.openPull(r, who, title, head, base, body, false)
		if failed {
			return replyErr(rep)
		}
		n = is.number
		return nil
	})
	return n, err
}

// CreateIssue opens a plain issue as login and returns its number.
func (s *Sim) CreateIssue(login, repoName, title, body string) (int, error) {
	var n int
	err := s.act(login, repoName, PermRead, func(r *repo, who principal) error {
		is := s.newIssue(r, who, title, body)
		n = is.number
		s.emit("issues", "opened", r, who, obj{"issue": s.issueJSON(r, is)})
		return nil
	})
	return n, err
}

// Comment adds a comment on an issue or pull request as login and returns its id.
func (s *Sim) Comment(login, repoName string, number int, body string) (int64, error) {
	var id int64
	err := s.act(login, repoName, PermRead, func(r *repo, who principal) error {
		is, ok := r.issues[number]
		if !ok {
			return replyErr(notFound())
		}
		cm, rep, failed := s.addComment(r, is, who, body)
		if failed {
			return replyErr(rep)
		}
		id = cm.id
		return nil
	})
	return id, err
}

// EditComment changes a comment's body as login, sending issue_comment "edited".
func (s *Sim) EditComment(login, repoName string, commentID int64, body string) error {
	return s.act(login, repoName, PermRead, func(r *repo, who principal) error {
		cm, ok := r.comments[commentID]
		if !ok {
			return replyErr(notFound())
		}
		if rep, failed := s.editComment(r, cm, who, body); failed {
			return replyErr(rep)
		}
		return nil
	})
}

// DeleteComment deletes a comment as login (its author, or someone with write access),
// sending issue_comment "deleted".
func (s *Sim) DeleteComment(login, repoName string, commentID int64) error {
	return s.act(login, repoName, PermRead, func(r *repo, who principal) error {
		cm, ok := r.comments[commentID]
		if !ok {
			return replyErr(notFound())
		}
		if s.actor(who).id != cm.user.id && s.permissionOf(who, r).rank() < PermWrite.rank() {
			return replyErr(forbidden(who, PermWrite))
		}
		payload := obj{"issue": s.issueJSON(r, r.issues[cm.number]), "comment": s.commentJSON(r, cm)}
		delete(r.comments, commentID)
		s.emit("issue_comment", "deleted", r, who, payload)
		return nil
	})
}

// Review submits a review ("APPROVE", "REQUEST_CHANGES" or "COMMENT") as login.
func (s *Sim) Review(login, repoName string, number int, event, body string) error {
	return s.act(login, repoName, PermRead, func(r *repo, who principal) error {
		is, ok := r.issues[number]
		if !ok || is.pr == nil {
			return replyErr(notFound())
		}
		_, rep, failed := s.submitReview(r, is, who, event, body, "")
		if failed {
			return replyErr(rep)
		}
		return nil
	})
}

// Merge merges a pull request as login with method "merge" or "squash" and returns the merge commit.
func (s *Sim) Merge(login, repoName string, number int, method string) (string, error) {
	var sha string
	err := s.act(login, repoName, PermWrite, func(r *repo, who principal) error {
		is, ok := r.issues[number]
		if !ok || is.pr == nil {
			return replyErr(notFound())
		}
		var rep reply
		var failed bool
		sha, rep, failed = s.merge(r, is, who, "", method, "", "")
		if failed {
			return replyErr(rep)
		}
		return nil
	})
	return sha, err
}

// ClosePR closes a pull request without merging it, as login.
func (s *Sim) ClosePR(login, repoName string, number int) error {
	return s.act(login, repoName, PermWrite, func(r *repo, who principal) error {
		is, ok := r.issues[number]
		if !ok || is.pr == nil || is.state != "open" {
			return replyErr(notFound())
		}
		s.closePull(r, is, who)
		return nil
	})
}

// AddLabel labels an issue or pull request as login (sending "labeled" with login as sender).
func (s *Sim) AddLabel(login, repoName string, number int, name string) error {
	return s.act(login, repoName, PermTriage, func(r *repo, who principal) error {
		is, ok := r.issues[number]
		if !ok {
			return replyErr(notFound())
		}
		s.addLabels(r, is, who, []string{name})
		return nil
	})
}

// RemoveLabel removes a label as login (sending "unlabeled").
func (s *Sim) RemoveLabel(login, repoName string, number int, name string) error {
	return s.act(login, repoName, PermTriage, func(r *repo, who principal) error {
		is, ok := r.issues[number]
		if !ok || !s.removeLabel(r, is, who, name) {
			return replyErr(apiError(404, "Label does not exist"))
		}
		return nil
	})
}

// SetStatus posts a commit status as login (the App when login is its bot or "").
func (s *Sim) SetStatus(login, repoName, sha, context, state, description string) error {
	return s.act(login, repoName, PermWrite, func(r *repo, who principal) error {
		if _, rep, failed := s.postStatus(r, who, sha, state, context, description, ""); failed {
			return replyErr(rep)
		}
		return nil
	})
}

// CreateDeployment creates a deployment of ref to env as login and returns its id.
func (s *Sim) CreateDeployment(login, repoName, ref, env string) (int64, error) {
	var id int64
	err := s.act(login, repoName, PermWrite, func(r *repo, who principal) error {
		none := []string{}
		d, rep, failed := s.deploy(r, who, ref, env, "deploy", "", json.RawMessage(`{}`), &none)
		if failed {
			return replyErr(rep)
		}
		id = d.id
		return nil
	})
	return id, err
}

// SetDeploymentStatus adds a deployment status (e.g. "success") as login, as Argo CD or Flux would.
func (s *Sim) SetDeploymentStatus(login, repoName string, deploymentID int64, state string) error {
	return s.act(login, repoName, PermWrite, func(r *repo, who principal) error {
		d, ok := r.deployments[deploymentID]
		if !ok {
			return replyErr(notFound())
		}
		if _, rep, failed := s.addDeploymentStatus(r, d, who, state, "", "", "", ""); failed {
			return replyErr(rep)
		}
		return nil
	})
}

// RerequestCheckRun asks for a check run to be run again, as a person clicking "Re-run".
func (s *Sim) RerequestCheckRun(login, repoName string, checkRunID int64) error {
	return s.act(login, repoName, PermWrite, func(r *repo, who principal) error {
		cr, ok := r.checkRuns[checkRunID]
		if !ok {
			return replyErr(notFound())
		}
		s.rerequest(r, cr, who)
		return nil
	})
}

// RerequestCheckSuite asks for the App's check suite on a commit to run again, as a
// person clicking "Re-run all checks"; it sends check_suite rerequested.
func (s *Sim) RerequestCheckSuite(login, repoName, sha string) error {
	return s.act(login, repoName, PermWrite, func(r *repo, who principal) error {
		for _, cs := range r.checkSuites {
			if cs.headSHA == sha && cs.appID == s.opts.AppID {
				s.emit("check_suite", "rerequested", r, who, obj{"check_suite": s.suiteJSON(r, cs)})
				return nil
			}
		}
		return replyErr(notFound())
	})
}
