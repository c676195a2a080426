package promote

import (
	"strings"
	"testing"
)

func TestSourceLink(t *testing.T) {
	src := map[string]string{LabelSource: "https://github.com/acme/web.git"}
	with := func(rev string) map[string]string {
		m := map[string]string{LabelRevision: rev}
		for k, v := range src {
			m[k] = v
		}
		return m
	}
	tests := []struct {
		name     string
		from, to map[string]string
		want     string
	}{
		{"both revisions", with("1111111111111111"), with("2222222222222222"),
			"Source: [`111111111111...222222222222`](https://github.com/acme/web/compare/1111111111111111...2222222222222222)\n"},
		{"only the new revision", nil, with("abc"), "Source: [`abc`](https://github.com/acme/web/commit/abc)\n"},
		{"another source before", map[string]string{LabelSource: "https://github.com/acme/old", LabelRevision: "1"}, with("2"),
			"Source: [`2`](https://github.com/acme/web/commit/2)\n"},
		{"no labels", nil, nil, ""},
		{"not a web URL", nil, map[string]string{LabelSource: "git@github.com:acme/web", LabelRevision: "2"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := SourceLink(tt.from, tt.to); got != tt.want {
				t.Fatalf("SourceLink = %q, want %q", got, tt.want)
			}
		})
	}
	p := WithSource(Proposal{Body: "table\n\n<sub>note</sub>\n"}, "Source: x\n")
	if !strings.Contains(p.Body, "table\n\nSource: x\n\n<sub>") {
		t.Fatalf("body %q", p.Body)
	}
}
