package promote

import (
	"fmt"
	"strings"
)

// GitHub's limits that the texts of a proposal respect.
const (
	maxTitle  = 256
	maxBranch = 244 // GitHub refuses refs of 255 bytes or more; keep a margin
)

// Label every Stagehand pull request carries, and the prefix of its
// environment label.
const (
	LabelStagehand = "stagehand"
	LabelEnvPrefix = "env:"
)

// BranchName is the one branch a promotion of app into env lives on, so
// that a newer tag updates the same pull request instead of opening another.
func BranchName(env, app string) string {
	b := "stagehand/" + env + "/" + app
	if len(b) > maxBranch {
		b = b[:maxBranch]
	}
	return b
}

// Title is the pull request title: "Promote <app> to <env>: <old> → <new>".
func Title(app, env string, from, to Version) string {
	t := fmt.Sprintf("Promote %s to %s: %s → %s", app, env, short(from), short(to))
	if len(t) > maxTitle {
		t = truncate(t, maxTitle)
	}
	return t
}

// Labels are the labels of a promotion pull request into env.
func Labels(env string) []string {
	return []string{LabelStagehand, LabelEnvPrefix + env}
}

// short shows a version as people compare them: the tag, or a digest cut
// to 19 characters (sha256: and 12 hex digits) when there is no tag.
func short(v Version) string {
	if v.Tag != "" {
		return v.Tag
	}
	if len(v.Digest) > 19 {
		return v.Digest[:19]
	}
	if v.Digest == "" {
		return "none"
	}
	return v.Digest
}

func truncate(s string, n int) string {
	const ell = "…"
	if len(s) <= n {
		return s
	}
	cut := n - len(ell)
	for cut > 0 && !utf8Start(s[cut]) {
		cut--
	}
	return s[:cut] + ell
}

func utf8Start(b byte) bool { return b&0xC0 != 0x80 }

// commitMessage is the title, a line naming the files, and the trailers
// that let history be read back: Stagehand-App, -Env, -From, -Delivery.
func commitMessage(p Proposal, from, delivery string) string {
	var b strings.Builder
	b.WriteString(p.Title)
	b.WriteString("\n\n")
	for _, f := range p.Files {
		fmt.Fprintf(&b, "Set %s to %s in %s.\n", p.Image, p.To, f.Path)
	}
	b.WriteString("\n")
	fmt.Fprintf(&b, "Stagehand-App: %s\n", p.App)
	fmt.Fprintf(&b, "Stagehand-Env: %s\n", p.Env)
	fmt.Fprintf(&b, "Stagehand-From: %s\n", from)
	if delivery != "" {
		fmt.Fprintf(&b, "Stagehand-Delivery: %s\n", delivery)
	}
	return b.String()
}

// Body renders the pull request description: what changes, in a table,
// the digest, and each file. It is markdown and deterministic.
func Body(p Proposal) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Stagehand promotes **%s** to **%s**.\n\n", p.App, p.Env)
	b.WriteString("| image | from | to |\n|---|---|---|\n")
	fmt.Fprintf(&b, "| `%s` | %s | %s |\n\n", p.Image, cellText(p.From), cellText(p.To))
	switch {
	case p.To.Digest != "":
		fmt.Fprintf(&b, "Digest: `%s` (pinned)\n\n", p.To.Digest)
	case p.Digest != "":
		fmt.Fprintf(&b, "Digest: `%s` (the tag's image now; the overlay pins the tag only, set `pinDigest: true` to pin the digest)\n\n", p.Digest)
	}
	if p.Previous != nil {
		// Compare by the tag's image, pinned or not.
		to := p.To
		if to.Digest == "" {
			to.Digest = p.Digest
		}
		b.WriteString(sameImage(*p.Previous, to) + "\n\n")
	}
	if p.Verified != "" {
		b.WriteString(p.Verified + "\n\n")
	}
	writeFiles(&b, p.Files)
	b.WriteString("\n<sub>Opened by Stagehand. A newer tag updates this pull request in place; ")
	b.WriteString("closing it without merging leaves the environment as it is.</sub>\n")
	return b.String()
}

// writeFiles lists the files a pull request edits.
func writeFiles(b *strings.Builder, files []FileChange) {
	b.WriteString("Files:\n")
	for _, f := range files {
		fmt.Fprintf(b, "- `%s`\n", f.Path)
	}
}

func cellText(v Version) string {
	if v.IsZero() {
		return "_none_"
	}
	return "`" + short(v) + "`"
}

// sameImage says whether a tag of another channel is the very image the
// previous environment runs: "same image as dev: yes/no", with the digests,
// or why it cannot tell.
func sameImage(prev Previous, to Version) string {
	head := "same image as " + prev.Env + ": "
	switch {
	case prev.Version.Digest == "":
		return head + fmt.Sprintf("unknown (no digest known for %s's `%s`)", prev.Env, short(prev.Version))
	case to.Digest == "":
		return head + fmt.Sprintf("unknown (no digest known for `%s`)", short(to))
	case prev.Version.Digest == to.Digest:
		return head + fmt.Sprintf("yes (`%s` and `%s` are both `%s`)", short(prev.Version), to.Tag, short(Version{Digest: to.Digest}))
	}
	return head + fmt.Sprintf("no (%s runs `%s` = `%s`; `%s` is `%s`)", prev.Env, short(prev.Version), short(Version{Digest: prev.Version.Digest}), to.Tag, short(Version{Digest: to.Digest}))
}
