package githubsim

import (
	"context"
	"testing"
	"testing/fstest"

	"github.com/google/go-github/v62/github"
)

const testRepo = "acme/config"

// fixture is a simulator with one seeded repository and users of every permission level.
type fixture struct {
	sim  *Sim
	ctx  context.Context
	base string // default branch head after seeding
}

func newFixture(t *testing.T, opts Options) *fixture {
	t.Helper()
	if opts.T == nil {
		opts.T = t
	}
	if opts.AppKey == nil {
		opts.AppKey = testKey(t)
	}
	sim, err := New(opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(sim.Close)
	err = sim.CreateRepo(RepoOptions{Owner: "acme", Name: "config", Collaborators: map[string]Permission{
		"alice": PermAdmin, "dev": PermWrite, "reader": PermRead, "triager": PermTriage,
	}})
	if err != nil {
		t.Fatalf("CreateRepo: %v", err)
	}
	sim.AddUser("outsider")
	head, err := sim.SeedFS(testRepo, "main", fstest.MapFS{
		"README.md": {Data: []byte("# config\n")},
		"apps/web/overlays/dev/kustomization.yaml": {Data: []byte("images:\n- name: web\n  newTag: v1.0.0\n")},
		"scripts/run.sh": {Data: []byte("#!/bin/sh\necho hi\n"), Mode: 0o755},
	}, "Initial commit\n")
	if err != nil {
		t.Fatalf("SeedFS: %v", err)
	}
	return &fixture{sim: sim, ctx: context.Background(), base: head}
}

// client returns a go-github client authenticated as login ("" = the App installation).
func (f *fixture) client(t *testing.T, login string) *github.Client {
	t.Helper()
	tok := f.sim.Token(login)
	if login == "" {
		tok = f.sim.InstallationToken()
	}
	c, err := github.NewClient(nil).WithAuthToken(tok).WithEnterpriseURLs(f.sim.URL(), f.sim.URL())
	if err != nil {
		t.Fatalf("client: %v", err)
	}
	return c
}

func statusOf(resp *github.Response) int {
	if resp == nil || resp.Response == nil {
		return 0
	}
	return resp.StatusCode
}

func wantStatus(t *testing.T, resp *github.Response, err error, want int) {
	t.Helper()
	got := statusOf(resp)
	if got != want {
		t.Fatalf("status = %d (err %v), want %d", got, err, want)
	}
	if want < 300 && err != nil {
		t.Fatalf("unexpected error: %v", err)
	}
	if want >= 400 && err == nil {
		t.Fatalf("expected an error for status %d", want)
	}
}
