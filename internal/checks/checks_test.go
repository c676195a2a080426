package checks

import (
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/stagehand-gitops/stagehand/internal/promote"
)

const image = "ghcr.io/acme/web"

func entered(env, tag string, ago time.Duration) (Query, time.Time) {
	return Query{App: "web", Image: image, Env: env, Version: promote.Version{Tag: tag}}, now.Add(-ago)
}

// artifactHistory is what the base branch's history says: staging took
// v1.2.0 three hours ago and ran v1.1.9 and v1.0.5 before; dev took
// v1.3.0 half an hour ago; prod ran v1.0.0 two days ago. No commit is
// reported healthy.
func artifactHistory() History {
	h := History{}
	for _, e := range []struct {
		env, tag string
		ago      time.Duration
	}{{"staging", "v1.2.0", 3 * time.Hour}, {"staging", "v1.1.9", 10 * time.Hour}, {"staging", "v1.0.5", 20 * time.Hour},
		{"dev", "v1.3.0", 30 * time.Minute}, {"prod", "v1.0.0", 48 * time.Hour}} {
		q, t := entered(e.env, e.tag, e.ago)
		h[q] = Entry{Commit: "c0ffee0" + e.env + e.tag, Since: t}
	}
	return h
}

// healthyBase is artifactBase with prod requiring a healthy staging.
func healthyBase() fstest.MapFS {
	return repo(replace(artifactPolicy, "    soak: 2h\n", "    soak: 2h\n    requireHealthy: true\n"), map[string]string{"dev": "v1.3.0", "staging": "v1.2.0", "production": "v1.1.0"})
}

// inHistory changes the history's entry for env running tag.
func inHistory(env, tag string, edit func(*Entry)) func(*Input) {
	return func(in *Input) {
		q, _ := entered(env, tag, 0)
		e := in.History[q]
		edit(&e)
		in.History[q] = e
	}
}

func artifactBase() fstest.MapFS {
	return repo(artifactPolicy, map[string]string{"dev": "v1.3.0", "staging": "v1.2.0", "production": "v1.1.0"})
}

const plainSecretYAML = `apiVersion: v1
kind: Secret
metadata:
  name: db
stringData:
  password: hunter2
`

func TestEvaluate(t *testing.T) {
	prod := func(tag string) func(fstest.MapFS) { return func(m fstest.MapFS) { setTag(m, "production", tag) } }
	file := func(name, data string) func(fstest.MapFS) {
		return func(m fstest.MapFS) { m[name] = &fstest.MapFile{Data: []byte(data)} }
	}
	withLabel := func(name, by string) func(*Input) {
		return func(in *Input) { in.PR.Labels = append(in.PR.Labels, Label{Name: name, AddedBy: by}) }
	}
	frozen := func(in *Input) { in.Now = time.Date(2026, 12, 21, 12, 0, 0, 0, time.UTC) }
	tests := []struct {
		name   string
		base   fstest.MapFS // default: artifactBase()
		edits  []func(fstest.MapFS)
		input  []func(*Input)
		states []string
		notes  []string
	}{
		{name: "order-pass", edits: cat(prod("v1.2.0")), states: []string{"stagehand/prod=success"}},
		{name: "order-fail", edits: cat(prod("v1.3.0")), states: []string{"stagehand/prod=failure"},
			notes: []string{overlayFile("production") + ":4"}},
		{name: "order-history", edits: cat(prod("v1.1.9")), states: []string{"stagehand/prod=success"}},
		// The rollback label counts only from a promoter of the
		// environment; from anyone else every rule applies.
		{name: "rollback-label", edits: cat(prod("v1.0.0")), input: cat(withLabel(LabelRollback, "alice")), states: []string{"stagehand/prod=success"}},
		{name: "rollback-label-team", edits: cat(prod("v1.0.0")),
			input:  cat(withLabel(LabelRollback, "bob"), func(in *Input) { in.Teams = map[string][]string{"@acme/sre": {"bob"}} }),
			states: []string{"stagehand/prod=success"}},
		{name: "rollback-label-stranger", edits: cat(prod("v1.0.0")), input: cat(withLabel(LabelRollback, "mallory")), states: []string{"stagehand/prod=failure"},
			notes: []string{overlayFile("production") + ":4", overlayFile("production") + ":4"}},
		{name: "rollback-label-unknown", edits: cat(prod("v1.3.0")), input: cat(withLabel(LabelRollback, "")), states: []string{"stagehand/prod=failure"},
			notes: []string{overlayFile("production") + ":4"}},
		// Stagehand's own /rollback pull request goes back to a version
		// the environment ran; one whose branch was pushed to something
		// else is judged by the rules.
		{name: "rollback-command", edits: cat(prod("v1.0.0")), input: cat(func(in *Input) { in.PR.ByRollback = true }), states: []string{"stagehand/prod=success"}},
		{name: "rollback-command-never-ran", edits: cat(prod("v1.3.0")), input: cat(func(in *Input) { in.PR.ByRollback = true }), states: []string{"stagehand/prod=failure"},
			notes: []string{overlayFile("production") + ":4"}},
		// requireHealthy: the commit that brought the version into
		// staging must be reported healthy.
		{name: "health-pass", base: healthyBase(), edits: cat(prod("v1.2.0")), input: cat(inHistory("staging", "v1.2.0", func(e *Entry) { e.Healthy = true })),
			states: []string{"stagehand/prod=success"}},
		{name: "health-fail", base: healthyBase(), edits: cat(prod("v1.2.0")), states: []string{"stagehand/prod=failure"}},
		// Staging runs it, but no commit in the history read brought it:
		// nothing to read health from, so the rule fails.
		{name: "health-no-commit", base: healthyBase(), edits: cat(prod("v1.2.0")),
			input: cat(func(in *Input) { q, _ := entered("staging", "v1.2.0", 0); delete(in.History, q) }), states: []string{"stagehand/prod=failure"}},
		{name: "health-never-ran", base: healthyBase(), edits: cat(prod("v1.3.0")), states: []string{"stagehand/prod=failure"},
			notes: []string{overlayFile("production") + ":4"}},
		// A version that reached staging without a pull request has no
		// time GitHub vouches for: the soak is not met.
		{name: "soak-no-time", edits: cat(prod("v1.2.0")), input: cat(inHistory("staging", "v1.2.0", func(e *Entry) { e.Since = time.Time{} })),
			states: []string{"stagehand/prod=failure"}},
		{name: "downgrade-fail", base: repo(artifactPolicy, map[string]string{"dev": "v1.3.0", "staging": "v1.2.0", "production": "v1.1.0"}),
			edits: cat(prod("v1.0.5")), states: []string{"stagehand/prod=failure"}, notes: []string{overlayFile("production") + ":4"}},
		{name: "soak-wait", edits: cat(func(m fstest.MapFS) { setTag(m, "staging", "v1.3.0") }), states: []string{"stagehand/staging=in_progress"}},
		{name: "tags-constraint", edits: cat(func(m fstest.MapFS) { setTag(m, "dev", "v3.1.0") }), states: []string{"stagehand/dev=failure"},
			notes: []string{overlayFile("dev") + ":4"}},
		{name: "tags-ignore", edits: cat(func(m fstest.MapFS) { setTag(m, "dev", "v1.4.0-debug") }), states: []string{"stagehand/dev=failure"},
			notes: []string{overlayFile("dev") + ":4"}},
		{name: "tags-prerelease", edits: cat(func(m fstest.MapFS) { setTag(m, "dev", "v1.4.0-rc.1") }), states: []string{"stagehand/dev=failure"},
			notes: []string{overlayFile("dev") + ":4"}},
		{name: "tags-pass", edits: cat(func(m fstest.MapFS) { setTag(m, "dev", "v1.4.0") }), states: []string{"stagehand/dev=success"}},
		{name: "freeze-wait", edits: cat(prod("v1.2.0")), input: cat(frozen), states: []string{"stagehand/prod=in_progress"}},
		{name: "freeze-emergency-promoter", edits: cat(prod("v1.2.0")), input: cat(frozen, withLabel(LabelEmergency, "alice")), states: []string{"stagehand/prod=success"}},
		{name: "freeze-emergency-team", edits: cat(prod("v1.2.0")),
			input:  cat(frozen, withLabel(LabelEmergency, "bob"), func(in *Input) { in.Teams = map[string][]string{"@acme/sre": {"bob"}} }),
			states: []string{"stagehand/prod=success"}},
		{name: "freeze-emergency-stranger", edits: cat(prod("v1.2.0")), input: cat(frozen, withLabel(LabelEmergency, "mallory")), states: []string{"stagehand/prod=in_progress"}},
		{name: "hold-label", edits: cat(prod("v1.2.0")), input: cat(withLabel(LabelHold, "alice")), states: []string{"stagehand/prod=failure"}},
		{name: "hold-recorded", edits: cat(prod("v1.2.0")),
			input: cat(func(in *Input) {
				in.Holds = []Hold{{App: "web", Env: "prod", By: "alice", Reason: "waiting for the DB migration"}}
			}),
			states: []string{"stagehand/prod=failure"}},
		{name: "hold-other-env", edits: cat(prod("v1.2.0")),
			input:  cat(func(in *Input) { in.Holds = []Hold{{App: "web", Env: "staging", By: "alice"}} }),
			states: []string{"stagehand/prod=success"}},
		{name: "secret-plain", edits: cat(file("apps/web/overlays/production/db.yaml", plainSecretYAML)), states: []string{"stagehand/prod=failure"},
			notes: []string{"apps/web/overlays/production/db.yaml:5"}},
		{name: "secret-sealed", edits: cat(file("apps/web/overlays/production/db.yaml", "apiVersion: bitnami.com/v1alpha1\nkind: SealedSecret\nmetadata:\n  name: db\nspec:\n  encryptedData:\n    password: AgBy8h==\n")),
			states: []string{"stagehand/prod=success"}},
		{name: "secret-outside-overlays", edits: cat(file(baseDir+"/db.yaml", plainSecretYAML)), states: []string{"stagehand=failure"},
			notes: []string{baseDir + "/db.yaml:5"}},
		{name: "build-missing-resource", edits: cat(file(overlayFile("production"), "resources:\n  - ../../base\n  - missing.yaml\n")), states: []string{"stagehand/prod=failure"},
			notes: []string{overlayFile("production") + ":3"}},
		{name: "build-remote-resource", edits: cat(file(overlayFile("production"), "resources:\n  - ../../base\n  - https://example.com/evil.yaml\n")), states: []string{"stagehand/prod=failure"},
			notes: []string{overlayFile("production") + ":3"}},
		{name: "build-remote-base", edits: cat(file(overlayFile("production"), "resources:\n  - ../../base\n"), file(baseDir+"/kustomization.yaml", "resources:\n  - deployment.yaml\n  - github.com/evil/repo//k8s?ref=main\n")),
			states: []string{"stagehand/dev=failure", "stagehand/staging=failure", "stagehand/prod=failure"},
			notes:  []string{baseDir + "/kustomization.yaml:3", baseDir + "/kustomization.yaml:3", baseDir + "/kustomization.yaml:3"}},
		// A shared base every overlay reaches: each environment is judged,
		// so a required stagehand/prod sees the change (and its freeze).
		{name: "base-change", edits: cat(file(baseDir+"/deployment.yaml", baseDeployment+"  # two replicas\n")),
			states: []string{"stagehand/dev=success", "stagehand/staging=success", "stagehand/prod=success"}},
		{name: "base-change-frozen", edits: cat(file(baseDir+"/deployment.yaml", baseDeployment+"  # two replicas\n")), input: cat(frozen),
			states: []string{"stagehand/dev=success", "stagehand/staging=success", "stagehand/prod=in_progress"}},
		{name: "base-secret-reached", edits: cat(file(baseDir+"/kustomization.yaml", "resources:\n  - deployment.yaml\n  - db.yaml\n"), file(baseDir+"/db.yaml", plainSecretYAML)),
			states: []string{"stagehand/dev=failure", "stagehand/staging=failure", "stagehand/prod=failure"},
			notes:  []string{baseDir + "/db.yaml:5", baseDir + "/db.yaml:5", baseDir + "/db.yaml:5"}},
		{name: "base-file-not-read", edits: cat(file(baseDir+"/NOTES.md", "# notes\n")), states: []string{"stagehand=neutral"}},
		{name: "build-remote-generator", edits: cat(file(overlayFile("production"), "resources:\n  - ../../base\nconfigMapGenerator:\n  - name: x\n    files:\n      - key=https://example.com/x\n")),
			states: []string{"stagehand/prod=failure"}, notes: []string{overlayFile("production") + ":6"}},
		{name: "build-bad-yaml", edits: cat(file(overlayFile("staging"), "resources:\n  - ../../base\nimages:\n  - name: [\n")), states: []string{"stagehand/staging=failure"},
			notes: []string{overlayFile("staging") + ":4"}},
		{name: "untouched", edits: cat(file("README.md", "# config repository\n")), states: []string{"stagehand=neutral"}},
		{name: "two-envs", edits: cat(prod("v1.2.0"), func(m fstest.MapFS) { setTag(m, "staging", "v1.3.0") }),
			states: []string{"stagehand/staging=in_progress", "stagehand/prod=success"}},
		{name: "policy-effects", edits: cat(file(".stagehand.yaml", replace(artifactPolicy, "    soak: 2h\n", "    soak: 10m\n", "  - name: staging\n", "  - name: staging\n    promotion: manual\n", "apps:\n", "apps:\n  api:\n    images:\n      - name: ghcr.io/acme/api\n"))),
			states: []string{"stagehand=success"}},
		{name: "policy-invalid", edits: cat(file(".stagehand.yaml", replace(artifactPolicy, "soak: 2h", "soak: two hours"))),
			states: []string{"stagehand=failure"}, notes: []string{".stagehand.yaml:8"}},
		{name: "policy-with-env", edits: cat(prod("v1.2.0"), file(".stagehand.yaml", replace(artifactPolicy, "soak: 2h", "soak: 3h"))),
			states: []string{"stagehand/prod=success", "stagehand=success"}},
		{name: "new-app-discovered", base: repo(channelPolicy, map[string]string{"development": "v1.2.5-dev"}),
			edits: cat(file("apps/api/overlays/development/kustomization.yaml", "resources:\n  - deployment.yaml\nimages:\n  - name: ghcr.io/acme/api\n    newTag: v0.1.0-dev\n"),
				file("apps/api/overlays/development/deployment.yaml", "apiVersion: v1\nkind: Pod\nmetadata: {name: api}\nspec:\n  containers: [{name: api, image: ghcr.io/acme/api}]\n")),
			states: []string{"stagehand/dev=success"}},
		{name: "secret-unchanged", base: withFile(artifactBase(), "apps/web/overlays/production/db.yaml", plainSecretYAML),
			edits: cat(file("apps/web/overlays/production/db.yaml", "# the database credentials\n"+plainSecretYAML)), states: []string{"stagehand/prod=success"}},
		{name: "channel-order-fail", base: repo(channelPolicy, map[string]string{"development": "v1.2.5-dev", "staging": "v1.2.4-rc2", "production": "v1.2.3"}),
			edits: cat(prod("v1.2.5")), states: []string{"stagehand/prod=failure"}, notes: []string{overlayFile("production") + ":4"}},
		{name: "channel-order-pass", base: repo(channelPolicy, map[string]string{"development": "v1.2.5-dev", "staging": "v1.2.4-rc2", "production": "v1.2.3"}),
			edits: cat(prod("v1.2.4")), states: []string{"stagehand/prod=success"}},
		{name: "channel-wrong-channel", base: repo(channelPolicy, map[string]string{"development": "v1.2.5-dev", "staging": "v1.2.4-rc2", "production": "v1.2.3"}),
			edits: cat(prod("v1.2.4-rc2")), states: []string{"stagehand/prod=failure"}, notes: []string{overlayFile("production") + ":4"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base := tt.base
			if base == nil {
				base = artifactBase()
			}
			head := clone(base)
			for _, e := range tt.edits {
				e(head)
			}
			in := Input{Base: base, Head: head, Now: now, History: artifactHistory(), PR: PR{Number: 7, Author: "stagehand[bot]"}}
			for _, f := range tt.input {
				f(&in)
			}
			expectReport(t, in, tt.states, tt.notes, "evaluate/"+tt.name+".md")
		})
	}
}

func withFile(m fstest.MapFS, name, data string) fstest.MapFS {
	m[name] = &fstest.MapFile{Data: []byte(data)}
	return m
}

func cat[T any](fs ...T) []T { return fs }

func replace(s string, pairs ...string) string {
	for i := 0; i+1 < len(pairs); i += 2 {
		before := s
		s = strings.Replace(s, pairs[i], pairs[i+1], 1)
		if s == before {
			panic("replace: " + pairs[i] + " not found")
		}
	}
	return s
}
