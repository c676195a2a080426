package board

import (
	"context"
	"crypto/sha256"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stagehand-gitops/stagehand/internal/bot"
	"github.com/stagehand-gitops/stagehand/internal/chatops"
	"github.com/stagehand-gitops/stagehand/internal/golden"
	"github.com/stagehand-gitops/stagehand/internal/promote"
)

var testNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// factsSource serves fixed facts: the board's layout and rendering are
// tested here; the gathering is bot.Board's, tested through the sandbox.
type factsSource struct {
	facts bot.BoardFacts
	calls int
	// histories counts History calls.
	histories int
}

func (s *factsSource) Repos() []string { return []string{s.facts.Repo} }

func (s *factsSource) History(_ context.Context, _, app string) ([]bot.Change, error) {
	s.histories++
	return []bot.Change{
		{Env: "prod", SHA: strings.Repeat("b", 40), URL: "https://github.com/acme/gitops-config/commit/" + strings.Repeat("b", 40),
			Title: "Roll back " + app + " in prod: v1.3.0 → v1.2.0 (#9)", Author: "sre", When: testNow.Add(-time.Hour)},
		{Env: "dev", SHA: strings.Repeat("a", 40), URL: "https://github.com/acme/gitops-config/commit/" + strings.Repeat("a", 40),
			Title: "Promote " + app + " to dev: v1.2.0 → v1.3.0 (#8)", Author: "stagehand[bot]", When: testNow.Add(-2 * time.Hour)},
	}, nil
}

func (s *factsSource) Board(context.Context, string) (bot.BoardFacts, error) {
	s.calls++
	return s.facts, nil
}

// storyFacts is a repository mid-story: order-service's staging PR is
// open and soaking, its checks running, payment-service waits for a manual
// prod promotion, web-frontend is on hold, and search-api's staging, which
// carries the version, waits for its channel's tag in the registry.
func storyFacts(apps int) bot.BoardFacts {
	envs := []string{"dev", "staging", "prod"}
	v := chatops.StatusView{Envs: envs}
	for i := range apps {
		name := fmt.Sprintf("app-%03d", i)
		switch i {
		case 0:
			name = "order-service"
		case 1:
			name = "payment-service"
		case 2:
			name = "web-frontend"
		case 3:
			name = "search-api"
		}
		row := promote.Row{App: name, Image: "registry.example.com/acme/" + name}
		for j, e := range envs {
			tag := "v1.2.0"
			if j == 0 || (i == 1 && j == 1) {
				tag = "v1.3.0"
			}
			row.Envs = append(row.Envs, promote.Cell{Env: e, Version: promote.Version{Tag: tag, Digest: "sha256:" + strings.Repeat(tag[3:4], 64)},
				Files: []string{"apps/" + name + "/overlays/" + e + "/kustomization.yaml"}})
		}
		v.Rows = append(v.Rows, row)
	}
	v.Open = []chatops.OpenPromotion{{App: "order-service", Env: "staging",
		PR:   chatops.PRLink{Number: 7, URL: "https://github.com/acme/gitops-config/pull/7", Title: "order-service: promote to staging"},
		From: promote.Version{Tag: "v1.2.0"}, To: promote.Version{Tag: "v1.3.0"}}}
	v.Pending = []chatops.PendingGates{{App: "order-service", Env: "staging", Gates: []promote.Gate{
		{Name: "soak", Detail: "soaking in dev: 25m0s left of 30m0s", Until: testNow.Add(25 * time.Minute)}}}}
	v.Holds = chatops.Holds{{App: "web-frontend", Env: "staging", By: "sre", Since: testNow.Add(-time.Hour), Reason: "load test"}}
	f := bot.BoardFacts{Repo: "acme/gitops-config", DefaultBranch: "main", Head: strings.Repeat("c", 40), Status: v,
		Checks: map[int][]bot.Check{7: {
			{Name: "build", State: "success", URL: "https://github.com/acme/gitops-config/runs/31"},
			{Name: "stagehand/staging", State: "in_progress", URL: "https://github.com/acme/gitops-config/runs/32"},
			{Name: "kustomize-render", State: "failure", URL: "https://github.com/acme/gitops-config/runs/33"},
			{Name: "ci/lint", State: "pending"},
		}}}
	f.Waiting = []bot.Waiting{
		{App: "payment-service", Env: "prod", Reasons: []string{"promotion is manual: /promote payment-service to prod, by sre"}},
		{App: "web-frontend", Env: "staging", Reasons: []string{"web-frontend is on hold in staging (by @sre): load test"}},
	}
	if apps > 3 {
		f.Waiting = append(f.Waiting, bot.Waiting{App: "search-api", Env: "staging",
			Reasons: []string{"v1.3.0: not in staging's channel (allowTags ^v\\d+\\.\\d+\\.\\d+-rc\\d+$)"}})
	}
	return f
}

// testHandler is a board over src with a signed-in session whose read
// access is already known.
func testHandler(t testing.TB, src Source) (*Handler, *http.Cookie) {
	t.Helper()
	h, err := New(Config{Source: src, ClientID: "Iv1.x", ClientSecret: "s", Key: []byte(strings.Repeat("k", 32)),
		WebURL: "https://github.com", APIURL: "https://api.github.com/", Now: func() time.Time { return testNow }})
	if err != nil {
		t.Fatal(err)
	}
	value, err := h.sign.seal(sessionCookie, session{Login: "dev", Token: "gho_test", CSRF: "csrf-token", Expires: testNow.Add(time.Hour).Unix()})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range src.Repos() {
		h.access.seen[accessKey{token: sha256.Sum256([]byte("gho_test")), repo: r}] = accessAnswer{read: true, at: testNow}
	}
	return h, &http.Cookie{Name: sessionCookie, Value: value}
}

func get(h http.Handler, c *http.Cookie, path string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodGet, path, nil)
	req.AddCookie(c)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func TestBoardGolden(t *testing.T) {
	h, c := testHandler(t, &factsSource{facts: storyFacts(4)})
	for _, tt := range []struct{ path, file string }{
		{"/board/acme/gitops-config", "testdata/repo.html"},
		{"/api/v1/repos/acme/gitops-config/board", "testdata/board.json"},
		{"/board/", "testdata/index.html"},
		{"/board/acme/gitops-config/apps/order-service", "testdata/history.html"},
		{"/api/v1/repos/acme/gitops-config/apps/order-service/history", "testdata/history.json"},
	} {
		rec := get(h, c, tt.path)
		if rec.Code != http.StatusOK {
			t.Fatalf("%s: %d\n%s", tt.path, rec.Code, rec.Body)
		}
		golden.Check(t, tt.file, rec.Body.Bytes())
	}
}

// TestViewSaysWhyItWaits checks the cells the story's facts make.
func TestViewSaysWhyItWaits(t *testing.T) {
	v := newView(storyFacts(3), "https://github.com")
	cell := func(app, env string) Cell {
		for _, r := range v.Apps {
			for _, c := range r.Cells {
				if r.App == app && c.Env == env {
					return c
				}
			}
		}
		t.Fatalf("no cell %s/%s", app, env)
		return Cell{}
	}
	if c := cell("order-service", "staging"); c.PR == nil || c.PR.Number != 7 || c.Behind != "v1.3.0@sha256:"+strings.Repeat("3", 64) ||
		len(c.Waiting) != 1 || !strings.HasPrefix(c.Waiting[0], "soak: soaking in dev") {
		t.Errorf("order-service staging: %+v", c)
	}
	var marks []string
	for _, k := range cell("order-service", "staging").PR.Checks {
		marks = append(marks, k.Name+":"+k.Mark())
	}
	if got := strings.Join(marks, " "); got != "build:passed stagehand/staging:pending kustomize-render:failed ci/lint:pending" {
		t.Errorf("order-service staging checks: %s", got)
	}
	if c := cell("payment-service", "prod"); c.PR != nil || len(c.Waiting) != 1 || !strings.Contains(c.Waiting[0], "by sre") {
		t.Errorf("payment-service prod: %+v", c)
	}
	if c := cell("payment-service", "staging"); c.Behind != "" || c.Waiting != nil {
		t.Errorf("payment-service staging is up to date: %+v", c)
	}
	w := newView(storyFacts(3), "https://github.com")
	f := storyFacts(3)
	f.Status.Rows[0].Envs[2].Version.Tag = "v1.3.0"
	if moved := newView(f, "https://github.com"); moved.Version == w.Version || w.Version != v.Version {
		t.Errorf("versions: same facts %s/%s, moved %s", v.Version, w.Version, moved.Version)
	}
}

// TestHistoryCachedByHead: a repeat view of a history reads nothing while
// the default branch's head stays, even after the facts were gathered
// again; a new head reads it again.
func TestHistoryCachedByHead(t *testing.T) {
	src := &factsSource{facts: storyFacts(3)}
	h, c := testHandler(t, src)
	paths := []string{"/board/acme/gitops-config/apps/order-service", "/api/v1/repos/acme/gitops-config/apps/order-service/history"}
	for _, p := range paths {
		if rec := get(h, c, p); rec.Code != http.StatusOK {
			t.Fatalf("%s: %d", p, rec.Code)
		}
	}
	h.cfg.Now = func() time.Time { return testNow.Add(h.cfg.FactsTTL) }
	for _, p := range paths {
		get(h, c, p)
	}
	if src.histories != 1 || src.calls != 2 {
		t.Errorf("4 history views at one head: %d history reads, %d gatherings; want 1 and 2", src.histories, src.calls)
	}
	get(h, c, "/board/acme/gitops-config/apps/payment-service")
	src.facts.Head = strings.Repeat("d", 40)
	h.cfg.Now = func() time.Time { return testNow.Add(2 * h.cfg.FactsTTL) }
	get(h, c, paths[0])
	if src.histories != 3 {
		t.Errorf("after a new head: %d history reads, want 3", src.histories)
	}
}

// TestFactsReusedWithinTTL: pages within FactsTTL gather the facts once.
func TestFactsReusedWithinTTL(t *testing.T) {
	src := &factsSource{facts: storyFacts(3)}
	h, c := testHandler(t, src)
	for range 5 {
		get(h, c, "/board/acme/gitops-config")
		get(h, c, "/api/v1/repos/acme/gitops-config/board")
	}
	if src.calls != 1 {
		t.Errorf("10 pages gathered the facts %d times, want 1", src.calls)
	}
	h.cfg.Now = func() time.Time { return testNow.Add(h.cfg.FactsTTL) }
	get(h, c, "/board/acme/gitops-config")
	if src.calls != 2 {
		t.Errorf("after FactsTTL: %d gatherings, want 2", src.calls)
	}
}

// BenchmarkBoard500 renders the board page of a 500-app repository from
// a warm cache (facts gathered, read access known).
func BenchmarkBoard500(b *testing.B) {
	h, c := testHandler(b, &factsSource{facts: storyFacts(500)})
	if rec := get(h, c, "/board/acme/gitops-config"); rec.Code != http.StatusOK {
		b.Fatalf("%d", rec.Code)
	}
	b.ReportAllocs()
	for b.Loop() {
		get(h, c, "/board/acme/gitops-config")
	}
}
