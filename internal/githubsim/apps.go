package githubsim

import (
	"encoding/json"
	"net/http"
	"sort"
	"strconv"
	"strings"
)

func (s *Sim) installationJSON() obj {
	account := s.users[strings.ToLower(s.botLogin())]
	for _, r := range s.installedRepos() {
		account = &user{id: r.ownerID, login: r.owner, typ: "Organization"}
		break
	}
	id := strconv.FormatInt(s.opts.InstallationID, 10)
	// The published description types the account as allOf(simple-user, enterprise) in
	// the list operation, so it carries the enterprise fields too.
	acct := s.userJSON(account)
	acct["name"], acct["slug"], acct["created_at"], acct["updated_at"] = account.login, account.login, ts(s.instAt), ts(s.instAt)
	return obj{
		"id": s.opts.InstallationID, "account": acct, "repository_selection": "selected",
		"access_tokens_url": s.apiURL() + "/app/installations/" + id + "/access_tokens",
		"repositories_url":  s.apiURL() + "/installation/repositories",
		"html_url":          s.webURL() + "/organizations/" + account.login + "/settings/installations/" + id,
		"app_id":            s.opts.AppID, "app_slug": s.opts.AppSlug, "target_id": account.id, "target_type": account.typ,
		"permissions": s.appJSON()["permissions"], "events": s.appJSON()["events"],
		"created_at": ts(s.instAt), "updated_at": ts(s.instAt), "single_file_name": nil,
		"has_multiple_single_files": false, "single_file_paths": []string{},
		"suspended_by": nil, "suspended_at": nil,
	}
}

func (s *Sim) getApp(c *call) reply { return ok(s.appJSON()) }

func (s *Sim) listInstallations(c *call) reply {
	return s.paginate(c, []any{s.installationJSON()})
}

func (s *Sim) getInstallation(c *call) reply {
	if c.param("installation_id") != strconv.FormatInt(s.opts.InstallationID, 10) {
		return notFound()
	}
	return ok(s.installationJSON())
}

func (s *Sim) createAccessToken(c *call) reply {
	if c.param("installation_id") != strconv.FormatInt(s.opts.InstallationID, 10) {
		return notFound()
	}
	tok, exp := s.mintInstallationToken()
	return created(obj{
		"token": tok, "expires_at": ts(exp), "permissions": s.appJSON()["permissions"], "repository_selection": "selected",
	})
}

func (s *Sim) installationRepos(c *call) reply {
	repos := s.installedRepos()
	var items []any
	for _, r := range repos {
		items = append(items, s.repoJSON(r))
	}
	page := s.paginate(c, items)
	page.body = obj{"total_count": len(repos), "repositories": page.body, "repository_selection": "selected"}
	return page
}

// SetInstalled adds (true) or removes (false) a repository from the App's installation
// as sender, sending installation_repositories "added" or "removed" as GitHub does.
func (s *Sim) SetInstalled(sender, repoName string, installed bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.repoLocked(repoName)
	if err != nil {
		return err
	}
	if r.installed == installed {
		return nil
	}
	r.installed = installed
	entry := []obj{{"id": r.id, "node_id": nodeID("R", r.id), "name": r.name, "full_name": r.fullName(), "private": r.private}}
	added, removed, action := entry, []obj{}, "added"
	if !installed {
		added, removed, action = []obj{}, entry, "removed"
	}
	s.emit("installation_repositories", action, nil, s.personLocked(sender), obj{
		"installation": s.installationJSON(), "repository_selection": "selected",
		"repositories_added": added, "repositories_removed": removed, "requester": nil,
	})
	return nil
}

// InstallApp sends the "installation created" webhook for the installed repositories,
// as GitHub does when an owner installs the App.
func (s *Sim) InstallApp(sender string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	repos := s.installedReposJSON()
	who := s.personLocked(sender)
	payload := obj{"repositories": repos, "requester": nil, "installation": s.installationJSON()}
	s.emit("installation", "created", nil, who, payload)
}

// UninstallApp sends the "installation deleted" webhook, as GitHub does when
// an owner uninstalls the App. The simulator keeps serving the installation,
// so that a test can install it again.
func (s *Sim) UninstallApp(sender string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	repos := s.installedReposJSON()
	s.emit("installation", "deleted", nil, s.personLocked(sender), obj{"repositories": repos, "installation": s.installationJSON()})
}

// installedReposJSON lists the installed repositories as installation payloads do.
func (s *Sim) installedReposJSON() []obj {
	repos := []obj{}
	for _, r := range s.installedRepos() {
		repos = append(repos, obj{"id": r.id, "node_id": nodeID("R", r.id), "name": r.name, "full_name": r.fullName(), "private": r.private})
	}
	return repos
}

func (s *Sim) deliveryItemJSON(d *Delivery) obj {
	var repoID any
	if d.RepositoryID != 0 {
		repoID = d.RepositoryID
	}
	var action any
	if d.Action != "" {
		action = d.Action
	}
	return obj{
		"id": d.ID, "guid": d.GUID, "delivered_at": ts(d.DeliveredAt), "redelivery": d.Redelivery,
		"duration": d.Duration.Seconds(), "status": d.Status, "status_code": d.StatusCode, "event": d.Event,
		"action": action, "installation_id": s.opts.InstallationID, "repository_id": repoID,
		"throttled_at": nil,
	}
}

func (s *Sim) listDeliveries(c *call) reply {
	s.hooks.mu.Lock()
	log := append([]*Delivery(nil), s.hooks.log...)
	s.hooks.mu.Unlock()
	sort.Slice(log, func(i, j int) bool { return log[i].ID > log[j].ID })
	perPage, _ := strconv.Atoi(c.query("per_page"))
	if perPage <= 0 || perPage > 100 {
		perPage = 30
	}
	start := 0
	if cur := c.query("cursor"); cur != "" {
		id, err := strconv.ParseInt(cur, 10, 64)
		if err != nil {
			return validationFailed("Invalid cursor")
		}
		for start < len(log) && log[start].ID > id {
			start++
		}
	}
	end := min(start+perPage, len(log))
	out := []obj{}
	for _, d := range log[start:end] {
		out = append(out, s.deliveryItemJSON(d))
	}
	rep := ok(out)
	if end < len(log) {
		next := s.apiURL() + "/app/hook/deliveries?per_page=" + strconv.Itoa(perPage) + "&cursor=" + strconv.FormatInt(log[end].ID, 10)
		rep.header = http.Header{"Link": {"<" + next + `>; rel="next"`}}
	}
	return rep
}

func (s *Sim) findDelivery(c *call) (*Delivery, bool) {
	id, err := strconv.ParseInt(c.param("delivery_id"), 10, 64)
	if err != nil {
		return nil, false
	}
	s.hooks.mu.Lock()
	defer s.hooks.mu.Unlock()
	for _, d := range s.hooks.log {
		if d.ID == id {
			return d, true
		}
	}
	return nil, false
}

func flatHeader(h http.Header) obj {
	out := obj{}
	for k, v := range h {
		out[k] = strings.Join(v, ", ")
	}
	return out
}

func (s *Sim) getDelivery(c *call) reply {
	d, found := s.findDelivery(c)
	if !found {
		return notFound()
	}
	m := s.deliveryItemJSON(d)
	var payload any
	_ = json.Unmarshal(d.Payload, &payload)
	m["request"] = obj{"headers": flatHeader(d.RequestHeader), "payload": payload}
	m["response"] = obj{"headers": flatHeader(d.ResponseHeader), "payload": string(d.ResponseBody)}
	m["url"] = s.opts.WebhookURL
	return ok(m)
}

func (s *Sim) redeliver(c *call) reply {
	d, found := s.findDelivery(c)
	if !found {
		return notFound()
	}
	if err := s.redeliverLocked(d.ID); err != nil {
		return notFound()
	}
	return reply{status: http.StatusAccepted, body: obj{}}
}

func (s *Sim) collaboratorPermission(c *call) reply {
	u, found := s.users[strings.ToLower(c.param("username"))]
	if !found || u.typ != "User" {
		return apiError(http.StatusNotFound, "Not Found")
	}
	p := s.permissionOf(principal{kind: kindUser, user: u}, c.repo)
	// The legacy "permission" field folds maintain into write and triage into read.
	legacy := string(p)
	switch p {
	case PermMaintain:
		legacy = "write"
	case PermTriage:
		legacy = "read"
	}
	uj := s.userJSON(u)
	uj["permissions"] = permissionsJSON(p)
	uj["role_name"] = string(p)
	return ok(obj{"permission": legacy, "role_name": string(p), "user": uj})
}

func (s *Sim) teamMembership(c *call) reply {
	key := strings.ToLower(c.param("org") + "/" + c.param("team_slug"))
	members, teamExists := s.teams[key]
	role, isMember := members[strings.ToLower(c.param("username"))]
	if !teamExists || !isMember {
		return notFound()
	}
	return ok(obj{
		"url":   s.apiURL() + "/organizations/1/team/1/memberships/" + c.param("username"),
		"role":  role,
		"state": "active",
	})
}
