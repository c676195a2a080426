package overlay

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"testing/fstest"
)

const deployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      containers:
      - name: web
        image: ghcr.io/acme/web:v1.0.0
      - name: proxy
        image: envoy
`

func repo() fstest.MapFS {
	return fstest.MapFS{
		"apps/web/base/kustomization.yaml":                &fstest.MapFile{Data: []byte("resources:\n- deployment.yaml\n")},
		"apps/web/base/deployment.yaml":                   &fstest.MapFile{Data: []byte(deployment)},
		"apps/web/overlays/dev/kustomization.yaml":        &fstest.MapFile{Data: []byte("resources:\n- ../../base\nimages:\n- name: ghcr.io/acme/web\n  newTag: v1.2.0\n")},
		"apps/web/overlays/staging/kustomization.yml":     &fstest.MapFile{Data: []byte("resources:\n- ../../base\nimages:\n- name: web\n  newName: ghcr.io/acme/web\n  newTag: v1.1.0\n")},
		"apps/web/overlays/prod/Kustomization":            &fstest.MapFile{Data: []byte("resources:\n- ../../base\nimages:\n- name: envoy\n  newTag: v1.31.0\n")},
		"apps/web/overlays/twice/kustomization.yaml":      &fstest.MapFile{Data: []byte("resources: []\n")},
		"apps/web/overlays/twice/kustomization.yml":       &fstest.MapFile{Data: []byte("resources: []\n")},
		"apps/web/overlays/empty/.keep":                   &fstest.MapFile{},
		"apps/web/overlays/broken/kustomization.yaml":     &fstest.MapFile{Data: []byte("images: [\n")},
		"apps/web/overlays/dir/kustomization.yaml/.keep":  &fstest.MapFile{},
		"apps/web/overlays/regexp/kustomization.yaml":     &fstest.MapFile{Data: []byte("images:\n- name: ghcr.io/acme/[\n")},
		"apps/web/overlays/with-tag/kustomization.yaml":   &fstest.MapFile{Data: []byte("images:\n- name: ghcr.io/acme/web:v1\n")},
		"apps/web/overlays/other-app/kustomization.yaml":  &fstest.MapFile{Data: []byte("images:\n- name: ghcr.io/acme/web-admin\n")},
		"apps/web/overlays/regex-name/kustomization.yaml": &fstest.MapFile{Data: []byte("images:\n- name: ghcr.io/acme/w.b\n")},
	}
}

func TestFileIn(t *testing.T) {
	cases := []struct {
		dir, want string
		err       error
	}{
		{"apps/web/overlays/dev", "apps/web/overlays/dev/kustomization.yaml", nil},
		{"apps/web/overlays/staging", "apps/web/overlays/staging/kustomization.yml", nil},
		{"apps/web/overlays/prod", "apps/web/overlays/prod/Kustomization", nil},
		{"apps/web/overlays/twice", "", ErrInvalid},
		{"apps/web/overlays/empty", "", ErrNoKustomization},
		{"apps/web/overlays/missing", "", ErrNoKustomization},
		{"apps/web/overlays/dir", "", ErrInvalid},
	}
	for _, c := range cases {
		t.Run(c.dir, func(t *testing.T) {
			got, err := FileIn(repo(), c.dir)
			if !errors.Is(err, c.err) || got != c.want {
				t.Fatalf("FileIn = %q, %v; want %q, %v", got, err, c.want, c.err)
			}
		})
	}
}

func TestFind(t *testing.T) {
	cases := []struct {
		name  string
		dirs  []string
		image string
		want  []string // dir + " " + entry name
		err   error
	}{
		{"by name and by newName", []string{"apps/web/overlays/dev", "apps/web/overlays/staging", "apps/web/overlays/prod"}, "ghcr.io/acme/web", []string{"apps/web/overlays/dev ghcr.io/acme/web", "apps/web/overlays/staging web"}, nil},
		{"reference with tag", []string{"apps/web/overlays/dev"}, "ghcr.io/acme/web:v9", []string{"apps/web/overlays/dev ghcr.io/acme/web"}, nil},
		{"reference with digest", []string{"apps/web/overlays/dev"}, "ghcr.io/acme/web@sha256:abc", []string{"apps/web/overlays/dev ghcr.io/acme/web"}, nil},
		{"a longer name is another image", []string{"apps/web/overlays/other-app"}, "ghcr.io/acme/web", nil, nil},
		{"a name with a tag matches only that tag, as in kustomize", []string{"apps/web/overlays/with-tag"}, "ghcr.io/acme/web", nil, nil},
		{"names are kustomize's regular expressions", []string{"apps/web/overlays/regex-name"}, "ghcr.io/acme/web", []string{"apps/web/overlays/regex-name ghcr.io/acme/w.b"}, nil},
		{"a name that is no regular expression matches nothing", []string{"apps/web/overlays/regexp"}, "ghcr.io/acme/web", nil, nil},
		{"missing kustomization", []string{"apps/web/overlays/empty"}, "x", nil, ErrNoKustomization},
		{"broken kustomization", []string{"apps/web/overlays/broken"}, "x", nil, ErrInvalid},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			refs, err := Find(repo(), c.dirs, c.image)
			if !errors.Is(err, c.err) {
				t.Fatalf("err = %v, want %v", err, c.err)
			}
			var got []string
			for _, r := range refs {
				got = append(got, r.Dir+" "+r.Entry.Name)
				if !strings.HasPrefix(r.File, r.Dir+"/") {
					t.Errorf("file %q outside dir %q", r.File, r.Dir)
				}
			}
			if strings.Join(got, "\n") != strings.Join(c.want, "\n") {
				t.Errorf("got %q, want %q", got, c.want)
			}
		})
	}
}

func TestRender(t *testing.T) {
	cases := []struct {
		dir  string
		want []string
		err  bool
	}{
		{"apps/web/overlays/dev", []string{"image: ghcr.io/acme/web:v1.2.0", "image: envoy\n"}, false},
		{"apps/web/overlays/staging", []string{"image: ghcr.io/acme/web:v1.0.0", "image: envoy\n"}, false},
		{"apps/web/overlays/prod", []string{"image: ghcr.io/acme/web:v1.0.0", "image: envoy:v1.31.0"}, false},
		{"apps/web/overlays/broken", nil, true},
		{"apps/web/overlays/missing", nil, true},
	}
	for _, c := range cases {
		t.Run(c.dir, func(t *testing.T) {
			out, err := Render(repo(), c.dir)
			if (err != nil) != c.err {
				t.Fatalf("err = %v", err)
			}
			if berr := Builds(repo(), c.dir); fmt.Sprint(berr) != fmt.Sprint(err) {
				t.Errorf("Builds = %v, Render's error %v", berr, err)
			}
			for _, w := range c.want {
				if !strings.Contains(string(out), w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
		})
	}
}
