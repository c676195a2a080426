package policy

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// head is a valid start that later rows extend; its lines are 1 to 4.
const head = "version: 1\nenvironments:\n  - name: dev\n  - name: prod\n"

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"unknown field with suggestion", "version: 1\nenvironments:\n  - name: dev\n    promotoin: auto\n",
			`p.yaml:4:5: unknown field "promotoin" in environment; did you mean "promotion"?`},
		{"unknown field by case", head + "defaults:\n  allowtags: x\n",
			`p.yaml:6:3: unknown field "allowtags" in defaults; did you mean "allowTags"?`},
		{"unknown field without suggestion", head + "colour: blue\n",
			`p.yaml:5:1: unknown field "colour" in the policy`},
		{"misspelt environments", "version: 1\nenviroments: []\n",
			"p.yaml:1:1: environments: missing; list at least one environment, in promotion order\n" +
				`p.yaml:2:1: unknown field "enviroments" in the policy; did you mean "environments"?`},
		{"bad regexp", head + "defaults:\n  allowTags: '^(v'\n",
			"p.yaml:6:14: allowTags: invalid regular expression \"^(v\": missing closing ): `^(v`"},
		{"bad constraint", head + "defaults:\n  constraint: '>=1.2.x.y'\n",
			`p.yaml:6:15: constraint: invalid semver constraint ">=1.2.x.y": improper constraint: ">=1.2.x.y"`},
		{"bad duration", "version: 1\nenvironments:\n  - name: dev\n    soak: 30 minutes\n",
			`p.yaml:4:11: soak: invalid duration "30 minutes"; use a Go duration such as 30m, 1h30m or 48h`},
		{"negative duration", "version: 1\nenvironments:\n  - name: dev\n    soak: -5m\n",
			`p.yaml:4:11: soak: invalid duration "-5m"; use a Go duration such as 30m, 1h30m or 48h`},
		{"bad poll interval", head + "defaults:\n  poll: often\n",
			`p.yaml:6:9: poll: invalid duration "often"; use a Go duration such as 30m, 1h30m or 48h`},
		{"bad app poll interval", head + "apps:\n  web:\n    image: web\n    poll: hourly\n",
			`p.yaml:8:11: poll: invalid duration "hourly"; use a Go duration such as 30m, 1h30m or 48h`},
		{"negative app poll interval", head + "apps:\n  web:\n    poll: -1m\n    images: [web]\n",
			`p.yaml:7:11: poll: invalid duration "-1m"; use a Go duration such as 30m, 1h30m or 48h`},
		{"unknown strategy", head + "defaults:\n  strategy: semvar\n",
			`p.yaml:6:13: strategy: unknown strategy "semvar"; want one of semver, newest-build, alphabetical, numerical, digest; did you mean "semver"?`},
		{"unknown strategy far from any", head + "defaults:\n  strategy: latest\n",
			`p.yaml:6:13: strategy: unknown strategy "latest"; want one of semver, newest-build, alphabetical, numerical, digest`},
		{"override of undefined environment", head + "apps:\n  web:\n    image: web\n    environments:\n      stage: {soak: 1h}\n",
			`p.yaml:9:7: app "web" overrides environment "stage", which is not defined`},
		{"override names the dir, not the environment", "version: 1\nenvironments:\n  - name: prod\n    dir: production\napps:\n  web:\n    image: web\n    environments:\n      production: {soak: 1h}\n",
			`p.yaml:9:7: app "web" overrides environment "production", which is not defined; environments are named by name, not dir: did you mean "prod"?`},
		{"override typo", head + "apps:\n  web:\n    image: web\n    environments:\n      prd: {soak: 1h}\n",
			`p.yaml:9:7: app "web" overrides environment "prd", which is not defined; did you mean "prod"?`},
		{"duplicate app", head + "apps:\n  web:\n    image: web\n  web:\n    image: web2\n",
			`p.yaml:8:3: duplicate app "web" (first defined at line 6)`},
		{"image listed by two apps", head + "apps:\n  web:\n    image: ghcr.io/acme/web\n  api:\n    images:\n      - name: ghcr.io/Acme/web\n",
			`p.yaml:10:15: image "ghcr.io/Acme/web" is already listed by app "web" (line 6); an image belongs to one app`},
		{"image listed twice by one app", head + "apps:\n  web:\n    images: [nginx, docker.io/library/nginx]\n",
			`p.yaml:7:21: app "web" lists image "docker.io/library/nginx" twice (first at line 7)`},
		{"overlays without app", "version: 1\noverlays: apps/overlays/{env}\nenvironments:\n  - name: dev\n",
			`p.yaml:2:11: overlays: template "apps/overlays/{env}" has no {app} placeholder`},
		{"overlays list item without env", "version: 1\noverlays:\n  - apps/{app}/overlays/{env}\n  - clusters/{app}\nenvironments:\n  - name: dev\n",
			`p.yaml:4:5: overlays: template "clusters/{app}" has no {env} placeholder`},
		{"overlays unknown placeholder", "version: 1\noverlays: apps/{name}/{env}\nenvironments:\n  - name: dev\n",
			`p.yaml:2:11: overlays: template "apps/{name}/{env}" has unknown placeholder {name}; use {app} and {env}`},
		{"overlays escaping the repository", "version: 1\noverlays: ../{app}/{env}\nenvironments:\n  - name: dev\n",
			`p.yaml:2:11: overlays: template "../{app}/{env}" may not hold empty, . or .. segments`},
		{"empty environments", "version: 1\nenvironments: []\n",
			`p.yaml:2:15: environments: the list is empty; list at least one environment, in promotion order`},
		{"environments missing", "version: 1\n",
			`p.yaml:1:1: environments: missing; list at least one environment, in promotion order`},
		{"unknown promotion", "version: 1\nenvironments:\n  - name: dev\n    promotion: automatic\n",
			`p.yaml:4:16: promotion: unknown value "automatic"; want auto or manual`},
		{"unknown carry", "version: 1\nenvironments:\n  - name: dev\n    carry: tag\n",
			`p.yaml:4:12: carry: unknown value "tag"; want artifact or version`},
		{"freeze from after to", "version: 1\nenvironments:\n  - name: prod\n    freeze:\n      - {from: \"2027-01-04T00:00:00Z\", to: \"2026-12-20T00:00:00Z\"}\n",
			`p.yaml:5:16: freeze: from (2027-01-04T00:00:00Z) is not before to (2026-12-20T00:00:00Z)`},
		{"freeze bad time", "version: 1\nenvironments:\n  - name: prod\n    freeze:\n      - {from: \"2026-12-20\", to: \"2027-01-04T00:00:00Z\"}\n",
			`p.yaml:5:16: freeze: from: invalid time "2026-12-20"; use RFC 3339, such as 2026-12-20T00:00:00Z`},
		{"freeze missing to", "version: 1\nenvironments:\n  - name: prod\n    freeze:\n      - from: \"2026-12-20T00:00:00Z\"\n",
			`p.yaml:5:9: freeze: to is missing; a window needs both from and to`},
		{"freeze bad cron", "version: 1\nenvironments:\n  - name: prod\n    freeze:\n      - {cron: \"0 16 * *\", duration: 1h}\n",
			`p.yaml:5:16: freeze: invalid cron expression "0 16 * *": expected exactly 5 fields, found 4: [0 16 * *]`},
		{"freeze bad timezone", "version: 1\nenvironments:\n  - name: prod\n    freeze:\n      - {cron: \"0 16 * * FRI\", duration: 64h, timezone: Europe/Berln}\n",
			`p.yaml:5:57: freeze: unknown timezone "Europe/Berln"; use an IANA name such as Europe/Berlin`},
		{"freeze missing duration", "version: 1\nenvironments:\n  - name: prod\n    freeze:\n      - cron: \"0 16 * * FRI\"\n",
			`p.yaml:5:9: freeze: a cron window needs a duration, such as duration: 64h`},
		{"freeze mixing kinds", "version: 1\nenvironments:\n  - name: prod\n    freeze:\n      - {cron: \"@daily\", duration: 1h, from: \"2026-12-20T00:00:00Z\"}\n",
			`p.yaml:5:9: freeze: a window is either from/to or cron/duration, not both`},
		{"freeze empty", "version: 1\nenvironments:\n  - name: prod\n    freeze:\n      - {}\n",
			`p.yaml:5:9: freeze: a window needs from and to, or cron and duration`},
		{"duplicate environment", "version: 1\nenvironments:\n  - name: dev\n  - name: dev\n",
			`p.yaml:4:5: duplicate environment "dev" (first defined at line 3)`},
		{"two environments, one dir", "version: 1\nenvironments:\n  - name: prod\n    dir: production\n  - name: production\n",
			`p.yaml:5:5: environment "production" has dir "production", as "prod" does; each environment needs overlays of its own`},
		{"environment without name", "version: 1\nenvironments:\n  - promotion: auto\n",
			`p.yaml:3:5: environment: name is missing`},
		{"bad environment name", "version: 1\nenvironments:\n  - name: my env\n",
			`p.yaml:3:11: environment name "my env" is not valid; use letters, digits, '.', '_' and '-' (at most 100, starting and ending with a letter or digit)`},
		{"bad dir", "version: 1\nenvironments:\n  - name: dev\n    dir: ../dev\n",
			`p.yaml:4:10: dir: "../dev" may not hold empty, . or .. segments`},
		{"version 2", "version: 2\nenvironments:\n  - name: dev\n",
			`p.yaml:1:10: version: unsupported version "2"; the only version is 1`},
		{"version as string", "version: \"1\"\nenvironments:\n  - name: dev\n",
			`p.yaml:1:10: version: unsupported version "1"; the only version is 1`},
		{"version missing", "environments:\n  - name: dev\n",
			`p.yaml:1:1: version: missing; set version: 1`},
		{"image and images", head + "apps:\n  web:\n    image: a\n    images: [b]\n",
			`p.yaml:8:5: app "web": set either image or images, not both`},
		{"image with a tag", head + "apps:\n  web:\n    image: ghcr.io/acme/web:1.2.3\n",
			`p.yaml:7:12: image name "ghcr.io/acme/web:1.2.3" may not hold a tag; write the name only, as in the kustomization's images[].name`},
		{"image without name", head + "apps:\n  web:\n    images:\n      - strategy: digest\n",
			`p.yaml:8:9: image: name is missing`},
		{"app without images and no discovery", head + "apps:\n  web: {}\n",
			`p.yaml:6:3: app "web" lists no images; set image: or images:, or turn on discover: true`},
		{"extract without group", head + "defaults:\n  extract: '^v.*$'\n",
			`p.yaml:6:12: extract: the regular expression "^v.*$" has no group; capture the version with (?P<version>...)`},
		{"bad glob", head + "defaults:\n  ignoreTags: ['ok', '[abc']\n",
			`p.yaml:6:22: ignoreTags: invalid glob "[abc": syntax error in pattern`},
		{"bad exclude glob", head + "discover: true\nexclude: ['[']\n",
			`p.yaml:6:11: exclude: invalid glob "[": syntax error in pattern`},
		{"bad bool", "version: 1\nenvironments:\n  - name: dev\n    autoMerge: yes\n",
			`p.yaml:4:16: autoMerge: want true or false, got "yes"`},
		{"list wanted", "version: 1\nenvironments:\n  - name: dev\n    promoters: alice\n",
			`p.yaml:4:16: promoters: want a list of strings, got "alice"`},
		{"string wanted", head + "defaults:\n  constraint: [1]\n",
			`p.yaml:6:15: constraint: want a string, got a list`},
		{"not a mapping", "- a\n- b\n",
			`p.yaml:1:1: the policy file must be a mapping (version:, environments:, ...)`},
		{"empty file", "",
			`p.yaml:1:1: the policy file is empty; it needs at least version: 1 and environments:`},
		{"syntax error", "version: 1\nenvironments:\n  - name: dev\n   bad: [\n",
			`p.yaml:2:1: invalid YAML: did not find expected '-' indicator`},
		{"two documents", head + "---\nversion: 1\n",
			`p.yaml:5:1: the policy file holds more than one YAML document; keep one`},
		{"duplicate key", "version: 1\nversion: 1\nenvironments:\n  - name: dev\n",
			`p.yaml:2:1: duplicate key "version" in the policy (first at line 1)`},
		{"layout of two kinds", head + "layout:\n  values: {file: \"a/{app}/{env}.yaml\"}\n  manifest: {file: \"m/{app}/{env}.yaml\"}\n",
			`p.yaml:7:3: layout: set one of values, helmRelease, manifest, setter, not both values and manifest`},
		{"layout of none", head + "layout: {}\n",
			"p.yaml:5:1: layout: give where every app's image lives, one of values, helmRelease, manifest, setter, for example values: {file: envs/{env}/{app}/values.yaml}"},
		{"layout field misspelt", head + "layout:\n  value: {file: \"a/{app}/{env}.yaml\"}\n",
			"p.yaml:5:1: layout: give where every app's image lives, one of values, helmRelease, manifest, setter, for example values: {file: envs/{env}/{app}/values.yaml}\n" +
				`p.yaml:6:3: unknown field "value" in layout; did you mean "values"?`},
		{"layout values without file", head + "layout:\n  values: {chart: charts/web}\n",
			`p.yaml:6:3: layout values: file is missing; give the path of the file per environment, for example "apps/{app}/values-{env}.yaml"`},
		{"layout app without image", head + "layout:\n  values: {file: \"envs/{env}/{app}/values.yaml\"}\napps:\n  web: {}\n",
			"p.yaml:8:3: app \"web\" lists no images; set image: or images:, or turn on discover: true\n" +
				"p.yaml:8:3: app \"web\": a values source needs the app's image:, the image whose tag it writes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Parse("p.yaml", []byte(tt.in))
			if err == nil {
				t.Fatalf("Parse succeeded (%+v), want error:\n%s", p, tt.want)
			}
			var list ErrorList
			if !errors.As(err, &list) {
				t.Fatalf("error %T is not an ErrorList: %v", err, err)
			}
			if got := err.Error(); got != tt.want {
				t.Errorf("errors differ\ngot:\n%s\nwant:\n%s", got, tt.want)
			}
		})
	}
}

func TestParseMergeKeys(t *testing.T) {
	p := mustParse(t, `version: 1
x-gates: &gates
  soak: 1h
  requireHealthy: true
environments:
  - name: dev
  - <<: *gates
    name: staging
  - <<: [*gates, {promotion: manual}]
    name: prod
    soak: 24h
`)
	if len(p.Environments) != 3 {
		t.Fatalf("environments: %+v", p.Environments)
	}
	st, prod := p.Environments[1], p.Environments[2]
	if st.Soak != time.Hour || !st.RequireHealthy || st.Promotion != Auto {
		t.Errorf("staging = %+v", st)
	}
	if prod.Soak != 24*time.Hour || !prod.RequireHealthy || prod.Promotion != Manual {
		t.Errorf("prod = %+v", prod)
	}
}

func TestParseReportsEveryProblemSorted(t *testing.T) {
	in := "version: 3\nenvironments:\n  - name: dev\n    carry: x\n    promotion: y\ndefaults:\n  strategy: z\n"
	_, err := Parse("p.yaml", []byte(in))
	var list ErrorList
	if !errors.As(err, &list) {
		t.Fatalf("want ErrorList, got %v", err)
	}
	if len(list) != 4 {
		t.Fatalf("want 4 problems, got %d:\n%v", len(list), err)
	}
	for i := 1; i < len(list); i++ {
		if list[i-1].Line > list[i].Line {
			t.Errorf("problems not sorted by line:\n%v", err)
		}
	}
	if list[0].File != "p.yaml" || list[0].Line != 1 || list[0].Col != 10 {
		t.Errorf("first problem at %s:%d:%d, want p.yaml:1:10", list[0].File, list[0].Line, list[0].Col)
	}
}

func TestParseAliasBomb(t *testing.T) {
	var b strings.Builder
	b.WriteString("version: 1\nenvironments:\n  - name: dev\na0: &a0 [x, x, x, x, x, x, x, x, x, x]\n")
	for i := 1; i < 12; i++ {
		prev := "*a" + string(rune('0'+i-1))
		if i > 10 {
			prev = "*a" + "9"
		}
		b.WriteString("a" + string(rune('0'+i)) + ": &a" + string(rune('0'+i)) + " [" + strings.Repeat(prev+", ", 9) + prev + "]\n")
	}
	// The unknown keys hold the aliases; the decoder must not expand them.
	_, err := Parse("p.yaml", []byte(b.String()))
	if err == nil {
		t.Fatal("want unknown-field errors")
	}
}

// TestPollPrecedence: an image's poll is its own, else its app's, else
// the defaults'.
func TestPollPrecedence(t *testing.T) {
	p, err := Parse("p.yaml", []byte(head+`defaults:
  poll: 5m
apps:
  web:
    poll: 1h
    images:
      - ghcr.io/acme/web
      - name: ghcr.io/acme/web-worker
        poll: 2m
  api:
    image: ghcr.io/acme/api
  docs:
    poll: 0s
    image: ghcr.io/acme/docs
`))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]time.Duration{"ghcr.io/acme/web": time.Hour, "ghcr.io/acme/web-worker": 2 * time.Minute,
		"ghcr.io/acme/api": 5 * time.Minute, "ghcr.io/acme/docs": 0}
	got := map[string]time.Duration{}
	for _, a := range p.Apps {
		for _, img := range a.Images {
			got[img.Name] = img.Poll
		}
	}
	for name, w := range want {
		if g, ok := got[name]; !ok || g != w {
			t.Errorf("%s polls every %v (listed %v), want %v", name, g, ok, w)
		}
	}
}
