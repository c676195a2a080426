// Package event turns a verified GitHub webhook delivery into a typed value
// that the work queue carries to the bot.
//
// Payloads are decoded with go-github (github.ParseWebHook) into its event
// types, except package, registry_package and push: go-github v62 has no
// type for registry_package and its PackageEvent rejects GitHub's payloads,
// so both become types defined here (PackageEvent, RegistryPackageEvent);
// a push, the most frequent delivery, is read into PushEvent, the fields
// Stagehand uses, at a tenth of go-github's cost.
package event

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"

	"github.com/google/go-github/v62/github"
)

// Names of the GitHub events Stagehand handles.
const (
	Push                     = "push"
	PullRequest              = "pull_request"
	IssueComment             = "issue_comment"
	CheckSuite               = "check_suite"
	CheckRun                 = "check_run"
	Installation             = "installation"
	InstallationRepositories = "installation_repositories"
	Package                  = "package"
	RegistryPackage          = "registry_package"
	DeploymentStatus         = "deployment_status"
	Status                   = "status"
	// Ping is sent when a webhook is created; it is answered, never queued.
	Ping = "ping"
	// ImagePushed names deliveries made from registry webhooks (an image
	// tag was pushed). It never comes from GitHub, so Handled is false.
	ImagePushed = "image_pushed"
)

// handled lists the events that are decoded and queued, in the order of
// the documentation.
var handled = []string{
	Push, PullRequest, IssueComment, CheckSuite, CheckRun, Installation,
	InstallationRepositories, Package, RegistryPackage, DeploymentStatus, Status,
}

// Handled reports whether Stagehand decodes and queues deliveries of the
// named event. Every other event is acknowledged and dropped.
func Handled(name string) bool { return slices.Contains(handled, name) }

// HandledEvents returns the names of the handled events.
func HandledEvents() []string { return slices.Clone(handled) }

// ErrUnhandled is returned by Decode for an event Stagehand does not handle.
var ErrUnhandled = errors.New("event not handled")

// Delivery is one webhook delivery, verified and decoded.
type Delivery struct {
	// ID is the X-GitHub-Delivery header: unique per delivery, kept by
	// GitHub's redeliveries.
	ID string
	// Event is the X-GitHub-Event header, for example "pull_request".
	Event string
	// Action is the payload's action ("opened", "created", …), or "" for
	// events without one (push, status).
	Action string
	// Repo is the repository as "owner/name", or "" when the event is not
	// about one repository (installation events).
	Repo string
	// InstallationID is the App installation the delivery came through, or 0.
	InstallationID int64
	// Payload is the decoded event: a pointer to a go-github event type
	// (*github.PullRequestEvent, *github.IssueCommentEvent, …), or
	// *PushEvent, *PackageEvent or *RegistryPackageEvent.
	Payload any
}

// Key is the queue key of the delivery: deliveries with the same key are
// handled one at a time, in order. It is the repository, or the
// installation for events that span repositories.
func (d Delivery) Key() string {
	if d.Repo != "" {
		return d.Repo
	}
	return "installation/" + strconv.FormatInt(d.InstallationID, 10)
}

// Decode decodes a webhook body of the named event. It returns ErrUnhandled
// for events Stagehand does not handle, and an error for a body that does not
// decode into the event's type.
func Decode(id, name string, body []byte) (Delivery, error) {
	if !Handled(name) {
		return Delivery{}, fmt.Errorf("decode %s delivery %s: %w", name, id, ErrUnhandled)
	}
	if name == Push {
		p, err := decodePush(body)
		if err != nil {
			return Delivery{}, fmt.Errorf("decode %s delivery %s: %w", name, id, err)
		}
		return Delivery{ID: id, Event: name, Repo: p.Repo.FullName, InstallationID: p.Installation.ID, Payload: p}, nil
	}
	payload, err := parse(name, body)
	if err != nil {
		return Delivery{}, fmt.Errorf("decode %s delivery %s: %w", name, id, err)
	}
	d := Delivery{ID: id, Event: name, Payload: payload}
	if p, ok := payload.(interface{ GetAction() string }); ok {
		d.Action = p.GetAction()
	}
	if p, ok := payload.(interface{ GetInstallation() *github.Installation }); ok {
		d.InstallationID = p.GetInstallation().GetID()
	}
	if p, ok := payload.(interface{ GetRepo() *github.Repository }); ok {
		d.Repo = p.GetRepo().GetFullName()
	}
	return d, nil
}

func parse(name string, body []byte) (any, error) {
	var own any
	switch name {
	case Package:
		own = &PackageEvent{}
	case RegistryPackage:
		own = &RegistryPackageEvent{}
	}
	if own != nil {
		if err := json.Unmarshal(body, own); err != nil {
			return nil, fmt.Errorf("parse payload: %w", err)
		}
		return own, nil
	}
	payload, err := github.ParseWebHook(name, body)
	if err != nil {
		return nil, fmt.Errorf("parse payload: %w", err)
	}
	return payload, nil
}
