package promote

import (
	"fmt"
	"io/fs"
	"sort"
	"strings"

	"github.com/stagehand-gitops/stagehand/internal/overlay"
	"github.com/stagehand-gitops/stagehand/internal/policy"
	"github.com/stagehand-gitops/stagehand/internal/tags"
)

// Push is a new tag of an image, as a registry reported it.
type Push struct {
	// Image is the repository without tag: "ghcr.io/acme/order-service".
	Image  string
	Tag    string
	Digest string // optional
}

// Request asks for the plan of one push.
type Request struct {
	Push Push
	// Env is the environment the push goes to; "" means the first one.
	Env string
	// Delivery identifies the event that caused the plan, for the commit
	// trailer; "" when there is none (an offline plan).
	Delivery string
	// Trust holds the shell's verification facts for the pushed digest,
	// needed where the policy requires a signature (verify:).
	Trust Trusts
}

// Plan is what a push changes: one proposal per (app, env) that takes the
// new tag, and one skip per (app, env) that does not, with the reason.
type Plan struct {
	Proposals []Proposal
	Skips     []Skip
}

// Skip says why an app tracking the image does not take the tag.
type Skip struct {
	App, Env, Image string
	Reason          string
	// Unchecked, when NeedsCheck, is the candidate whose signature the
	// shell must verify (or, without a digest, resolve) before the plan
	// can go on: pass the fact in Trust and plan again.
	Unchecked  tags.Candidate
	NeedsCheck bool
	// UpToDate is true when the environment already runs the version, or a
	// newer one: nothing is waiting, as opposed to a version held back.
	UpToDate bool
}

// FileChange is one file a proposal rewrites.
type FileChange struct {
	Path          string
	Before, After []byte
}

// Proposal is one pull request: the edits that bring one image of one app
// to a new version in one environment, and everything the forge writes.
type Proposal struct {
	App, Env, Image string
	From, To        Version
	Files           []FileChange
	Branch          string
	Title           string
	Body            string
	Labels          []string
	CommitMessage   string
	// Digest is the digest the new version's tag points at, when known,
	// whether or not the overlay pins it (To.Digest).
	Digest string
	// Previous is what the previous environment runs, for a promotion that
	// takes a tag of the environment's own channel (carry: version); nil
	// otherwise, where the artifact travels as it is.
	Previous *Previous
	// Verified says which signature verified, for environments that
	// require one (verify:); "" otherwise.
	Verified string
}

// Previous is the version the previous environment runs, with the digest
// of its tag when known (pinned in its overlay, or listed by the registry).
type Previous struct {
	Env     string
	Version Version
}

// PlanPush decides which apps and environments a pushed tag goes to.
// An image no app tracks gives an empty plan; callers say so.
func PlanPush(pol *policy.Policy, tree fs.FS, req Request) (Plan, error) {
	env := req.Env
	if env == "" {
		env = pol.Environments[0].Name
	}
	if pol.EnvIndex(env) < 0 {
		return Plan{}, fmt.Errorf("unknown environment %q (the policy has %s)", env, envNames(pol))
	}
	var plan Plan
	for _, ref := range pol.AppsForImage(req.Push.Image) {
		p, skip, err := planOne(pol, tree, ref, env, req)
		if err != nil {
			return Plan{}, err
		}
		if skip != nil {
			plan.Skips = append(plan.Skips, *skip)
			continue
		}
		plan.Proposals = append(plan.Proposals, p)
	}
	return plan, nil
}

func planOne(pol *policy.Policy, tree fs.FS, ref policy.ImageRef, env string, req Request) (Proposal, *Skip, error) {
	skip := func(format string, args ...any) (Proposal, *Skip, error) {
		return Proposal{}, &Skip{App: ref.App, Env: env, Image: ref.Image, Reason: fmt.Sprintf(format, args...)}, nil
	}
	cands := req.Trust.apply([]tags.Candidate{{Tag: req.Push.Tag, Digest: req.Push.Digest}})
	c, err := Choose(pol, tree, ref.App, ref.Image, env, cands, false)
	if err != nil {
		// One app's unreadable overlay must not stop the others.
		return skip("%v", err)
	}
	cur, d := c.Current, c.Decision
	if !d.Found {
		return skip("%s: %s", req.Push.Tag, d.Rejected[0].Detail)
	}
	if d.Unverified {
		return Proposal{}, unverifiedSkip(ref.App, env, ref.Image, c), nil
	}
	to := Version{Tag: d.Chosen.Tag}
	if img, ok := appImage(pol, ref); ok && (img.PinDigest || img.Strategy == tags.Digest) {
		to.Digest = d.Chosen.Digest
	}
	// A tag of a channelled environment's own channel: say whether it is
	// the image the previous environment runs.
	var previous *Previous
	if src := c.Request.VersionSource; src != "" {
		if d, err := Current(pol, tree, ref.App, ref.Image, src); err == nil {
			previous = &Previous{Env: src, Version: d.Version}
		}
	}
	return proposal(pol, tree, Proposal{App: ref.App, Env: env, Image: ref.Image, From: cur.Version, To: to, Digest: d.Chosen.Digest, Previous: previous, Verified: verifiedLine(c)}, "registry", req.Delivery)
}

func appImage(pol *policy.Policy, ref policy.ImageRef) (policy.Image, bool) {
	app, ok := pol.App(ref.App)
	if !ok {
		return policy.Image{}, false
	}
	return app.Image(ref.Image)
}

// edits rewrites every overlay of the app in env to version to. An overlay
// that does not name the image gets an entry, as kustomize edit set image
// would add one.
func edits(pol *policy.Policy, tree fs.FS, ref policy.ImageRef, env string, to Version) ([]FileChange, error) {
	if a, ok := pol.App(ref.App); ok && a.Source != nil {
		return sourceEdits(pol, tree, a, ref.Image, env, to)
	}
	dirs, err := pol.OverlayDirs(tree, ref.App, env)
	if err != nil {
		return nil, fmt.Errorf("overlays of %s in %s: %w", ref.App, env, err)
	}
	var out []FileChange
	for _, dir := range dirs {
		file, err := overlay.FileIn(tree, dir)
		if err != nil {
			return nil, fmt.Errorf("overlay %s: %w", dir, err)
		}
		before, err := fs.ReadFile(tree, file)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", file, err)
		}
		refs, err := overlay.Find(tree, []string{dir}, ref.Image)
		if err != nil {
			return nil, fmt.Errorf("read overlay %s: %w", dir, err)
		}
		names := []string{ref.Image}
		if len(refs) > 0 {
			names = names[:0]
			for _, r := range refs {
				names = appendUnique(names, r.Entry.Name)
			}
		}
		after := before
		for _, name := range names {
			// The digest is always written (or removed): a stale digest
			// would pin the old image whatever the tag says.
			after, _, err = overlay.SetImage(after, overlay.Edit{Name: name, NewTag: overlay.Value(to.Tag), Digest: overlay.Value(to.Digest)})
			if err != nil {
				return nil, fmt.Errorf("set %s to %s in %s: %w", name, to, file, err)
			}
		}
		if string(after) != string(before) {
			out = append(out, FileChange{Path: file, Before: before, After: after})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out, nil
}

func appendUnique(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}

func envNames(pol *policy.Policy) string {
	names := make([]string, len(pol.Environments))
	for i, e := range pol.Environments {
		names[i] = e.Name
	}
	return strings.Join(names, ", ")
}
