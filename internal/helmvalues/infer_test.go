package helmvalues

import (
	"fmt"
	"testing"
)

func TestInfer(t *testing.T) {
	cases := []struct {
		name, data string
		want       []Paths
	}{
		{"common shape", "image:\n  repository: ghcr.io/acme/web\n  tag: v1\n", []Paths{{Repository: "image.repository", Tag: "image.tag"}}},
		{"registry and digest", "image:\n  registry: ghcr.io\n  repository: acme/web\n  tag: v1\n  digest: ''\n", []Paths{{Registry: "image.registry", Repository: "image.repository", Tag: "image.tag", Digest: "image.digest"}}},
		{"nested, twice", "api:\n  image: {repository: ghcr.io/acme/web, tag: v1}\nworker:\n  image: {repository: ghcr.io/acme/web, tag: v1}\nother:\n  image: {repository: ghcr.io/acme/api, tag: v1}\n",
			[]Paths{{Repository: "api.image.repository", Tag: "api.image.tag"}, {Repository: "worker.image.repository", Tag: "worker.image.tag"}}},
		{"string in a list", "containers:\n- name: a\n  image: ghcr.io/acme/web:v1\n", []Paths{{Image: "containers[0].image"}}},
		{"a bare repository is no reference", "web: ghcr.io/acme/web\n", nil},
		{"a dotted key cannot be a path", "a.b:\n  image: ghcr.io/acme/web:v1\n", nil},
		{"tag through an alias", "t: &t v1\nimage:\n  repository: ghcr.io/acme/web\n  tag: *t\n", []Paths{{Repository: "image.repository", Tag: "image.tag"}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			docs, err := documents([]byte(tc.data))
			if err != nil {
				t.Fatal(err)
			}
			if got := Infer(docs[0], "ghcr.io/acme/web"); fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("Infer = %+v, want %+v", got, tc.want)
			}
		})
	}
}
