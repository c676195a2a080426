package source

import (
	"errors"
	"strings"
	"testing"
)

// FuzzParseRef checks that a reference either fails with ErrInvalidEdit or
// splits into parts that String puts back together as the input, with a
// repository that holds no blank and a tag that holds no '/'.
func FuzzParseRef(f *testing.F) {
	for _, s := range []string{"ghcr.io/acme/web:v1.2.3", "registry.acme.io:5000/jobs/report", "nginx@sha256:00",
		"a:b@c@d", "host:1/x:y:z", ":v1", "web@", "web:", "web tag", "", "@", "a/b:c/d"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		img, err := ParseRef(s)
		if err != nil {
			if !errors.Is(err, ErrInvalidEdit) {
				t.Fatalf("ParseRef(%q) error %v does not wrap ErrInvalidEdit", s, err)
			}
			return
		}
		if got := img.String(); got != s {
			t.Fatalf("ParseRef(%q) = %+v, which reads back as %q", s, img, got)
		}
		if img.Repository == "" || strings.ContainsAny(img.Repository, " \t") || strings.Contains(img.Tag, "/") {
			t.Fatalf("ParseRef(%q) = %+v", s, img)
		}
	})
}
