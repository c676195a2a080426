package forge

import (
	"context"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestUpsertComment(t *testing.T) {
	e := newEnv(t, envOptions{})
	ctx := context.Background()
	res, err := e.forge.Propose(ctx, testRepo, promotion("v1.1.0"))
	if err != nil {
		t.Fatal(err)
	}
	pr := res.PR.GetNumber()
	if _, err := e.forge.Comment(ctx, testRepo, pr, "someone else's comment"); err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		name, body string
		ops        map[string]int
		truncated  bool
	}{
		{"first upsert posts", "Plan: v1.1.0", map[string]int{"issues/list-comments": 1, "issues/create-comment": 1}, false},
		{"a new body edits the same comment", "Plan: v1.2.0", map[string]int{"issues/list-comments": 1, "issues/update-comment": 1}, false},
		{"the same body writes nothing", "Plan: v1.2.0", map[string]int{"issues/list-comments": 1}, false},
		{"a body over the limit is cut with a note, marker kept", strings.Repeat("é", MaxCommentBody+5),
			map[string]int{"issues/list-comments": 1, "issues/update-comment": 1}, true},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			e.calls()
			c, err := e.forge.UpsertComment(ctx, testRepo, pr, "plan", "stagehand[bot]", st.body)
			if err != nil {
				t.Fatal(err)
			}
			assertOps(t, e.calls(), st.ops)
			all, _, err := e.forge.Client().Issues.ListComments(ctx, testRepo.Owner, testRepo.Name, pr, nil)
			if err != nil || len(all) != 2 {
				t.Fatalf("%d comments (%v), want 2", len(all), err)
			}
			body := all[1].GetBody()
			if all[1].GetID() != c.GetID() || !strings.HasSuffix(body, Marker("plan")) {
				t.Fatalf("comment %d ends %q", all[1].GetID(), body[max(0, len(body)-40):])
			}
			if n := utf8.RuneCountInString(body); n > MaxCommentBody || strings.Contains(body, "truncated") != st.truncated {
				t.Fatalf("%d characters, truncated note %v", n, strings.Contains(body, "truncated"))
			}
		})
	}
	t.Run("reaction", func(t *testing.T) {
		all, _, err := e.forge.Client().Issues.ListComments(ctx, testRepo.Owner, testRepo.Name, pr, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := e.forge.React(ctx, testRepo, all[0].GetID(), "eyes"); err != nil {
			t.Fatal(err)
		}
		rs, _, err := e.forge.Client().Reactions.ListIssueCommentReactions(ctx, testRepo.Owner, testRepo.Name, all[0].GetID(), nil)
		if err != nil || len(rs) != 1 || rs[0].GetContent() != "eyes" {
			t.Fatalf("reactions %v, %v", rs, err)
		}
	})
}
