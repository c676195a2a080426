package githubsim

import (
	"encoding/base64"
	"net/http"
	"path"
	"strings"
	"time"
)

// apiMode is the mode string GitHub's API uses (trees as "040000").
func apiMode(m string) string {
	if m == ModeTree {
		return "040000"
	}
	return m
}

func entryType(mode string) string {
	switch mode {
	case ModeTree:
		return typeTree
	case "160000":
		return typeCommit
	}
	return typeBlob
}

func (s *Sim) treeJSON(r *repo, sha string, recursive bool) (obj, error) {
	api := s.repoAPI(r)
	items := []obj{}
	var walk func(sha, prefix string) error
	walk = func(sha, prefix string) error {
		entries, err := r.store.tree(sha)
		if err != nil {
			return err
		}
		for _, e := range entries {
			typ := entryType(e.Mode)
			it := obj{"path": path.Join(prefix, e.Name), "mode": apiMode(e.Mode), "type": typ, "sha": e.SHA}
			if typ == typeBlob {
				data, _ := r.store.get(e.SHA, typeBlob)
				it["size"] = len(data)
			}
			if typ != typeCommit {
				it["url"] = api + "/git/" + typ + "s/" + e.SHA
			}
			items = append(items, it)
			if recursive && typ == typeTree {
				if err := walk(e.SHA, path.Join(prefix, e.Name)); err != nil {
					return err
				}
			}
		}
		return nil
	}
	if err := walk(sha, ""); err != nil {
		return nil, err
	}
	truncated := false
	if recursive && len(items) > s.treeLimit {
		items, truncated = items[:s.treeLimit], true
	}
	return obj{"sha": sha, "url": api + "/git/trees/" + sha, "tree": items, "truncated": truncated}, nil
}

// treeOf resolves a tree SHA, commit SHA or ref name to a tree SHA.
func (r *repo) treeOf(ref string) (string, bool) {
	if o, ok := r.store.objects[ref]; ok && o.typ == typeTree {
		return ref, true
	}
	sha, ok := r.resolveRef(ref)
	if !ok {
		return "", false
	}
	c, err := r.store.commit(sha)
	if err != nil {
		return "", false
	}
	return c.Tree, true
}

func (s *Sim) getTree(c *call) reply {
	sha, found := c.repo.treeOf(c.param("sha"))
	if !found {
		return notFound()
	}
	rec := c.query("recursive")
	body, err := s.treeJSON(c.repo, sha, rec != "" && rec != "0" && rec != "false")
	if err != nil {
		return notFound()
	}
	return ok(body)
}

func (s *Sim) createTree(c *call) reply {
	var in struct {
		BaseTree string           `json:"base_tree"`
		Tree     []map[string]any `json:"tree"`
	}
	if err := c.decode(&in); err != nil {
		return apiError(http.StatusBadRequest, err.Error())
	}
	st := c.repo.store
	if in.BaseTree != "" {
		if _, ok := st.get(in.BaseTree, typeTree); !ok {
			return validationFailed("Invalid tree info")
		}
	}
	edits := map[string]*treeEntry{}
	for _, e := range in.Tree {
		p, _ := e["path"].(string)
		mode, _ := e["mode"].(string)
		p = strings.Trim(p, "/")
		if p == "" || mode == "" {
			return validationFailed("Invalid tree info")
		}
		if mode == "040000" {
			mode = ModeTree
		}
		shaVal, hasSHA := e["sha"]
		content, hasContent := e["content"].(string)
		switch {
		case hasContent:
			edits[p] = &treeEntry{Mode: mode, SHA: st.put(typeBlob, []byte(content))}
		case hasSHA && shaVal == nil:
			edits[p] = nil // a null sha deletes the path
		case hasSHA:
			sha, _ := shaVal.(string)
			o, exists := st.objects[sha]
			if mode != "160000" && (!exists || o.typ != entryType(mode)) {
				return validationFailed("Invalid tree info")
			}
			edits[p] = &treeEntry{Mode: mode, SHA: sha}
		default:
			return validationFailed("Must supply either tree.sha or tree.content")
		}
	}
	sha, err := st.editTree(in.BaseTree, edits)
	if err != nil {
		return validationFailed("Invalid tree info")
	}
	body, err := s.treeJSON(c.repo, sha, false)
	if err != nil {
		return validationFailed("Invalid tree info")
	}
	return created(body)
}

// base64Lines encodes as GitHub does for blobs and contents: 60 characters per line.
func base64Lines(data []byte) string {
	enc := base64.StdEncoding.EncodeToString(data)
	var b strings.Builder
	for len(enc) > 60 {
		b.WriteString(enc[:60])
		b.WriteByte('\n')
		enc = enc[60:]
	}
	b.WriteString(enc)
	if enc != "" {
		b.WriteByte('\n')
	}
	return b.String()
}

func (s *Sim) getBlob(c *call) reply {
	sha := c.param("sha")
	data, found := c.repo.store.get(sha, typeBlob)
	if !found {
		return notFound()
	}
	if wantsRaw(c.r) {
		return rawReply(data)
	}
	return ok(obj{
		"sha": sha, "node_id": nodeID("B", int64(len(data))), "size": len(data),
		"url": s.repoAPI(c.repo) + "/git/blobs/" + sha, "content": base64Lines(data), "encoding": "base64",
	})
}

func (s *Sim) createBlob(c *call) reply {
	var in struct {
		Content  *string `json:"content"`
		Encoding string  `json:"encoding"`
	}
	if err := c.decode(&in); err != nil {
		return apiError(http.StatusBadRequest, err.Error())
	}
	if in.Content == nil {
		return validationFailed("Invalid request.\n\n\"content\" wasn't supplied.")
	}
	data := []byte(*in.Content)
	if in.Encoding == "base64" {
		dec, err := base64.StdEncoding.DecodeString(strings.ReplaceAll(*in.Content, "\n", ""))
		if err != nil {
			return validationFailed("Invalid request.\n\nContent is not valid Base64.")
		}
		data = dec
	}
	sha := c.repo.store.put(typeBlob, data)
	return created(obj{"url": s.repoAPI(c.repo) + "/git/blobs/" + sha, "sha": sha})
}

func sigJSON(sig Signature) obj {
	return obj{"name": sig.Name, "email": sig.Email, "date": sig.When.UTC().Format(time.RFC3339)}
}

func (s *Sim) gitCommitJSON(r *repo, sha string, cm commitObj) obj {
	api := s.repoAPI(r)
	parents := []obj{}
	for _, p := range cm.Parents {
		parents = append(parents, obj{"sha": p, "url": api + "/git/commits/" + p, "html_url": s.repoHTML(r) + "/commit/" + p})
	}
	return obj{
		"sha": sha, "node_id": nodeID("C", int64(len(sha))), "url": api + "/git/commits/" + sha,
		"html_url": s.repoHTML(r) + "/commit/" + sha, "author": sigJSON(cm.Author), "committer": sigJSON(cm.Committer),
		"tree": obj{"sha": cm.Tree, "url": api + "/git/trees/" + cm.Tree}, "message": cm.Message, "parents": parents,
		"verification": unsigned(),
	}
}

func unsigned() obj {
	return obj{"verified": false, "reason": "unsigned", "signature": nil, "payload": nil, "verified_at": nil}
}

func (s *Sim) getGitCommit(c *call) reply {
	sha := c.param("sha")
	cm, err := c.repo.store.commit(sha)
	if err != nil {
		return notFound()
	}
	return ok(s.gitCommitJSON(c.repo, sha, cm))
}

type sigInput struct {
	Name  string `json:"name"`
	Email string `json:"email"`
	Date  string `json:"date"`
}

func (s *Sim) signature(in *sigInput, who principal, now time.Time) (Signature, bool) {
	u := s.actor(who)
	sig := Signature{Name: u.login, Email: noreplyEmail(u), When: now}
	if in == nil {
		return sig, true
	}
	if in.Name != "" {
		sig.Name = in.Name
	}
	if in.Email != "" {
		sig.Email = in.Email
	}
	if in.Date != "" {
		t, err := time.Parse(time.RFC3339, in.Date)
		if err != nil {
			return sig, false
		}
		sig.When = t
	}
	return sig, true
}

// signatures resolves a request's author and committer; the committer defaults to the author.
func (s *Sim) signatures(author, committer *sigInput, c *call) (Signature, Signature, bool) {
	a, okA := s.signature(author, c.who, c.now)
	if committer == nil {
		return a, a, okA
	}
	cm, okC := s.signature(committer, c.who, c.now)
	return a, cm, okA && okC
}

func noreplyEmail(u *user) string {
	return strings.ToLower(strings.TrimSpace(u.login)) + "@users.noreply.github.com"
}

func (s *Sim) createGitCommit(c *call) reply {
	var in struct {
		Message   string    `json:"message"`
		Tree      string    `json:"tree"`
		Parents   []string  `json:"parents"`
		Author    *sigInput `json:"author"`
		Committer *sigInput `json:"committer"`
	}
	if err := c.decode(&in); err != nil {
		return apiError(http.StatusBadRequest, err.Error())
	}
	if _, ok := c.repo.store.get(in.Tree, typeTree); !ok {
		return validationFailed("Tree SHA does not exist")
	}
	for _, p := range in.Parents {
		if _, ok := c.repo.store.get(p, typeCommit); !ok {
			return validationFailed("Parent SHA does not exist or is not a commit object")
		}
	}
	author, committer, valid := s.signatures(in.Author, in.Committer, c)
	if !valid {
		return validationFailed("Invalid request.\n\nInvalid date.")
	}
	cm := commitObj{Tree: in.Tree, Parents: in.Parents, Author: author, Committer: committer, Message: in.Message}
	sha := c.repo.store.put(typeCommit, encodeCommit(cm))
	return created(s.gitCommitJSON(c.repo, sha, cm))
}

// wantsRaw reports whether the client asked for raw media (application/vnd.github.raw).
func wantsRaw(r *http.Request) bool {
	return strings.Contains(r.Header.Get("Accept"), ".raw")
}

func rawReply(data []byte) reply {
	return reply{status: http.StatusOK, body: append([]byte{}, data...), header: http.Header{"Content-Type": {"application/vnd.github.raw"}}}
}
