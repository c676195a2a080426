package forge

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-github/v62/github"
)

// commits builds a page of history from "sha:parent,parent" specs, all of
// the same date unless given one (the case that listings order arbitrarily).
func commits(specs ...string) []*github.RepositoryCommit {
	var out []*github.RepositoryCommit
	for _, s := range specs {
		sha, parents := s, ""
		if i := strings.IndexByte(s, ':'); i >= 0 {
			sha, parents = s[:i], s[i+1:]
		}
		c := &github.RepositoryCommit{SHA: github.String(sha), Commit: &github.Commit{Committer: &github.CommitAuthor{
			Date: &github.Timestamp{Time: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}}}}
		for parents != "" {
			p := parents
			if i := strings.IndexByte(parents, ','); i >= 0 {
				p, parents = parents[:i], parents[i+1:]
			} else {
				parents = ""
			}
			c.Parents = append(c.Parents, &github.Commit{SHA: github.String(p)})
		}
		out = append(out, c)
	}
	return out
}

func TestBroughtBy(t *testing.T) {
	// seed ← pr (a pull request's commit) ← merge (seed, pr) ← later (an unrelated direct push)
	line := commits("later:merge", "seed", "merge:seed,pr", "pr:seed")
	g := newGraph(line)
	tests := []struct {
		name, head, target, want string
	}{
		{"a merged pull request is brought by its merge commit", "later", "pr", "merge"},
		{"a direct push brings itself", "later", "later", "later"},
		{"the first commit", "later", "seed", "seed"},
		{"head given by name: the first commit of the page", "main", "pr", "merge"},
		{"a commit not in the page", "later", "elsewhere", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.head == "main" {
				g = newGraph(commits("later:merge", "merge:seed,pr", "seed", "pr:seed"))
			}
			got := g.broughtBy(tt.head, tt.target)
			if got.GetSHA() != tt.want {
				t.Fatalf("broughtBy(%s, %s) = %q, want %q", tt.head, tt.target, got.GetSHA(), tt.want)
			}
		})
	}
}

func TestNewestByAncestry(t *testing.T) {
	g := newGraph(commits("merge:seed,pr", "seed", "pr:seed"))
	// Listed seed first (equal dates), but pr descends from it.
	touched := commits("seed", "pr:seed")
	if got := g.newest(touched); got.GetSHA() != "pr" {
		t.Fatalf("newest = %s, want pr", got.GetSHA())
	}
}
