package forge

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// GitHub's documented size limits for the text Stagehand writes.
const (
	// MaxTitle is the longest pull request title GitHub accepts, in characters.
	MaxTitle = 256
	// MaxCommentBody is the longest issue or pull request comment body, in characters.
	MaxCommentBody = 65536
	// MaxCheckText is the longest check-run output summary or text, in characters.
	MaxCheckText = 65535
	// MaxBranchName is the exclusive upper bound Stagehand keeps branch names under.
	MaxBranchName = 250
	// MaxAnnotations is how many check-run annotations one request may carry.
	MaxAnnotations = 50
)

// truncationNote ends any text Stagehand had to shorten, so readers know.
const truncationNote = "\n\n… (truncated by Stagehand: the full text is longer than GitHub allows)"

// ErrBranchName reports a branch name git or GitHub would refuse.
var ErrBranchName = errors.New("invalid branch name")

// TruncateTitle shortens a pull request title to MaxTitle characters, ending it with "…".
func TruncateTitle(title string) string {
	title = strings.TrimSpace(strings.ReplaceAll(title, "\n", " "))
	if utf8.RuneCountInString(title) <= MaxTitle {
		return title
	}
	return string([]rune(title)[:MaxTitle-1]) + "…"
}

// TruncateComment shortens a comment body to MaxCommentBody characters, keeping
// any trailing hidden marker and adding a note that says the text was cut.
func TruncateComment(body string) string {
	return truncateWithNote(body, MaxCommentBody)
}

// TruncateCheckText shortens a check-run summary or text to MaxCheckText characters,
// adding a note that says the text was cut.
func TruncateCheckText(text string) string {
	return truncateWithNote(text, MaxCheckText)
}

func truncateWithNote(s string, limit int) string {
	if utf8.RuneCountInString(s) <= limit {
		return s
	}
	// A hidden marker at the end identifies Stagehand's comment; keep it.
	var marker string
	if i := strings.LastIndex(s, "<!-- stagehand:"); i >= 0 && strings.HasSuffix(strings.TrimSpace(s), "-->") {
		marker = "\n" + strings.TrimSpace(s[i:])
		s = s[:i]
	}
	keep := limit - utf8.RuneCountInString(truncationNote) - utf8.RuneCountInString(marker)
	runes := []rune(s)
	if keep > len(runes) {
		keep = len(runes)
	}
	return string(runes[:keep]) + truncationNote + marker
}

// ValidateBranch reports whether name is a branch name that git
// (git check-ref-format) and GitHub accept, and that is shorter than MaxBranchName.
func ValidateBranch(name string) error {
	if name == "" {
		return fmt.Errorf("%w: empty", ErrBranchName)
	}
	if len(name) >= MaxBranchName {
		return fmt.Errorf("%w: %d bytes, must be under %d", ErrBranchName, len(name), MaxBranchName)
	}
	if name == "@" || strings.HasPrefix(name, "/") || strings.HasSuffix(name, "/") ||
		strings.HasSuffix(name, ".") || strings.HasPrefix(name, "-") ||
		strings.Contains(name, "//") || strings.Contains(name, "..") || strings.Contains(name, "@{") {
		return fmt.Errorf("%w: %q", ErrBranchName, name)
	}
	for _, r := range name {
		if r < 0x20 || r == 0x7f || strings.ContainsRune(" ~^:?*[\\", r) {
			return fmt.Errorf("%w: %q contains %q", ErrBranchName, name, r)
		}
	}
	for _, part := range strings.Split(name, "/") {
		if strings.HasPrefix(part, ".") || strings.HasSuffix(part, ".lock") {
			return fmt.Errorf("%w: component %q of %q", ErrBranchName, part, name)
		}
	}
	return nil
}

// SanitizeBranch turns name into a valid branch name: it keeps case (branch
// names are case-sensitive) and every valid name as it is, replaces each
// character git refuses with "-", removes empty components, "..", leading
// dots and ".lock" endings, and cuts the result under MaxBranchName.
func SanitizeBranch(name string) string {
	var b strings.Builder
	for _, r := range name {
		switch {
		case r < 0x20 || r == 0x7f || strings.ContainsRune(" ~^:?*[\\", r):
			b.WriteByte('-')
		default:
			b.WriteRune(r)
		}
	}
	out := b.String()
	for {
		next := cleanOnce(out)
		for len(next) >= MaxBranchName {
			next = cleanOnce(truncateBytes(next, MaxBranchName-1))
		}
		if next == out {
			break
		}
		out = next
	}
	if out == "" || out == "@" {
		return "stagehand"
	}
	return out
}

// cleanOnce removes "@{", "..", empty components, leading dots and ".lock"
// endings of components, and bad ends of the whole name. Removing one may
// expose another, so SanitizeBranch repeats it until nothing changes.
func cleanOnce(s string) string {
	parts := strings.Split(collapse(collapse(s, "@{", "-"), "..", "."), "/")
	clean := parts[:0]
	for _, p := range parts {
		p = strings.TrimSuffix(strings.TrimLeft(p, "."), ".lock")
		if p != "" {
			clean = append(clean, p)
		}
	}
	return trimEnds(strings.Join(clean, "/"))
}

// trimEnds removes what may not start or end a whole branch name.
func trimEnds(s string) string {
	for {
		t := strings.TrimLeft(strings.TrimRight(s, "./"), "-/")
		t = strings.TrimSuffix(t, ".lock")
		if t == s {
			return s
		}
		s = t
	}
}

func collapse(s, twice, once string) string {
	for strings.Contains(s, twice) {
		s = strings.ReplaceAll(s, twice, once)
	}
	return s
}

// truncateBytes cuts s to at most n bytes without splitting a UTF-8 sequence.
func truncateBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
