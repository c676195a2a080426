package tags

import (
	"errors"
	"path"
	"strings"
	"testing"
)

func TestValidateRule(t *testing.T) {
	tests := []struct {
		name  string
		rule  Rule
		field string // "" when the rule is valid
		want  string // substring of the message
	}{
		{name: "empty rule is semver", rule: Rule{}},
		{name: "every strategy", rule: Rule{Strategy: Digest}},
		{
			name: "full rule",
			rule: Rule{Strategy: SemVer, Extract: `^v(?P<version>.*)-linux$`, Filters: []Filter{
				{Source: "image rule", Constraint: ">=1.2.0 <2.0.0 || ^3", AllowTags: `^v\d`, IgnoreTags: []string{"*-debug", "latest", "v[0-9]*"}},
			}},
		},
		{name: "unknown strategy", rule: Rule{Strategy: "newest"}, field: "strategy", want: `unknown strategy "newest"`},
		{name: "bad extract", rule: Rule{Extract: `(`}, field: "extract", want: "missing closing )"},
		{name: "extract without a group", rule: Rule{Extract: `^v.*$`}, field: "extract", want: "needs a group"},
		{name: "bad allowTags", rule: image(Filter{AllowTags: `[`}), field: "allowTags", want: "image rule: allowTags"},
		{name: "bad glob", rule: image(Filter{IgnoreTags: []string{"ok", "[x"}}), field: "ignoreTags[1]", want: `glob "[x"`},
		{name: "bad constraint", rule: image(Filter{Constraint: ">=1.x.y"}), field: "constraint", want: ">=1.x.y"},
		{name: "bad alternative", rule: image(Filter{Constraint: "^1 || nope"}), field: "constraint", want: "nope"},
		{
			name:  "filter without source",
			rule:  Rule{Filters: []Filter{{AllowTags: `(`}}},
			field: "allowTags", want: "rule: allowTags",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ValidateRule(tt.rule)
			if tt.field == "" {
				if err != nil {
					t.Fatalf("ValidateRule: %v", err)
				}
				return
			}
			var re *RuleError
			if !errors.As(err, &re) || re.Field != tt.field || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("ValidateRule = %v; want a RuleError on %s containing %q", err, tt.field, tt.want)
			}
			if _, err := Choose(Request{Rule: tt.rule, Candidates: cands("1.0.0")}); !errors.As(err, &re) {
				t.Fatalf("Choose with an invalid rule = %v; want the RuleError", err)
			}
		})
	}
}

func TestChooseBadCarriedVersion(t *testing.T) {
	_, err := Choose(Request{Candidates: cands("1.2.3"), Version: "1.2"})
	if err == nil || !strings.Contains(err.Error(), `carried version "1.2"`) {
		t.Fatalf("Choose = %v; want an error naming the carried version", err)
	}
}

func TestGlobFastPathAgreesWithPathMatch(t *testing.T) {
	patterns := []string{"latest", "*-debug", "v1*", "*rc*", "*", "**", "a*b", "v[0-9]*", `\*x`, "?.1", ""}
	tags := []string{"latest", "v1.2.3-debug", "v1.2.3", "1.0.0-rc1", "", "a/b-debug", "v1/x", "ab", "axb", "*x", "1.1", "-debug"}
	for _, p := range patterns {
		g := compileGlob(p)
		for _, tag := range tags {
			want, _ := path.Match(p, tag)
			if got := g.match(tag); got != want {
				t.Errorf("glob %q on %q = %v, path.Match says %v", p, tag, got, want)
			}
		}
	}
}
