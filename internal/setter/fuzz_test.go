package setter

import (
	"testing"

	"github.com/stagehand-gitops/stagehand/internal/source/sourcetest"
)

// FuzzSet checks that an edit through setter comments either fails or
// reads back as the wanted values with only the marked lines changed (see
// sourcetest.CheckSet).
func FuzzSet(f *testing.F) {
	seeds := append(sourcetest.Seeds(f, "setter"),
		[]byte("- a:1 # {\"$imagepolicy\": \"flux-system:web\"}\n- {tag: '1'} # {\"$imagepolicy\": \"flux-system:web:tag\"}\n"),
		[]byte("{image: a:1, tag: 2} # {\"$imagepolicy\": \"flux-system:web:tag\"}\n"))
	for i, s := range seeds {
		f.Add(s, "v2.0.0", "sha256:2", "ghcr.io/acme/b", uint8(i))
	}
	f.Fuzz(func(t *testing.T, data []byte, tag, digest, repository string, mask uint8) {
		sourcetest.CheckSet(t, Editor{File: "deploy.yaml", Policy: "flux-system:web"}, data, sourcetest.Want(tag, digest, repository, mask))
	})
}

func TestMarker(t *testing.T) {
	cases := []struct {
		comment, policy string
		part            string
		ok              bool
	}{
		{`# {"$imagepolicy": "flux-system:web"}`, "flux-system:web", "image", true},
		{`#{"$imagepolicy":"ns:web:tag"}`, "ns:web", "tag", true},
		{`# {"$imagepolicy": "ns:web:name"}`, "ns:web", "repository", true},
		{`# {"$imagepolicy": "ns:web:digest"}`, "ns:web", "digest", true},
		{`# {"$imagepolicy": "ns:web:other"}`, "", "", false},
		{`# {"$imagepolicy": "web"}`, "", "", false},
		{`# promoted by hand`, "", "", false},
	}
	for _, tc := range cases {
		policy, part, ok := Marker(tc.comment)
		if ok != tc.ok || ok && (policy != tc.policy || part.String() != tc.part) {
			t.Errorf("Marker(%q) = %q, %v, %v", tc.comment, policy, part, ok)
		}
	}
}
