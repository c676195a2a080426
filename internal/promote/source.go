package promote

import (
	"fmt"
	"strings"
)

// OCI annotation keys that name an image's source repository and revision.
const (
	LabelSource   = "org.opencontainers.image.source"
	LabelRevision = "org.opencontainers.image.revision"
)

// SourceLink renders the line of a pull request body that links the source
// change between two images, from their OCI labels: a compare link when
// both name a revision of the same source, a link to the new revision when
// only it is known, and "" when the new image does not say.
func SourceLink(from, to map[string]string) string {
	src := strings.TrimSuffix(strings.TrimSuffix(to[LabelSource], "/"), ".git")
	rev := to[LabelRevision]
	if !strings.HasPrefix(src, "https://") || rev == "" {
		return ""
	}
	old := from[LabelRevision]
	oldSrc := strings.TrimSuffix(strings.TrimSuffix(from[LabelSource], "/"), ".git")
	if old != "" && old != rev && oldSrc == src {
		return fmt.Sprintf("Source: [`%s...%s`](%s/compare/%s...%s)\n", shortRev(old), shortRev(rev), src, old, rev)
	}
	return fmt.Sprintf("Source: [`%s`](%s/commit/%s)\n", shortRev(rev), src, rev)
}

func shortRev(rev string) string {
	if len(rev) > 12 {
		return rev[:12]
	}
	return rev
}

// WithSource returns p with the source line (see SourceLink) added to its
// body, before the closing note.
func WithSource(p Proposal, line string) Proposal {
	if line == "" {
		return p
	}
	if i := strings.Index(p.Body, "\n<sub>"); i >= 0 {
		p.Body = p.Body[:i] + "\n" + line + p.Body[i:]
		return p
	}
	p.Body += "\n" + line
	return p
}
