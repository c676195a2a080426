package chatops

import (
	"reflect"
	"testing"

	"github.com/stagehand-gitops/stagehand/internal/policy"
)

const testPolicy = `version: 1
environments:
  - name: dev
  - name: staging
  - name: prod
    promotion: manual
    promoters: ["@acme/sre", "alice"]
apps:
  web:
    image: ghcr.io/acme/web
  payments:
    image: ghcr.io/acme/payments
    environments:
      staging:
        promoters: ["bob"]
`

func testPol(t testing.TB) *policy.Policy {
	t.Helper()
	p, err := policy.Parse(policy.FileName, []byte(testPolicy))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestScreen(t *testing.T) {
	tests := []struct {
		name string
		e    Event
		want bool
	}{
		{"person creates", Event{Action: "created", Author: "alice", AuthorType: "User", Self: "stagehand[bot]"}, true},
		{"edited", Event{Action: "edited", Author: "alice", AuthorType: "User", Self: "stagehand[bot]"}, false},
		{"deleted", Event{Action: "deleted", Author: "alice", AuthorType: "User", Self: "stagehand[bot]"}, false},
		{"itself", Event{Action: "created", Author: "Stagehand[bot]", AuthorType: "Bot", Self: "stagehand[bot]"}, false},
		{"other bot", Event{Action: "created", Author: "renovate[bot]", AuthorType: "Bot", Self: "stagehand[bot]"}, false},
		{"bot typed as user", Event{Action: "created", Author: "ci[bot]", AuthorType: "User", Self: "stagehand[bot]"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, why := Screen(tt.e)
			if got != tt.want || (!got && why == "") {
				t.Errorf("Screen = %v %q, want %v with a reason when false", got, why, tt.want)
			}
		})
	}
}

func TestAuthorize(t *testing.T) {
	pol := testPol(t)
	writer := func(user string) Facts {
		return Facts{Repo: "acme/config", Commenter: user, Permission: "write", Policy: pol}
	}
	withTeam := writer("carol")
	withTeam.Teams = map[string]bool{"@acme/sre": true}
	tests := []struct {
		name    string
		facts   Facts
		cmd     string
		code    RefusalCode
		reason  string
		instead string
	}{
		{"writer promotes to staging", writer("dave"), "/promote web to staging", "", "", ""},
		{"listed promoter", writer("Alice"), "/promote web to prod", "", "", ""},
		{"team promoter", withTeam, "/promote web to prod", "", "", ""},
		{"admin", Facts{Repo: "acme/config", Commenter: "alice", Permission: "admin", Policy: pol}, "/rollback web in prod", "", "", ""},
		{"maintain", Facts{Repo: "acme/config", Commenter: "dave", Permission: "maintain", Policy: pol}, "/status", "", "", ""},
		{"not a promoter", writer("dave"), "/promote web to prod", RefusedPromoter,
			"only the promoters of prod may promote into it", "the promoters of prod: `@acme/sre`, `alice`"},
		{"team not resolved fails closed", writer("carol"), "/promote web to prod", RefusedPromoter, "only the promoters of prod may promote into it", "the promoters of prod: `@acme/sre`, `alice`"},
		{"app override of promoters", writer("alice"), "/promote payments to staging", RefusedPromoter,
			"only the promoters of staging may promote into it", "the promoters of staging: `bob`"},
		{"rollback needs promoter", writer("dave"), "/rollback web in prod to v1", RefusedPromoter,
			"only the promoters of prod may roll it back", "the promoters of prod: `@acme/sre`, `alice`"},
		{"hold needs only write", writer("dave"), "/hold web in prod", "", "", ""},
		{"unhold env needs promoter", writer("dave"), "/unhold web in prod", RefusedPromoter,
			"only the promoters of prod may lift a hold on it", "the promoters of prod: `@acme/sre`, `alice`"},
		{"unhold app-wide needs every promoter list", writer("dave"), "/unhold web", RefusedPromoter,
			"only the promoters of prod may lift a hold on it", "the promoters of prod: `@acme/sre`, `alice`"},
		{"read permission", Facts{Repo: "acme/config", Commenter: "eve", Permission: "read", Policy: pol}, "/promote web to prod", RefusedPermission,
			"@eve has read access to acme/config; Stagehand commands need write access or above",
			"the promoters of prod: `@acme/sre`, `alice` (with write access)"},
		{"no permission", Facts{Repo: "acme/config", Commenter: "eve", Permission: "none", Policy: pol}, "/status", RefusedPermission,
			"@eve has no access to acme/config; Stagehand commands need write access or above", "anyone with write access to acme/config"},
		{"triage", Facts{Repo: "acme/config", Commenter: "eve", Permission: "triage", Policy: pol}, "/help", RefusedPermission,
			"@eve has triage access to acme/config; Stagehand commands need write access or above", "anyone with write access to acme/config"},
		{"fork", Facts{Repo: "acme/config", Commenter: "alice", Permission: "admin", Fork: true, Policy: pol}, "/promote web to prod", RefusedFork,
			"commands on pull requests from forks cannot trigger anything",
			"anyone with write access to acme/config can run it in a comment on an issue or on a pull request from a branch of acme/config"},
		{"unknown app", writer("alice"), "/promote nope to prod", RefusedUnknown, ".stagehand.yaml knows no app `nope`", "apps: `web`, `payments`"},
		{"unknown env", writer("alice"), "/rollback web in qa", RefusedUnknown, ".stagehand.yaml knows no environment `qa`", "environments: `dev`, `staging`, `prod`"},
		{"first env needs a tag", writer("alice"), "/promote web to dev", RefusedNotHere,
			"dev is the first environment, so there is no previous one to promote from", "name the tag: `/promote web@<tag> to dev`"},
		{"first env with a tag", writer("alice"), "/promote web@v1.2.3 to dev", "", "", ""},
		{"no policy", Facts{Repo: "acme/config", Commenter: "alice", Permission: "write"}, "/status", RefusedNoPolicy,
			"the default branch has no valid .stagehand.yaml", "fix .stagehand.yaml on the default branch; `stagehand policy validate` says what is wrong"},
		{"help without policy", Facts{Repo: "acme/config", Commenter: "alice", Permission: "write"}, "/help", "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmds := Parse(tt.cmd).Commands()
			if len(cmds) != 1 {
				t.Fatalf("Parse(%q) = %v", tt.cmd, cmds)
			}
			r := Authorize(tt.facts, cmds[0])
			if tt.code == "" {
				if r != nil {
					t.Fatalf("refused: %+v", r)
				}
				return
			}
			want := &Refusal{Code: tt.code, Reason: tt.reason, Instead: tt.instead}
			if !reflect.DeepEqual(r, want) {
				t.Errorf("Authorize\n got %+v\nwant %+v", r, want)
			}
		})
	}
}

func TestTeamsToCheck(t *testing.T) {
	pol := testPol(t)
	tests := []struct {
		name, user, comment string
		want                []string
	}{
		{"prod promote", "carol", "/promote web to prod", []string{"@acme/sre"}},
		{"listed by name needs no lookup", "alice", "/promote web to prod", nil},
		{"staging has no teams", "carol", "/promote web to staging\n/status", nil},
		{"app-wide unhold", "carol", "/unhold web", []string{"@acme/sre"}},
		{"hold needs none", "carol", "/hold web in prod", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := TeamsToCheck(pol, tt.user, Parse(tt.comment).Commands()); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestResolveBare(t *testing.T) {
	pol := testPol(t)
	bare := Command{Name: CmdPromote, Line: 1}
	tests := []struct {
		name string
		pr   Pull
		want Command
		code RefusalCode
	}{
		{"dev PR promotes to staging", Pull{Number: 7, IsPR: true, Branch: "stagehand/dev/web"},
			Command{Name: CmdPromote, App: "web", Env: "staging", After: 7, Line: 1}, ""},
		{"merged staging PR", Pull{Number: 9, IsPR: true, Branch: "stagehand/staging/web", Merged: true},
			Command{Name: CmdPromote, App: "web", Env: "prod", After: 9, Line: 1}, ""},
		{"last env", Pull{Number: 9, IsPR: true, Branch: "stagehand/prod/web"}, bare, RefusedNotHere},
		{"issue", Pull{Number: 3}, bare, RefusedNotHere},
		{"other branch", Pull{Number: 3, IsPR: true, Branch: "feature/x"}, bare, RefusedNotHere},
		{"env gone", Pull{Number: 3, IsPR: true, Branch: "stagehand/qa/web"}, bare, RefusedUnknown},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, r := ResolveBare(pol, bare, tt.pr)
			if tt.code != "" {
				if r == nil || r.Code != tt.code || r.Instead == "" {
					t.Fatalf("got %+v, want refusal %s with an alternative", r, tt.code)
				}
				return
			}
			if r != nil || got != tt.want {
				t.Fatalf("got %+v %+v, want %+v", got, r, tt.want)
			}
			if got.String() != "/promote" {
				t.Errorf("a resolved bare promote still reads as typed: %q", got.String())
			}
		})
	}
}
