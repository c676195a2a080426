package sandbox

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"

	"github.com/stagehand-gitops/stagehand/internal/policy"
	"github.com/stagehand-gitops/stagehand/internal/promote"
	"github.com/stagehand-gitops/stagehand/internal/semver"
	"github.com/stagehand-gitops/stagehand/internal/tags"
)

// Script is the story a sandbox plays for one app, derived from the config
// repository's policy: one step per environment, in promotion order.
type Script struct {
	App   string
	Image string // as the policy writes it: registry.demo.local/acme/order-service
	// Repository is Image without the registry host: acme/order-service.
	Repository string
	// Version is the release the story brings to every environment.
	Version string
	Steps   []Step
}

// Step is what brings the release into one environment.
type Step struct {
	Env policy.Environment
	// Push is the tag pushed to the registry before the step ("" when the
	// environment takes what the previous one runs).
	Push string
	// Tag is the tag the environment ends up running.
	Tag string
}

// NewScript derives the story for app from the policy and the tree of the
// default branch. app "" picks the first app whose image lives in a Helm
// values file (the mixed repository's story), else order-service when
// the repository has it, else the first app. The release is the next minor version of what the
// first environment runs (v1.3.2 → v1.4.0); when any environment carries
// the version through its own tag channel, it is the next patch (v1.2.4-dev
// → v1.2.5), and each environment gets the tag of its channel for it
// (v1.2.5-dev, v1.2.5-rc1, v1.2.5).
func NewScript(pol *policy.Policy, tree fs.FS, app string) (Script, error) {
	rows := promote.Inventory(pol, tree)
	if len(rows) == 0 || len(pol.Environments) == 0 {
		return Script{}, errors.New("the policy has no app or no environment to promote through")
	}
	row := rows[0]
	want := app
	if want == "" {
		want = defaultApp(pol)
	}
	found := false
	for _, r := range rows {
		if r.App == want {
			row, found = r, true
			break
		}
	}
	if !found && app != "" {
		return Script{}, fmt.Errorf("the policy has no app %q", app)
	}
	sc := Script{App: row.App, Image: row.Image}
	_, sc.Repository, _ = strings.Cut(row.Image, "/")
	carry := false
	for _, e := range pol.Environments {
		carry = carry || e.Carry == policy.CarryVersion
	}
	cur, err := promote.Current(pol, tree, row.App, row.Image, pol.Environments[0].Name)
	if err != nil {
		return Script{}, fmt.Errorf("what %s runs in %s: %w", row.App, pol.Environments[0].Name, err)
	}
	sc.Version = nextVersion(cur.Version.Tag, carry)
	for i, name := range envNames(pol) {
		e, _ := pol.Env(row.App, name)
		st := Step{Env: e}
		switch {
		case i == 0 || e.Carry == policy.CarryVersion:
			tag, err := channelTag(pol, row.App, row.Image, e, sc.Version, carry)
			if err != nil {
				return Script{}, err
			}
			st.Push, st.Tag = tag, tag
		default:
			st.Tag = sc.Steps[i-1].Tag
		}
		sc.Steps = append(sc.Steps, st)
	}
	return sc, nil
}

func defaultApp(pol *policy.Policy) string {
	for _, a := range pol.Apps {
		if a.Source != nil && a.Source.Kind == policy.SourceValues {
			return a.Name
		}
	}
	return "order-service"
}

func envNames(pol *policy.Policy) []string {
	names := make([]string, len(pol.Environments))
	for i, e := range pol.Environments {
		names[i] = e.Name
	}
	return names
}

// nextVersion is the release after current: the next minor, or the next
// patch when versions are carried (a release candidate of a patch).
func nextVersion(current string, carry bool) string {
	v, err := semver.NewVersion(current)
	if err != nil {
		if carry {
			return "v1.0.1"
		}
		return "v1.1.0"
	}
	next := v.IncMinor()
	if carry {
		// Past the first environment's version, prerelease or not: dev on
		// v1.2.4-dev already has v1.2.4's build, so the story brings v1.2.5.
		next = *semver.New(v.Major(), v.Minor(), v.Patch()+1, "", "")
	}
	return "v" + next.String()
}

// channelTag is the tag of env's channel for version: the one of
// version-dev, version-rc1 and version that env's rule admits.
func channelTag(pol *policy.Policy, app, image string, e policy.Environment, version string, carry bool) (string, error) {
	if !carry {
		return version, nil
	}
	rule, ok := pol.Rule(app, image, e.Name)
	if !ok {
		return "", fmt.Errorf("no tag rule for %s in %s", app, e.Name)
	}
	var cands []tags.Candidate
	for _, t := range []string{version + "-dev", version + "-rc1", version} {
		cands = append(cands, tags.Candidate{Tag: t})
	}
	d, err := tags.Choose(tags.Request{Candidates: cands, Rule: rule, Prerelease: e.Prerelease, Env: e.Name})
	if err != nil {
		return "", fmt.Errorf("tag rule for %s in %s: %w", app, e.Name, err)
	}
	if !d.Found {
		return "", fmt.Errorf("%s's channel admits none of %s-dev, %s-rc1 and %s", e.Name, version, version, version)
	}
	return d.Chosen.Tag, nil
}
