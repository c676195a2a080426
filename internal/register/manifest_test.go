package register

import (
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stagehand-gitops/stagehand/internal/event"
)

// TestManifestSubscribesToTheHandledEvents keeps the manifest's events, the
// events the server handles and the permissions consistent: every handled
// event is subscribed or has a reason not to be, and every subscribed event
// has the permission GitHub requires for it.
func TestManifestSubscribesToTheHandledEvents(t *testing.T) {
	m, err := NewManifest("stagehand", "https://stagehand.example.com/")
	if err != nil {
		t.Fatal(err)
	}
	got := slices.Clone(m.DefaultEvents)
	for name := range Unsubscribed {
		got = append(got, name)
	}
	handled := event.HandledEvents()
	slices.Sort(got)
	slices.Sort(handled)
	if !slices.Equal(got, handled) {
		t.Errorf("subscribed plus unsubscribed = %v, the server handles %v", got, handled)
	}
	for _, e := range Events {
		if m.DefaultPermissions[e.Permission] == "" {
			t.Errorf("event %s needs the %s permission, which the manifest does not ask for", e.Name, e.Permission)
		}
	}
	if m.HookAttributes.URL != "https://stagehand.example.com/webhooks/github" || !m.HookAttributes.Active || m.Public {
		t.Errorf("manifest = %+v", m)
	}
}

var (
	permissionRow = regexp.MustCompile(`(?m)^\| ([A-Z][^|]*?) \| (read|read & write) \| (.*) \|$`)
	subscribesTo  = regexp.MustCompile("It subscribes to ([^;]*);")
	codeSpan      = regexp.MustCompile("`([a-z_]+)`")
)

// TestREADMEPermissionTableIsTheManifest keeps the README's permission
// table and its list of events equal to what the manifest asks for.
func TestREADMEPermissionTableIsTheManifest(t *testing.T) {
	data, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(data)
	var rows, want []string
	for _, m := range permissionRow.FindAllStringSubmatch(readme, -1) {
		rows = append(rows, m[1]+" | "+m[2]+" | "+m[3])
	}
	for _, p := range Permissions {
		access := map[string]string{"read": "read", "write": "read & write"}[p.Access]
		want = append(want, p.Title+" | "+access+" | "+p.Why)
	}
	if !slices.Equal(rows, want) {
		t.Errorf("README permission rows:\n%s\nwant, from the manifest:\n%s", strings.Join(rows, "\n"), strings.Join(want, "\n"))
	}
	sentence := subscribesTo.FindStringSubmatch(readme)
	if sentence == nil {
		t.Fatal("README has no sentence starting \"It subscribes to\"")
	}
	var events []string
	for _, m := range codeSpan.FindAllStringSubmatch(sentence[1], -1) {
		events = append(events, m[1])
	}
	var subscribed []string
	for _, e := range Events {
		subscribed = append(subscribed, e.Name)
	}
	if !slices.Equal(events, subscribed) {
		t.Errorf("README says it subscribes to %v, the manifest to %v", events, subscribed)
	}
}

func TestWebURL(t *testing.T) {
	for api, want := range map[string]string{
		"https://api.github.com/":          "https://github.com",
		"https://ghe.example.com/api/v3/":  "https://ghe.example.com",
		"https://api.acme.ghe.com/":        "https://acme.ghe.com",
		"http://127.0.0.1:8081/api/v3/":    "http://127.0.0.1:8081",
		"https://git.example.com/x/api/v3": "https://git.example.com/x",
	} {
		u, err := url.Parse(api)
		if err != nil {
			t.Fatal(err)
		}
		if got := WebURL(u); got != want {
			t.Errorf("WebURL(%s) = %s, want %s", api, got, want)
		}
	}
}
