package promote

import (
	"fmt"
	"io/fs"

	"github.com/stagehand-gitops/stagehand/internal/policy"
	"github.com/stagehand-gitops/stagehand/internal/tags"
)

// Supersedes reports whether a pushed tag should replace what an open pull
// request already proposes for app's image in env (pending; zero when no
// pull request is open). The environment's rule ranks the two, so a late or
// repeated event for an older tag never takes a pull request back; the
// reason says why not.
func Supersedes(pol *policy.Policy, tree fs.FS, app, image, env string, push Push, pending Version) (bool, string, error) {
	if pending.IsZero() || pending.Tag == "" || pending.Tag == push.Tag {
		return true, "", nil
	}
	cands := []tags.Candidate{{Tag: push.Tag, Digest: push.Digest}, {Tag: pending.Tag, Digest: pending.Digest}}
	c, err := Choose(pol, tree, app, image, env, cands, false)
	if err != nil {
		return false, "", err
	}
	if c.Decision.Found && c.Decision.Chosen.Tag == pending.Tag {
		return false, fmt.Sprintf("the open pull request already proposes %s, which ranks above %s", pending, push.Tag), nil
	}
	return true, "", nil
}
