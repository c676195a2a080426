package githubsim

import (
	"fmt"
	"sort"
	"strings"
)

// RefSHA returns the commit a ref ("heads/main", "refs/heads/main", "main" or a SHA) points at.
func (s *Sim) RefSHA(repoName, ref string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.repoLocked(repoName)
	if err != nil {
		return "", err
	}
	sha, ok := r.resolveRef(ref)
	if !ok {
		return "", fmt.Errorf("ref %s in %s: %w", ref, repoName, errNotFound)
	}
	return sha, nil
}

// File returns a file's content at a ref.
func (s *Sim) File(repoName, ref, path string) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.repoLocked(repoName)
	if err != nil {
		return nil, err
	}
	tree, ok := r.treeOf(ref)
	if !ok {
		return nil, fmt.Errorf("ref %s in %s: %w", ref, repoName, errNotFound)
	}
	e, err := r.store.lookupPath(tree, path)
	if err != nil {
		return nil, err
	}
	data, ok := r.store.get(e.SHA, typeBlob)
	if !ok {
		return nil, fmt.Errorf("%s is not a file: %w", path, errNotFound)
	}
	return append([]byte(nil), data...), nil
}

// PullRequest is a read-only view of a pull request for test assertions.
type PullRequest struct {
	Number         int
	Title, Body    string
	State          string
	Head, Base     string
	HeadSHA        string
	HeadRepo       string // owner/name of the head branch's repository (a fork's, for fork PRs)
	Author         string
	Merged         bool
	MergeCommitSHA string
	Labels         []string
}

// PullRequests lists the repository's pull requests, oldest first.
func (s *Sim) PullRequests(repoName string) ([]PullRequest, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.repoLocked(repoName)
	if err != nil {
		return nil, err
	}
	var out []PullRequest
	for _, is := range r.sortedIssues() {
		if is.pr == nil {
			continue
		}
		out = append(out, PullRequest{
			Number: is.number, Title: is.title, Body: is.body, State: is.state, Head: is.pr.head, Base: is.pr.base,
			HeadSHA: is.pr.headSHA, HeadRepo: is.pr.headRepo.fullName(), Author: is.user.login, Merged: is.pr.merged, MergeCommitSHA: is.pr.mergeCommit,
			Labels: append([]string(nil), is.labels...),
		})
	}
	return out, nil
}

// Comment is a read-only view of an issue comment for test assertions.
type Comment struct {
	ID        int64
	Author    string
	Body      string
	Reactions []string // "login:content"
}

// Comments lists the comments on an issue or pull request, oldest first.
func (s *Sim) Comments(repoName string, number int) ([]Comment, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.repoLocked(repoName)
	if err != nil {
		return nil, err
	}
	var out []Comment
	for _, cm := range r.commentsOn(number) {
		c := Comment{ID: cm.id, Author: cm.user.login, Body: cm.body}
		for _, re := range cm.reactions {
			c.Reactions = append(c.Reactions, re.user.login+":"+re.content)
		}
		out = append(out, c)
	}
	return out, nil
}

// CheckRun is a read-only view of a check run for test assertions.
type CheckRun struct {
	ID          int64
	Name        string
	HeadSHA     string
	Status      string
	Conclusion  string
	Title       string
	Summary     string
	Annotations int
}

// CheckRuns lists the latest check run per name on a ref.
func (s *Sim) CheckRuns(repoName, ref string) ([]CheckRun, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.repoLocked(repoName)
	if err != nil {
		return nil, err
	}
	sha, ok := r.resolveRef(ref)
	if !ok {
		return nil, fmt.Errorf("ref %s: %w", ref, errNotFound)
	}
	var out []CheckRun
	for _, cr := range r.latestRuns(sha, false) {
		v := CheckRun{ID: cr.id, Name: cr.name, HeadSHA: cr.headSHA, Status: cr.status, Conclusion: cr.conclusion, Annotations: len(cr.annotations)}
		if cr.output.Title != nil {
			v.Title = *cr.output.Title
		}
		if cr.output.Summary != nil {
			v.Summary = *cr.output.Summary
		}
		out = append(out, v)
	}
	return out, nil
}

// Branches lists the repository's branch names, sorted.
func (s *Sim) Branches(repoName string) ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.repoLocked(repoName)
	if err != nil {
		return nil, err
	}
	var out []string
	for name := range r.refs {
		if b, ok := strings.CutPrefix(name, "refs/heads/"); ok {
			out = append(out, b)
		}
	}
	sort.Strings(out)
	return out, nil
}
