package board

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"

	"github.com/stagehand-gitops/stagehand/internal/bot"
	"github.com/stagehand-gitops/stagehand/internal/promote"
)

// View is one repository's board: the grid of apps × environments, as the
// page shows it and /api/v1/repos/{owner}/{repo}/board returns it.
type View struct {
	Repo          string `json:"repo"`
	URL           string `json:"url"`
	DefaultBranch string `json:"default_branch"`
	// Head is the default branch's head commit the view was read at.
	Head  string   `json:"head,omitempty"`
	Envs  []string `json:"environments"`
	Apps  []AppRow `json:"apps"`
	Holds []Hold   `json:"holds,omitempty"`
	Notes []string `json:"notes,omitempty"`
	// Version changes whenever anything above does; the page polls it to
	// reload when a promotion moves.
	Version string `json:"version"`
}

// AppRow is one app image across the environments.
type AppRow struct {
	App        string `json:"app"`
	Image      string `json:"image,omitempty"`
	Discovered bool   `json:"discovered,omitempty"`
	Cells      []Cell `json:"cells"`
}

// Cell is what one environment runs and what is on its way there.
type Cell struct {
	Env    string   `json:"env"`
	Tag    string   `json:"tag,omitempty"`
	Digest string   `json:"digest,omitempty"`
	Note   string   `json:"note,omitempty"`
	Files  []string `json:"files,omitempty"`
	// Behind is set when the environment before this one runs another
	// version: the version it runs there.
	Behind string `json:"behind,omitempty"`
	// PR is the open promotion pull request into this environment.
	PR *PR `json:"pull_request,omitempty"`
	// Waiting says why the promotion into this environment waits: the
	// open pull request's gates not met, or why none is open.
	Waiting []string `json:"waiting,omitempty"`
}

// PR is an open promotion pull request.
type PR struct {
	Number int    `json:"number"`
	URL    string `json:"url"`
	Title  string `json:"title"`
	From   string `json:"from,omitempty"`
	To     string `json:"to,omitempty"`
	// Checks are the check runs (stagehand/<env> among them) and commit
	// statuses on the pull request's head.
	Checks []Check `json:"checks,omitempty"`
}

// Check is a check run or commit status of an open pull request.
type Check struct {
	Name  string `json:"name"`
	State string `json:"state"`
	URL   string `json:"url,omitempty"`
}

// Mark sorts the check's state into what the page shows: passed, failed,
// neutral (neutral, skipped, stale) or pending (queued, in progress).
func (c Check) Mark() string {
	switch c.State {
	case "success":
		return "passed"
	case "failure", "error", "timed_out", "cancelled", "action_required", "startup_failure":
		return "failed"
	case "neutral", "skipped", "stale":
		return "neutral"
	}
	return "pending"
}

// Hold is a hold of the holds issue.
type Hold struct {
	App    string `json:"app"`
	Env    string `json:"env,omitempty"`
	By     string `json:"by"`
	Since  string `json:"since"`
	Reason string `json:"reason,omitempty"`
}

// newView lays the bot's facts out as the grid. webURL is GitHub's web
// root, for the links.
func newView(f bot.BoardFacts, webURL string) View {
	s := f.Status
	v := View{Repo: f.Repo, URL: webURL + "/" + f.Repo, DefaultBranch: f.DefaultBranch, Head: f.Head, Envs: s.Envs, Notes: s.Notes}
	type key struct{ app, env string }
	prs := map[key]*PR{}
	for _, o := range s.Open {
		pr := &PR{Number: o.PR.Number, URL: o.PR.URL, Title: o.PR.Title, From: o.From.String(), To: o.To.String()}
		for _, c := range f.Checks[o.PR.Number] {
			pr.Checks = append(pr.Checks, Check{Name: c.Name, State: c.State, URL: c.URL})
		}
		prs[key{o.App, o.Env}] = pr
	}
	waiting := map[key][]string{}
	for _, p := range s.Pending {
		for _, g := range p.Gates {
			if !g.OK {
				waiting[key{p.App, p.Env}] = append(waiting[key{p.App, p.Env}], g.Name+": "+g.Detail)
			}
		}
	}
	for _, w := range f.Waiting {
		waiting[key{w.App, w.Env}] = append(waiting[key{w.App, w.Env}], w.Reasons...)
	}
	for _, r := range s.Rows {
		row := AppRow{App: r.App, Image: r.Image, Discovered: r.Discovered}
		var prev promote.Version
		for i, c := range r.Envs {
			cell := Cell{Env: c.Env, Tag: c.Version.Tag, Digest: c.Version.Digest, Note: c.Note, Files: c.Files,
				PR: prs[key{r.App, c.Env}], Waiting: waiting[key{r.App, c.Env}]}
			if i > 0 && !prev.IsZero() && prev != c.Version {
				cell.Behind = prev.String()
			}
			prev = c.Version
			row.Cells = append(row.Cells, cell)
		}
		v.Apps = append(v.Apps, row)
	}
	for _, h := range s.Holds {
		v.Holds = append(v.Holds, Hold{App: h.App, Env: h.Env, By: h.By, Since: h.Since.UTC().Format("2006-01-02T15:04:05Z"), Reason: h.Reason})
	}
	v.Version = viewVersion(v)
	return v
}

// viewVersion is a digest of the view's content.
func viewVersion(v View) string {
	v.Version = ""
	data, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("board view does not marshal: %v", err)) // plain structs of strings
	}
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:8])
}
