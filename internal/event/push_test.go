package event

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/google/go-github/v62/github"
)

// pushFacts are what Stagehand reads of a push, from either decode.
type pushFacts struct {
	Ref, Before, After, Repo, DefaultBranch string
	Deleted                                 bool
	Installation                            int64
	Commits                                 [][4][]string // id and message, added, removed, modified
	Head                                    *[4][]string
}

func factsOf(p *PushEvent) pushFacts {
	f := pushFacts{Ref: p.Ref, Before: p.Before, After: p.After, Repo: p.Repo.FullName, DefaultBranch: p.Repo.DefaultBranch,
		Deleted: p.Deleted, Installation: p.Installation.ID}
	commit := func(c PushCommit) [4][]string {
		return [4][]string{{c.ID, c.Message}, c.Added, c.Removed, c.Modified}
	}
	for _, c := range p.Commits {
		f.Commits = append(f.Commits, commit(c))
	}
	if p.HeadCommit != nil {
		h := commit(*p.HeadCommit)
		f.Head = &h
	}
	return f
}

func githubFacts(p *github.PushEvent) pushFacts {
	f := pushFacts{Ref: p.GetRef(), Before: p.GetBefore(), After: p.GetAfter(), Repo: p.GetRepo().GetFullName(),
		DefaultBranch: p.GetRepo().GetDefaultBranch(), Deleted: p.GetDeleted(), Installation: p.GetInstallation().GetID()}
	commit := func(c *github.HeadCommit) [4][]string {
		return [4][]string{{c.GetID(), c.GetMessage()}, c.Added, c.Removed, c.Modified}
	}
	for _, c := range p.Commits {
		if c == nil {
			c = &github.HeadCommit{}
		}
		f.Commits = append(f.Commits, commit(c))
	}
	if p.HeadCommit != nil {
		h := commit(p.HeadCommit)
		f.Head = &h
	}
	return f
}

// FuzzDecodePush holds Decode of a push to go-github's decode of the same
// body: whatever go-github reads, Decode reads, with the same values. A body
// go-github refuses for a field Stagehand does not read may still decode.
func FuzzDecodePush(f *testing.F) {
	body, err := os.ReadFile(filepath.Join(examples, "push.json"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(body)
	for _, s := range []string{
		`{}`, `null`, `[]`, `{"ref":null,"deleted":true}`, `{"REF":"refs/heads/x","ref":"refs/heads/y"}`,
		`{"commits":[{"added":["a"]},null,{"removed":null}],"head_commit":{"modified":["b"]}}`,
		`{"installation":{"id":1.0}}`, `{"installation":{"id":12}}`, `{"head_commit":null}`, `{"repository":{"full_name":"a/b","default_branch":"main"}}`,
		`{"commits":{"a":1}}`, `{"deleted":"yes"}`, `{"ref":"\u00e9\ud800"}`,
		"{\"REF\":\"\x99\"}", "{\"ref\":\"a\xff\xfe\\n\xc3\"}", "{\"commits\":[{\"added\":[\"\xe2\x82\"]}]}",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var want github.PushEvent
		ghErr := json.Unmarshal(body, &want)
		d, err := Decode("d", Push, body)
		if ghErr != nil {
			return
		}
		if err != nil {
			t.Fatalf("go-github decodes %q, Decode refuses it: %v", body, err)
		}
		p := d.Payload.(*PushEvent)
		if got, want := factsOf(p), githubFacts(&want); !reflect.DeepEqual(got, want) {
			t.Fatalf("body %q:\nDecode    %+v\ngo-github %+v", body, got, want)
		}
		if d.Repo != p.Repo.FullName || d.InstallationID != p.Installation.ID {
			t.Fatalf("delivery %+v, payload %+v", d, p)
		}
	})
}

// BenchmarkDecodePush compares the push decode with go-github's, on
// GitHub's example push.
func BenchmarkDecodePush(b *testing.B) {
	body, err := os.ReadFile("../../testdata/webhooks/push.json")
	if err != nil {
		b.Fatal(err)
	}
	b.Run("stagehand", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			if _, err := Decode("d", Push, body); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("go-github", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			var p github.PushEvent
			if err := json.Unmarshal(body, &p); err != nil {
				b.Fatal(err)
			}
		}
	})
}
