package githubsim

import (
	"net/http"
	"testing"
)

func FuzzParseSignature(f *testing.F) {
	f.Add("A U Thor <a@example.com> 1700000000 +0100")
	f.Add("<> 0 -0000")
	f.Add("no email 1 +0000")
	f.Fuzz(func(t *testing.T, line string) {
		sig, err := parseSignature(line)
		if err != nil {
			return
		}
		if _, err := parseSignature(sig.encode()); err != nil {
			t.Errorf("re-parse of %q: %v", sig.encode(), err)
		}
	})
}

func FuzzRouterMatch(f *testing.F) {
	sim, err := NewHandler(Options{NoContract: true, AppKey: testKeyF(f)})
	if err != nil {
		f.Fatal(err)
	}
	defer sim.Close()
	rt := &router{}
	for _, r := range sim.table() {
		rt.handle(r.method, r.pattern, func(http.ResponseWriter, *http.Request) {})
	}
	f.Add("GET", "/repos/acme/config/issues/comments/12")
	f.Add("GET", "/repos/acme/config/issues/12/comments")
	f.Add("PATCH", "/repos/acme/config/git/refs/heads/a%2Fb")
	f.Add("GET", "/repos/acme/config/contents/")
	f.Add("GET", "//%zz")
	f.Fuzz(func(t *testing.T, method, path string) {
		best, vals, _ := rt.match(method, path)
		if best != nil && best.method != method {
			t.Errorf("matched a %s route for %s", best.method, method)
		}
		for k := range vals {
			if k == "" {
				t.Errorf("empty path value name for %s", path)
			}
		}
	})
}

func FuzzLabelNames(f *testing.F) {
	f.Add([]byte(`["a","b"]`))
	f.Add([]byte(`{"labels":["a"]}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, body []byte) {
		_, _ = labelNames(body)
	})
}
