package githubsim

import (
	"encoding/json"
	"net/http"
	"sort"
	"strconv"
	"time"
)

// deployment is a deployment of a ref to an environment, with its statuses.
type deployment struct {
	id          int64
	sha, ref    string
	task        string
	environment string
	description string
	payload     json.RawMessage
	creator     *user
	createdAt   time.Time
	statuses    []*deploymentStatus
}

type deploymentStatus struct {
	id             int64
	state          string
	description    string
	targetURL      string
	logURL         string
	environmentURL string
	creator        *user
	createdAt      time.Time
}

func (s *Sim) deploymentJSON(r *repo, d *deployment) obj {
	url := s.repoAPI(r) + "/deployments/" + strconv.FormatInt(d.id, 10)
	var payload any = obj{}
	if len(d.payload) > 0 {
		_ = json.Unmarshal(d.payload, &payload)
	}
	updated := d.createdAt
	if n := len(d.statuses); n > 0 {
		updated = d.statuses[n-1].createdAt
	}
	return obj{
		"url": url, "id": d.id, "node_id": nodeID("DE", d.id), "sha": d.sha, "ref": d.ref, "task": d.task,
		"payload": payload, "original_environment": d.environment, "environment": d.environment,
		"description": nullable(d.description), "creator": s.userJSON(d.creator),
		"created_at": ts(d.createdAt), "updated_at": ts(updated), "statuses_url": url + "/statuses",
		"repository_url": s.repoAPI(r), "transient_environment": false, "production_environment": d.environment == "production",
		"performed_via_github_app": nil,
	}
}

func (s *Sim) deploymentStatusJSON(r *repo, d *deployment, ds *deploymentStatus) obj {
	durl := s.repoAPI(r) + "/deployments/" + strconv.FormatInt(d.id, 10)
	return obj{
		"url": durl + "/statuses/" + strconv.FormatInt(ds.id, 10), "id": ds.id, "node_id": nodeID("DES", ds.id),
		"state": ds.state, "creator": s.userJSON(ds.creator), "description": ds.description,
		"environment": d.environment, "target_url": ds.targetURL, "log_url": ds.logURL,
		"environment_url": ds.environmentURL, "created_at": ts(ds.createdAt), "updated_at": ts(ds.createdAt),
		"deployment_url": durl, "repository_url": s.repoAPI(r), "performed_via_github_app": nil,
	}
}

func (s *Sim) createDeployment(c *call) reply {
	var in struct {
		Ref              string          `json:"ref"`
		Task             string          `json:"task"`
		Environment      string          `json:"environment"`
		Description      string          `json:"description"`
		Payload          json.RawMessage `json:"payload"`
		RequiredContexts *[]string       `json:"required_contexts"`
	}
	if err := c.decode(&in); err != nil {
		return apiError(http.StatusBadRequest, err.Error())
	}
	d, rep, failed := s.deploy(c.repo, c.who, in.Ref, in.Environment, in.Task, in.Description, in.Payload, in.RequiredContexts)
	if failed {
		return rep
	}
	return created(s.deploymentJSON(c.repo, d))
}

func (s *Sim) deploy(r *repo, who principal, ref, env, task, desc string, payload json.RawMessage, contexts *[]string) (*deployment, reply, bool) {
	sha, found := r.resolveRef(ref)
	if !found {
		return nil, validationFailed("No ref found for: " + ref), true
	}
	for _, st := range r.latestStatuses(sha) {
		required := contexts == nil
		if contexts != nil {
			for _, want := range *contexts {
				required = required || want == st.context
			}
		}
		if required && st.state != "success" {
			return nil, apiError(http.StatusConflict, "Conflict: Commit status checks failed for "+ref+"."), true
		}
	}
	if env == "" {
		env = "production"
	}
	if task == "" {
		task = "deploy"
	}
	d := &deployment{id: s.newID(), sha: sha, ref: ref, task: task, environment: env, description: desc,
		payload: payload, creator: s.actor(who), createdAt: s.now()}
	r.deployments[d.id] = d
	s.emit("deployment", "created", r, who, obj{"deployment": s.deploymentJSON(r, d)})
	return d, reply{}, false
}

func (s *Sim) deploymentByID(c *call) (*deployment, bool) {
	id, err := strconv.ParseInt(c.param("deployment_id"), 10, 64)
	if err != nil {
		return nil, false
	}
	d, ok := c.repo.deployments[id]
	return d, ok
}

func (s *Sim) getDeployment(c *call) reply {
	d, found := s.deploymentByID(c)
	if !found {
		return notFound()
	}
	return ok(s.deploymentJSON(c.repo, d))
}

func (s *Sim) listDeployments(c *call) reply {
	var ds []*deployment
	for _, d := range c.repo.deployments {
		if (c.query("sha") == "" || c.query("sha") == d.sha) && (c.query("ref") == "" || c.query("ref") == d.ref) &&
			(c.query("environment") == "" || c.query("environment") == d.environment) && (c.query("task") == "" || c.query("task") == d.task) {
			ds = append(ds, d)
		}
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i].id > ds[j].id })
	var out []any
	for _, d := range ds {
		out = append(out, s.deploymentJSON(c.repo, d))
	}
	return s.paginate(c, out)
}

func (s *Sim) createDeploymentStatus(c *call) reply {
	d, found := s.deploymentByID(c)
	if !found {
		return notFound()
	}
	var in struct {
		State          string `json:"state"`
		TargetURL      string `json:"target_url"`
		LogURL         string `json:"log_url"`
		Description    string `json:"description"`
		EnvironmentURL string `json:"environment_url"`
	}
	if err := c.decode(&in); err != nil {
		return apiError(http.StatusBadRequest, err.Error())
	}
	ds, rep, failed := s.addDeploymentStatus(c.repo, d, c.who, in.State, in.Description, in.TargetURL, in.LogURL, in.EnvironmentURL)
	if failed {
		return rep
	}
	return created(s.deploymentStatusJSON(c.repo, d, ds))
}

func (s *Sim) addDeploymentStatus(r *repo, d *deployment, who principal, state, desc, target, logURL, envURL string) (*deploymentStatus, reply, bool) {
	switch state {
	case "error", "failure", "inactive", "in_progress", "queued", "pending", "success":
	default:
		return nil, validationFailed("Validation Failed"), true
	}
	if logURL == "" {
		logURL = target
	}
	ds := &deploymentStatus{id: s.newID(), state: state, description: desc, targetURL: target, logURL: logURL,
		environmentURL: envURL, creator: s.actor(who), createdAt: s.now()}
	d.statuses = append(d.statuses, ds)
	s.emit("deployment_status", "created", r, who, obj{
		"deployment_status": s.deploymentStatusJSON(r, d, ds), "deployment": s.deploymentJSON(r, d),
	})
	return ds, reply{}, false
}

func (s *Sim) listDeploymentStatuses(c *call) reply {
	d, found := s.deploymentByID(c)
	if !found {
		return notFound()
	}
	var out []any
	for i := len(d.statuses) - 1; i >= 0; i-- {
		out = append(out, s.deploymentStatusJSON(c.repo, d, d.statuses[i]))
	}
	return s.paginate(c, out)
}
