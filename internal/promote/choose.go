package promote

import (
	"fmt"
	"io/fs"

	"github.com/stagehand-gitops/stagehand/internal/policy"
	"github.com/stagehand-gitops/stagehand/internal/tags"
)

// Choice is a tag decision for one image of one app in one environment,
// with the request it was made from, so callers can show the context.
type Choice struct {
	Request  tags.Request
	Decision tags.Decision
	// Current is what the environment runs now.
	Current Deployed
}

// Choose builds the tag request for app's image in env from the policy and
// the tree (current tag, prerelease, and for carry: version the version the
// previous environment runs) and decides among the candidates.
func Choose(pol *policy.Policy, tree fs.FS, app, image, env string, cands []tags.Candidate, rollback bool) (Choice, error) {
	rule, ok := pol.Rule(app, image, env)
	if !ok {
		return Choice{}, fmt.Errorf("no rule for image %s of app %s in environment %s", image, app, env)
	}
	e, _ := pol.Env(app, env)
	cur, err := Current(pol, tree, app, image, env)
	if err != nil {
		return Choice{}, err
	}
	req := tags.Request{
		Candidates:    cands,
		Current:       cur.Version.Tag,
		CurrentDigest: cur.Version.Digest,
		Rule:          rule,
		Prerelease:    e.Prerelease,
		Rollback:      rollback,
		Env:           env,
	}
	if v, ok := pol.Verification(app, image, env); ok {
		req.Verify = v.String()
	}
	if e.Carry == policy.CarryVersion {
		if prev := pol.Prev(env); prev != "" {
			v, err := carriedVersion(pol, tree, app, image, prev)
			if err != nil {
				return Choice{}, err
			}
			req.Version, req.VersionSource = v, prev
		}
	}
	d, err := tags.Choose(req)
	if err != nil {
		return Choice{}, fmt.Errorf("choose a tag for %s in %s: %w", app, env, err)
	}
	return Choice{Request: req, Decision: d, Current: cur}, nil
}

// carriedVersion is the major.minor.patch the previous environment runs,
// read with that environment's extract rule.
func carriedVersion(pol *policy.Policy, tree fs.FS, app, image, prev string) (string, error) {
	d, err := Current(pol, tree, app, image, prev)
	if err != nil {
		return "", fmt.Errorf("read what %s runs: %w", prev, err)
	}
	if d.Version.Tag == "" {
		return "", fmt.Errorf("%s runs no tagged version of %s, so there is no version to carry", prev, image)
	}
	rule, _ := pol.Rule(app, image, prev)
	p, err := tags.Parse(d.Version.Tag, rule.Extract)
	if err != nil {
		return "", fmt.Errorf("%s runs %s, which is not a version to carry: %w", prev, d.Version.Tag, err)
	}
	v := p.Version
	return fmt.Sprintf("%d.%d.%d", v.Major(), v.Minor(), v.Patch()), nil
}
