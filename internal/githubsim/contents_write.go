package githubsim

import (
	"encoding/base64"
	"net/http"
	"strings"
)

// putContent creates or updates one file on a branch with a new commit
// (repos/create-or-update-file-contents).
func (s *Sim) putContent(c *call) reply {
	var in struct {
		Message   string    `json:"message"`
		Content   *string   `json:"content"`
		SHA       string    `json:"sha"`
		Branch    string    `json:"branch"`
		Author    *sigInput `json:"author"`
		Committer *sigInput `json:"committer"`
	}
	if err := c.decode(&in); err != nil {
		return apiError(http.StatusBadRequest, err.Error())
	}
	if in.Content == nil || in.Message == "" {
		return validationFailed("Invalid request.\n\n\"content\", \"message\" weren't supplied.")
	}
	data, err := base64.StdEncoding.DecodeString(strings.ReplaceAll(*in.Content, "\n", ""))
	if err != nil {
		return validationFailed("content is not valid Base64")
	}
	r := c.repo
	branch := in.Branch
	if branch == "" {
		branch = r.defaultBranch
	}
	p := strings.Trim(c.param("path"), "/")
	parent, exists := r.branchSHA(branch)
	if !exists && len(r.refs) > 0 {
		return apiError(http.StatusNotFound, "Branch "+branch+" not found")
	}
	if rep, blocked := s.protectedPush(c, "refs/heads/"+branch); blocked {
		return rep
	}
	base := ""
	var parents []string
	if exists {
		cm, err := r.store.commit(parent)
		if err != nil {
			return notFound()
		}
		base, parents = cm.Tree, []string{parent}
	}
	old, err := r.store.lookupPath(base, p)
	had := err == nil && base != "" && !old.isTree()
	switch {
	case had && in.SHA == "":
		return validationFailed("Invalid request.\n\n\"sha\" wasn't supplied.")
	case had && in.SHA != old.SHA, !had && in.SHA != "":
		return apiError(http.StatusConflict, p+" does not match "+in.SHA)
	}
	entry := treeEntry{Mode: ModeFile, SHA: r.store.put(typeBlob, data)}
	if had {
		entry.Mode = old.Mode
	}
	tree, err := r.store.editTree(base, map[string]*treeEntry{p: &entry})
	if err != nil {
		return validationFailed("Invalid path " + p)
	}
	author, committer, valid := s.signatures(in.Author, in.Committer, c)
	if !valid {
		return validationFailed("Invalid request.\n\nInvalid date.")
	}
	cm := commitObj{Tree: tree, Parents: parents, Author: author, Committer: committer, Message: in.Message}
	sha := r.store.put(typeCommit, encodeCommit(cm))
	s.moveRef(r, "refs/heads/"+branch, sha, c.who, false)
	content := s.contentJSON(r, branch, p, entry, false)
	body := obj{"content": content, "commit": s.gitCommitJSON(r, sha, cm)}
	if had {
		return ok(body)
	}
	return created(body)
}
