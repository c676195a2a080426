package forge

import (
	"context"
	"slices"
	"testing"
)

func TestAccess(t *testing.T) {
	e := newEnv(t, envOptions{})
	ctx := context.Background()
	e.sim.AddUser("outsider")
	e.sim.AddTeamMember("acme", "sre", "alice", "member")
	for _, tt := range []struct {
		user, perm string
		sre        bool
	}{
		{"alice", "admin", true},
		{"dev", "write", false},
		{"reader", "read", false},
		{"outsider", "none", false},
	} {
		t.Run(tt.user, func(t *testing.T) {
			perm, err := e.forge.Permission(ctx, testRepo, tt.user)
			if err != nil || perm != tt.perm {
				t.Fatalf("Permission = %q, %v; want %q", perm, err, tt.perm)
			}
			sre, err := e.forge.TeamMember(ctx, "acme", "sre", tt.user)
			if err != nil || sre != tt.sre {
				t.Fatalf("TeamMember = %v, %v; want %v", sre, err, tt.sre)
			}
		})
	}
	t.Run("labels", func(t *testing.T) {
		res, err := e.forge.Propose(ctx, testRepo, promotion("v1.1.0"))
		if err != nil {
			t.Fatal(err)
		}
		n := res.PR.GetNumber()
		if err := e.forge.AddLabels(ctx, testRepo, n, "hold"); err != nil {
			t.Fatal(err)
		}
		if err := e.forge.RemoveLabel(ctx, testRepo, n, "env:dev"); err != nil {
			t.Fatal(err)
		}
		if err := e.forge.RemoveLabel(ctx, testRepo, n, "not-there"); err != nil {
			t.Fatal(err)
		}
		got, err := e.forge.Labels(ctx, testRepo, n)
		slices.Sort(got)
		if err != nil || !slices.Equal(got, []string{"hold", "stagehand"}) {
			t.Fatalf("labels %v, %v", got, err)
		}
	})
}
