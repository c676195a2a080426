package argoimport

import (
	"reflect"
	"testing"

	"github.com/stagehand-gitops/stagehand/internal/tags"
)

func TestParseImageList(t *testing.T) {
	tests := []struct {
		name  string
		value string
		want  []ImageSpec
		err   string
	}{
		{"alias", "order=registry.company.com/order-service",
			[]ImageSpec{{Alias: "order", Name: "registry.company.com/order-service"}}, ""},
		{"no alias", "nginx", []ImageSpec{{Name: "nginx"}}, ""},
		{"constraint", "nginx=nginx:~1.26", []ImageSpec{{Alias: "nginx", Name: "nginx", Constraint: "~1.26"}}, ""},
		{"constraint after a registry with a port", "app=localhost:5000/team/app:^1.2",
			[]ImageSpec{{Alias: "app", Name: "localhost:5000/team/app", Constraint: "^1.2"}}, ""},
		{"constraint with a comparison and no alias", "nginx:>=1.26 <1.28",
			[]ImageSpec{{Name: "nginx", Constraint: ">=1.26 <1.28"}}, ""},
		{"alias and a comparison", "web=ghcr.io/acme/web:>=1.2",
			[]ImageSpec{{Alias: "web", Name: "ghcr.io/acme/web", Constraint: ">=1.2"}}, ""},
		{"digest", "envoy=ghcr.io/acme/envoy@sha256:abc",
			[]ImageSpec{{Alias: "envoy", Name: "ghcr.io/acme/envoy", Digest: "sha256:abc"}}, ""},
		{"several, blanks and empty entries", " a=x/a , ,b=x/b:1.x,",
			[]ImageSpec{{Alias: "a", Name: "x/a"}, {Alias: "b", Name: "x/b", Constraint: "1.x"}}, ""},
		{"alias with a slash", "argoproj/argocd=quay.io/argoproj/argocd",
			[]ImageSpec{{Alias: "argoproj/argocd", Name: "quay.io/argoproj/argocd"}}, ""},
		{"bad entry among good ones", "a=x/a,b=UPPER/case,c=x/c",
			[]ImageSpec{{Alias: "a", Name: "x/a"}, {Alias: "c", Name: "x/c"}},
			`image-list entry "b=UPPER/case": "UPPER/case" is not an image repository name`},
		{"empty name", "a=", nil, `image-list entry "a=": "" is not an image repository name`},
		{"empty digest", "a=x/a@", nil, `image-list entry "a=x/a@": empty digest after @`},
		{"bad alias", "a b=x/a", nil,
			`image-list entry "a b=x/a": "a b=x/a" is not an image repository name`},
		{"bad host", "a=reg_istry.io/x", nil, `image-list entry "a=reg_istry.io/x": "reg_istry.io" is not a registry host`},
		{"empty", "", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseImageList(tt.value)
			if len(got) == 0 && len(tt.want) == 0 {
				got, tt.want = nil, nil
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("specs %+v, want %+v", got, tt.want)
			}
			if msg := errString(err); msg != tt.err {
				t.Errorf("error %q, want %q", msg, tt.err)
			}
		})
	}
}

func TestParseStrategy(t *testing.T) {
	tests := []struct {
		value          string
		want           tags.Strategy
		renamed, known bool
	}{
		{"semver", tags.SemVer, false, true},
		{"newest-build", tags.NewestBuild, false, true},
		{"latest", tags.NewestBuild, true, true},
		{"alphabetical", tags.Alphabetical, false, true},
		{"name", tags.Alphabetical, true, true},
		{"digest", tags.Digest, false, true},
		{" Digest ", tags.Digest, false, true},
		{"numerical", tags.SemVer, false, false},
		{"", tags.SemVer, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.value, func(t *testing.T) {
			got, renamed, known := ParseStrategy(tt.value)
			if got != tt.want || renamed != tt.renamed || known != tt.known {
				t.Errorf("got %s, %v, %v; want %s, %v, %v", got, renamed, known, tt.want, tt.renamed, tt.known)
			}
		})
	}
}

func TestParseAllowTags(t *testing.T) {
	tests := []struct {
		value, want, err string
	}{
		{`regexp:^v\d+\.\d+\.\d+$`, `^v\d+\.\d+\.\d+$`, ""},
		{`RegExp:^1\.4`, `^1\.4`, ""},
		{`regexp:a:b`, `a:b`, ""},
		{"any", "", ""},
		{"ANY", "", ""},
		{"regexp:(", "", "regexp \"(\": error parsing regexp: missing closing ): `(`"},
		{"glob:v*", "", `unknown match function "glob"; only regexp and any exist`},
		{"^v1", "", `"^v1" is neither any nor regexp:<expression>`},
	}
	for _, tt := range tests {
		t.Run(tt.value, func(t *testing.T) {
			got, err := ParseAllowTags(tt.value)
			if got != tt.want || errString(err) != tt.err {
				t.Errorf("got %q, %q; want %q, %q", got, errString(err), tt.want, tt.err)
			}
		})
	}
}

func TestParseIgnoreTags(t *testing.T) {
	tests := []struct {
		value string
		want  []string
		err   string
	}{
		{"latest", []string{"latest"}, ""},
		{"*-debug, latest ,", []string{"*-debug", "latest"}, ""},
		{"*", []string{"*"}, ""},
		{"[, v1.*", []string{"v1.*"}, `glob "[": syntax error in pattern`},
		{" , ", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.value, func(t *testing.T) {
			got, err := ParseIgnoreTags(tt.value)
			if !reflect.DeepEqual(got, tt.want) || errString(err) != tt.err {
				t.Errorf("got %q, %q; want %q, %q", got, errString(err), tt.want, tt.err)
			}
		})
	}
}

func TestParseKey(t *testing.T) {
	tests := []struct {
		key  string
		want Option
		ok   bool
	}{
		{Prefix + "image-list", Option{Name: "image-list"}, true},
		{Prefix + "order.update-strategy", Option{Alias: "order", Name: "update-strategy"}, true},
		{Prefix + "order.allow-tags", Option{Alias: "order", Name: "allow-tags"}, true},
		{Prefix + "order.tag-match", Option{Alias: "order", Name: "tag-match"}, true},
		{Prefix + "order.ignore-tags", Option{Alias: "order", Name: "ignore-tags"}, true},
		{Prefix + "order.platforms", Option{Alias: "order", Name: "platforms"}, true},
		{Prefix + "dex.helm.image-name", Option{Alias: "dex", Name: "helm.image-name"}, true},
		{Prefix + "argoproj_argocd.kustomize.image-name", Option{Alias: "argoproj_argocd", Name: "kustomize.image-name"}, true},
		{Prefix + "a.b.allow-tags", Option{Alias: "a.b", Name: "allow-tags"}, true},
		{Prefix + "allow-tags", Option{Name: "allow-tags"}, true},
		{Prefix + "write-back-method", Option{Name: "write-back-method"}, true},
		{Prefix + "git-branch", Option{Name: "git-branch"}, true},
		{Prefix + ".allow-tags", Option{Name: ".allow-tags"}, false},
		{Prefix + "order.colour", Option{Name: "order.colour"}, false},
		{"argocd.argoproj.io/sync-wave", Option{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.key, func(t *testing.T) {
			got, ok := ParseKey(tt.key)
			if got != tt.want || ok != tt.ok {
				t.Errorf("got %+v, %v; want %+v, %v", got, ok, tt.want, tt.ok)
			}
		})
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
