package githubsim

import (
	"fmt"
	"strings"
	"time"
)

// obj is a JSON object under construction.
type obj = map[string]any

func ts(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func tsOrNil(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return ts(t)
}

// webURL is the browser root; apiURL the REST root, both without trailing slash.
func (s *Sim) webURL() string {
	if s.opts.BaseURL != "" {
		return strings.TrimSuffix(s.opts.BaseURL, "/")
	}
	if u := s.URL(); u != "" {
		return u
	}
	return "https://github.com"
}

func (s *Sim) apiURL() string { return s.webURL() + "/api/v3" }

func nodeID(kind string, id int64) string { return fmt.Sprintf("%s_kgDO%08d", kind, id) }

// userJSON is GitHub's simple-user shape.
func (s *Sim) userJSON(u *user) obj {
	api := s.apiURL() + "/users/" + u.login
	return obj{
		"login": u.login, "id": u.id, "node_id": nodeID("U", u.id),
		"avatar_url":          s.webURL() + "/avatars/" + u.login,
		"gravatar_id":         "",
		"url":                 api,
		"html_url":            s.webURL() + "/" + u.login,
		"followers_url":       api + "/followers",
		"following_url":       api + "/following{/other_user}",
		"gists_url":           api + "/gists{/gist_id}",
		"starred_url":         api + "/starred{/owner}{/repo}",
		"subscriptions_url":   api + "/subscriptions",
		"organizations_url":   api + "/orgs",
		"repos_url":           api + "/repos",
		"events_url":          api + "/events{/privacy}",
		"received_events_url": api + "/received_events",
		"type":                u.typ,
		"site_admin":          false,
	}
}

func (s *Sim) ownerJSON(r *repo) obj {
	return s.userJSON(&user{id: r.ownerID, login: r.owner, typ: "Organization"})
}

// repoJSON is GitHub's full-repository shape (a superset of repository and minimal-repository).
func (s *Sim) repoJSON(r *repo) obj {
	api := s.apiURL() + "/repos/" + r.fullName()
	html := s.webURL() + "/" + r.fullName()
	open := 0
	for _, is := range r.issues {
		if is.state == "open" {
			open++
		}
	}
	visibility := "private"
	if !r.private {
		visibility = "public"
	}
	m := obj{
		"id": r.id, "node_id": nodeID("R", r.id), "name": r.name, "full_name": r.fullName(),
		"owner": s.ownerJSON(r), "private": r.private, "html_url": html, "description": nil,
		"fork": r.parent != nil, "url": api, "homepage": nil, "language": nil, "mirror_url": nil,
		"license": nil, "default_branch": r.defaultBranch, "visibility": visibility,
		"forks": 0, "forks_count": 0, "stargazers_count": 0, "watchers": 0, "watchers_count": 0,
		"open_issues": open, "open_issues_count": open, "size": len(r.store.objects) / 10,
		"has_issues": true, "has_projects": true, "has_wiki": false, "has_pages": false,
		"has_downloads": true, "has_discussions": false, "archived": false, "disabled": false,
		"is_template": false, "topics": []string{},
		"allow_merge_commit": true, "allow_squash_merge": true, "allow_rebase_merge": true,
		"pushed_at": ts(r.pushedAt), "created_at": ts(r.createdAt), "updated_at": ts(r.pushedAt),
		"network_count": 0, "subscribers_count": 0, "web_commit_signoff_required": false,
		"delete_branch_on_merge": false, "custom_properties": obj{},
		"clone_url": html + ".git", "git_url": "git://" + strings.TrimPrefix(strings.TrimPrefix(html, "https://"), "http://") + ".git",
		"ssh_url": "git@github.com:" + r.fullName() + ".git", "svn_url": html,
	}
	for key, suffix := range map[string]string{
		"archive_url": "/{archive_format}{/ref}", "assignees_url": "/assignees{/user}",
		"blobs_url": "/git/blobs{/sha}", "branches_url": "/branches{/branch}",
		"collaborators_url": "/collaborators{/collaborator}", "comments_url": "/comments{/number}",
		"commits_url": "/commits{/sha}", "compare_url": "/compare/{base}...{head}",
		"contents_url": "/contents/{+path}", "contributors_url": "/contributors",
		"deployments_url": "/deployments", "downloads_url": "/downloads", "events_url": "/events",
		"forks_url": "/forks", "git_commits_url": "/git/commits{/sha}", "git_refs_url": "/git/refs{/sha}",
		"git_tags_url": "/git/tags{/sha}", "hooks_url": "/hooks", "issue_comment_url": "/issues/comments{/number}",
		"issue_events_url": "/issues/events{/number}", "issues_url": "/issues{/number}",
		"keys_url": "/keys{/key_id}", "labels_url": "/labels{/name}", "languages_url": "/languages",
		"merges_url": "/merges", "milestones_url": "/milestones{/number}",
		"notifications_url": "/notifications{?since,all,participating}", "pulls_url": "/pulls{/number}",
		"releases_url": "/releases{/id}", "stargazers_url": "/stargazers", "statuses_url": "/statuses/{sha}",
		"subscribers_url": "/subscribers", "subscription_url": "/subscription", "tags_url": "/tags",
		"teams_url": "/teams", "trees_url": "/git/trees{/sha}",
	} {
		m[key] = api + suffix
	}
	return m
}

// repoAPI is the REST URL of a repository.
func (s *Sim) repoAPI(r *repo) string { return s.apiURL() + "/repos/" + r.fullName() }

// repoHTML is the browser URL of a repository.
func (s *Sim) repoHTML(r *repo) string { return s.webURL() + "/" + r.fullName() }

// permissionsJSON is the permissions object attached to repositories for a caller.
func permissionsJSON(p Permission) obj {
	return obj{
		"admin": p.rank() >= PermAdmin.rank(), "maintain": p.rank() >= PermMaintain.rank(),
		"push": p.rank() >= PermWrite.rank(), "triage": p.rank() >= PermTriage.rank(),
		"pull": p.rank() >= PermRead.rank(),
	}
}
