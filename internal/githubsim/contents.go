package githubsim

import (
	"net/http"
	"sort"
	"strconv"
	"strings"
)

func (s *Sim) getRepo(c *call) reply {
	m := s.repoJSON(c.repo)
	m["permissions"] = permissionsJSON(s.permissionOf(c.who, c.repo))
	if p := c.repo.parent; p != nil {
		m["parent"], m["source"] = s.repoJSON(p), s.repoJSON(p)
	}
	return ok(m)
}

func (s *Sim) getContent(c *call) reply {
	ref := c.query("ref")
	if ref == "" {
		ref = c.repo.defaultBranch
	}
	sha, found := c.repo.resolveRef(ref)
	if !found {
		return apiError(http.StatusNotFound, "No commit found for the ref "+ref)
	}
	cm, err := c.repo.store.commit(sha)
	if err != nil {
		return notFound()
	}
	p := strings.Trim(c.param("path"), "/")
	e, err := c.repo.store.lookupPath(cm.Tree, p)
	if err != nil {
		return notFound()
	}
	if e.isTree() {
		entries, _ := c.repo.store.tree(e.SHA)
		out := []obj{}
		for _, child := range entries {
			out = append(out, s.contentJSON(c.repo, ref, joinPath(p, child.Name), child, false))
		}
		return ok(out)
	}
	data, _ := c.repo.store.get(e.SHA, typeBlob)
	if wantsRaw(c.r) {
		return rawReply(data)
	}
	return ok(s.contentJSON(c.repo, ref, p, e, true))
}

func joinPath(dir, name string) string {
	if dir == "" {
		return name
	}
	return dir + "/" + name
}

// contentJSON is the content-file shape; withContent adds the base64 content of a file.
func (s *Sim) contentJSON(r *repo, ref, p string, e treeEntry, withContent bool) obj {
	typ := "file"
	switch e.Mode {
	case ModeTree:
		typ = "dir"
	case ModeSymlink:
		typ = "symlink"
	case "160000":
		typ = "submodule"
	}
	api := s.repoAPI(r)
	self := api + "/contents/" + p + "?ref=" + ref
	gitURL := api + "/git/blobs/" + e.SHA
	if typ == "dir" {
		gitURL = api + "/git/trees/" + e.SHA
	}
	html := s.repoHTML(r) + "/blob/" + ref + "/" + p
	var download any = s.repoHTML(r) + "/raw/" + ref + "/" + p
	if typ == "dir" {
		download = nil
	}
	blob, _ := r.store.get(e.SHA, typeBlob)
	size := len(blob)
	name := p[strings.LastIndex(p, "/")+1:]
	m := obj{
		"type": typ, "size": size, "name": name, "path": p, "sha": e.SHA, "url": self,
		"git_url": gitURL, "html_url": html, "download_url": download,
		"_links": obj{"self": self, "git": gitURL, "html": html},
	}
	if withContent {
		m["content"], m["encoding"] = base64Lines(blob), "base64"
	}
	return m
}

// commitJSON is the REST "commit" shape (GET /repos/{o}/{r}/commits/...), files optional.
func (s *Sim) commitJSON(r *repo, sha string, withFiles bool) obj {
	cm, _ := r.store.commit(sha)
	api := s.repoAPI(r)
	parents := []obj{}
	for _, p := range cm.Parents {
		parents = append(parents, obj{"sha": p, "url": api + "/commits/" + p, "html_url": s.repoHTML(r) + "/commit/" + p})
	}
	m := obj{
		"sha": sha, "node_id": nodeID("C", int64(len(sha))), "url": api + "/commits/" + sha,
		"html_url": s.repoHTML(r) + "/commit/" + sha, "comments_url": api + "/commits/" + sha + "/comments",
		"commit": obj{
			"url": api + "/git/commits/" + sha, "author": sigJSON(cm.Author), "committer": sigJSON(cm.Committer),
			"message": cm.Message, "comment_count": 0, "tree": obj{"sha": cm.Tree, "url": api + "/git/trees/" + cm.Tree},
			"verification": unsigned(),
		},
		"author": s.accountFor(cm.Author), "committer": s.accountFor(cm.Committer), "parents": parents,
	}
	if withFiles {
		base := ""
		if len(cm.Parents) > 0 {
			base = cm.Parents[0]
		}
		files := []obj{}
		adds, dels := 0, 0
		for _, f := range s.diffFiles(r, base, sha) {
			files = append(files, s.diffEntryJSON(r, sha, f))
			adds += f.additions
			dels += f.deletions
		}
		m["files"] = files
		m["stats"] = obj{"additions": adds, "deletions": dels, "total": adds + dels}
	}
	return m
}

// accountFor maps a commit signature to the simulated user with that noreply email, or null.
func (s *Sim) accountFor(sig Signature) any {
	login, ok := strings.CutSuffix(sig.Email, "@users.noreply.github.com")
	if !ok {
		return nil
	}
	if u, found := s.users[strings.ToLower(login)]; found {
		return s.userJSON(u)
	}
	return nil
}

func (s *Sim) getCommit(c *call) reply {
	sha, found := c.repo.resolveRef(c.param("ref"))
	if !found {
		return validationFailed("No commit found for SHA: " + c.param("ref"))
	}
	if _, err := c.repo.store.commit(sha); err != nil {
		return validationFailed("No commit found for SHA: " + c.param("ref"))
	}
	return ok(s.commitJSON(c.repo, sha, true))
}

// listCommits serves the history of a ref, optionally limited to commits touching a path.
func (s *Sim) listCommits(c *call) reply {
	ref := c.query("sha")
	if ref == "" {
		ref = c.repo.defaultBranch
	}
	sha, found := c.repo.resolveRef(ref)
	if !found {
		if len(c.repo.refs) == 0 {
			return apiError(http.StatusConflict, "Git Repository is empty.")
		}
		return notFound()
	}
	p := strings.Trim(c.query("path"), "/")
	var out []any
	for _, h := range s.history(c.repo, sha, p) {
		out = append(out, s.commitJSON(c.repo, h, false))
	}
	return s.paginate(c, out)
}

// history lists the commits reachable from tip, newest first by committer time, keeping
// only those whose content at p differs from every parent (git log's default simplification).
func (s *Sim) history(r *repo, tip, p string) []string {
	all := r.store.ancestors(tip)
	type item struct {
		sha  string
		when int64
	}
	items := make([]item, 0, len(all))
	for _, sha := range all {
		cm, err := r.store.commit(sha)
		if err != nil {
			continue
		}
		items = append(items, item{sha, cm.Committer.When.Unix()})
	}
	sort.SliceStable(items, func(i, j int) bool { return items[i].when > items[j].when })
	var out []string
	for _, it := range items {
		if p == "" || s.touches(r, it.sha, p) {
			out = append(out, it.sha)
		}
	}
	return out
}

func (s *Sim) pathSHA(r *repo, commit, p string) string {
	cm, err := r.store.commit(commit)
	if err != nil {
		return ""
	}
	e, err := r.store.lookupPath(cm.Tree, p)
	if err != nil {
		return ""
	}
	return e.SHA
}

func (s *Sim) touches(r *repo, sha, p string) bool {
	cm, _ := r.store.commit(sha)
	mine := s.pathSHA(r, sha, p)
	if len(cm.Parents) == 0 {
		return mine != ""
	}
	for _, parent := range cm.Parents {
		if s.pathSHA(r, parent, p) == mine {
			return false
		}
	}
	return true
}

func (s *Sim) compare(c *call) reply {
	basehead := c.param("basehead")
	base, head, found := strings.Cut(basehead, "...")
	if !found {
		return notFound()
	}
	baseSHA, ok1 := c.repo.resolveRef(base)
	headSHA, ok2 := c.repo.resolveRef(head)
	if !ok1 || !ok2 {
		return notFound()
	}
	mb := c.repo.store.mergeBase(baseSHA, headSHA)
	ahead := c.repo.newCommits(orZero(mb), headSHA)
	behind := c.repo.newCommits(orZero(mb), baseSHA)
	status := "diverged"
	switch {
	case baseSHA == headSHA:
		status = "identical"
	case len(behind) == 0:
		status = "ahead"
	case len(ahead) == 0:
		status = "behind"
	}
	commits := []obj{}
	for _, sha := range ahead {
		commits = append(commits, s.commitJSON(c.repo, sha, false))
	}
	files := []obj{}
	for _, f := range s.diffFiles(c.repo, mb, headSHA) {
		files = append(files, s.diffEntryJSON(c.repo, headSHA, f))
	}
	var mbJSON obj
	if mb != "" {
		mbJSON = s.commitJSON(c.repo, mb, false)
	}
	html := s.repoHTML(c.repo) + "/compare/" + basehead
	return ok(obj{
		"url": s.repoAPI(c.repo) + "/compare/" + basehead, "html_url": html,
		"permalink_url": s.repoHTML(c.repo) + "/compare/" + c.repo.owner + ":" + baseSHA[:7] + "..." + c.repo.owner + ":" + headSHA[:7],
		"diff_url":      html + ".diff", "patch_url": html + ".patch",
		"base_commit": s.commitJSON(c.repo, baseSHA, false), "merge_base_commit": mbJSON,
		"status": status, "ahead_by": len(ahead), "behind_by": len(behind), "total_commits": len(ahead),
		"commits": commits, "files": files,
	})
}

// paginate serves a page of items (per_page, page) with GitHub's Link header.
func (s *Sim) paginate(c *call, items []any) reply {
	perPage, _ := strconv.Atoi(c.query("per_page"))
	if perPage <= 0 {
		perPage = 30
	}
	if perPage > 100 {
		perPage = 100
	}
	page, _ := strconv.Atoi(c.query("page"))
	if page <= 0 {
		page = 1
	}
	start := (page - 1) * perPage
	if start > len(items) {
		start = len(items)
	}
	end := min(start+perPage, len(items))
	out := items[start:end]
	if out == nil {
		out = []any{}
	}
	rep := ok(out)
	last := (len(items) + perPage - 1) / perPage
	if last > 1 {
		link := func(p int, rel string) string {
			q := c.r.URL.Query()
			q.Set("page", strconv.Itoa(p))
			q.Set("per_page", strconv.Itoa(perPage))
			return "<" + s.apiURL() + c.r.URL.Path + "?" + q.Encode() + `>; rel="` + rel + `"`
		}
		var links []string
		if page < last {
			links = append(links, link(page+1, "next"), link(last, "last"))
		}
		if page > 1 {
			links = append(links, link(1, "first"), link(page-1, "prev"))
		}
		rep.header = http.Header{"Link": {strings.Join(links, ", ")}}
	}
	return rep
}
