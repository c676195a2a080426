package chatops

import (
	"reflect"
	"testing"

	"github.com/stagehand-gitops/stagehand/internal/policy"
)

// groupPolicy is testPolicy with a group of both apps; payments has
// promoters of its own in staging.
const groupPolicy = testPolicy + `groups:
  shop:
    apps: [web, payments]
`

func TestAuthorizeGroup(t *testing.T) {
	pol, err := policy.Parse(policy.FileName, []byte(groupPolicy))
	if err != nil {
		t.Fatal(err)
	}
	writer := func(user string) Facts {
		return Facts{Repo: "acme/config", Commenter: user, Permission: "write", Policy: pol}
	}
	tests := []struct {
		name, user, cmd string
		code            RefusalCode
		reason, instead string
	}{
		{"promoter of every member", "bob", "/promote shop to staging", "", "", ""},
		{"listed promoter of prod", "alice", "/promote shop to prod", "", "", ""},
		{"not a promoter of one member", "dave", "/promote shop to staging", RefusedPromoter,
			"only someone who may promote every member of shop into staging may promote the group; payments's promoters do not include @dave", "the promoters of staging: `bob` (for payments)"},
		{"not a promoter of prod", "bob", "/promote shop to prod", RefusedPromoter,
			"only someone who may promote every member of shop into prod may promote the group; web's promoters do not include @bob", "the promoters of prod: `@acme/sre`, `alice` (for web)"},
		{"not an environment of the group", "alice", "/promote shop to dev", RefusedNotHere,
			"the group shop moves together into staging and prod, not into dev", "promote its members one by one into dev: `/promote web to dev`"},
		{"a group takes no tag", "alice", "/promote shop@v1.2.3 to prod", RefusedNotHere,
			"a group moves to what the previous environment runs; it takes no tag (`shop@v1.2.3`)", "`/promote shop to prod`, or name a tag for one app: `/promote web@v1.2.3 to prod`"},
		{"rollback of a group by a promoter of every member", "alice", "/rollback shop in prod", "", "", ""},
		{"rollback of a group needs every member's promoters", "bob", "/rollback shop in prod", RefusedPromoter,
			"only someone who may roll back every member of shop in prod may roll back the group; web's promoters do not include @bob", "the promoters of prod: `@acme/sre`, `alice` (for web)"},
		{"rollback of a group in staging needs payments's promoters", "dave", "/rollback shop in staging", RefusedPromoter,
			"only someone who may roll back every member of shop in staging may roll back the group; payments's promoters do not include @dave", "the promoters of staging: `bob` (for payments)"},
		{"a group rollback takes no tag", "alice", "/rollback shop in prod to v1.2.3", RefusedNotHere,
			"a group rolls back to what each member ran before its last release into prod; it takes no tag (`to v1.2.3`)", "`/rollback shop in prod`, or name a tag for one app: `/rollback web in prod to v1.2.3`"},
		{"rollback of a group outside its environments", "alice", "/rollback shop in dev", RefusedNotHere,
			"the group shop moves together into staging and prod, not into dev", "roll back its members one by one in dev: `/rollback web in dev`"},
		{"status of a group is not refused, other commands are", "alice", "/status shop", "", "", ""},
		{"hold of a group", "dave", "/hold shop", "", "", ""},
		{"unhold of a group by a promoter of every member", "alice", "/unhold shop in prod", "", "", ""},
		{"unhold of a group needs every member's promoters", "dave", "/unhold shop in prod", RefusedPromoter,
			"only the promoters of prod may lift a hold on it, for every member of shop; web's promoters do not include @dave", "the promoters of prod: `@acme/sre`, `alice` (for web)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmds := Parse(tt.cmd).Commands()
			if len(cmds) != 1 {
				t.Fatalf("Parse(%q) = %v", tt.cmd, cmds)
			}
			r := Authorize(writer(tt.user), cmds[0])
			if tt.code == "" {
				if r != nil {
					t.Fatalf("refused: %+v", r)
				}
				return
			}
			if r == nil || r.Code != tt.code || r.Reason != tt.reason || r.Instead != tt.instead {
				t.Fatalf("refusal = %+v\nwant code %s, %q, %q", r, tt.code, tt.reason, tt.instead)
			}
		})
	}
	// carol is in no list by name: the teams of every member's promoters
	// must be looked up before Authorize.
	if got := TeamsToCheck(pol, "carol", Parse("/promote shop to prod").Commands()); !reflect.DeepEqual(got, []string{"@acme/sre"}) {
		t.Errorf("TeamsToCheck = %q", got)
	}
}
