package policy

import (
	"reflect"
	"strings"
	"testing"
)

func TestExampleReleaseTrain(t *testing.T) {
	p := parseExample(t, "release-train.yaml")
	g, ok := p.Group("checkout")
	if !ok {
		t.Fatal("no group checkout")
	}
	if want := []string{"order-service", "payment-service", "web"}; !reflect.DeepEqual(g.Apps, want) {
		t.Errorf("apps = %q, want %q", g.Apps, want)
	}
	if want := []string{"staging", "prod"}; !reflect.DeepEqual(g.Envs, want) {
		t.Errorf("envs = %q, want %q", g.Envs, want)
	}
	tests := []struct {
		app, env string
		group    string
	}{
		{"web", "prod", "checkout"},
		{"payment-service", "staging", "checkout"},
		{"web", "dev", ""},
		{"search", "prod", ""},
		{"nobody", "prod", ""},
	}
	for _, tt := range tests {
		got, ok := p.GroupOf(tt.app, tt.env)
		if got.Name != tt.group || ok != (tt.group != "") {
			t.Errorf("GroupOf(%s, %s) = %q, %v; want %q", tt.app, tt.env, got.Name, ok, tt.group)
		}
	}
	if _, ok := p.Group("web"); ok {
		t.Error("Group(web) finds a group for an app's name")
	}
}

func TestGroupEnvsDefaultAndOrder(t *testing.T) {
	const head = "version: 1\nenvironments: [{name: dev}, {name: qa}, {name: staging}, {name: prod}]\napps: {a: {image: a}, b: {image: b}}\n"
	tests := []struct {
		name, groups string
		want         []string
	}{
		{"every environment after the first", "groups: {g: {apps: [a, b]}}\n", []string{"qa", "staging", "prod"}},
		{"promotion order whatever the file's", "groups: {g: {apps: [a, b], envs: [prod, qa]}}\n", []string{"qa", "prod"}},
		{"same app in two groups for different envs", "groups: {g: {apps: [a, b], envs: [qa]}, h: {apps: [a, b], envs: [prod]}}\n", []string{"qa"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := mustParse(t, head+tt.groups)
			if got := p.Groups[0].Envs; !reflect.DeepEqual(got, tt.want) {
				t.Errorf("envs = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestGroupRejectsOneEnvironmentPolicy(t *testing.T) {
	_, err := Parse("p.yaml", []byte("version: 1\nenvironments: [{name: prod}]\napps: {a: {image: a}, b: {image: b}}\ngroups: {g: {apps: [a, b]}}\n"))
	if err == nil || !strings.Contains(err.Error(), `p.yaml:4:10: group "g": the policy has one environment`) {
		t.Errorf("err = %v", err)
	}
}

// TestDiscoverChecksGroupMembers: with discovery on, a member that is not
// listed may be found from the layout; one that is not is reported at its
// place in the file by Discover.
func TestDiscoverChecksGroupMembers(t *testing.T) {
	p := mustParse(t, layoutPolicy+"groups:\n  train:\n    apps: [order-service, web, ghost]\n    envs: [staging]\n  web2: {apps: [web, order-service], envs: [prod]}\n")
	err := p.Discover(textbookTree())
	want := `p.yaml:15:32: group "train": unknown app "ghost": the policy lists no such app and the layout has no overlays of it`
	if err == nil || err.Error() != want {
		t.Errorf("Discover = %v\nwant %s", err, want)
	}
	p = mustParse(t, layoutPolicy+"groups:\n  web: {apps: [web, order-service]}\n")
	err = p.Discover(textbookTree())
	if err == nil || !strings.Contains(err.Error(), `p.yaml:14:3: group "web" has the name of an app found from the layout`) {
		t.Errorf("Discover = %v", err)
	}
}
