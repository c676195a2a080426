package overlay

import (
	"errors"
	"testing"
)

// FuzzParseImageArg checks that a `kustomize edit set image` argument
// either fails with ErrInvalidEdit or gives an edit with a name that passes
// the edit's own checks, and that ParseImageArgs agrees with it on a single
// argument.
func FuzzParseImageArg(f *testing.F) {
	for _, s := range []string{"app=ghcr.io/acme/web:v2@sha256:00", "app:v2", "app@sha256:00", "app=*:v2", "app=new",
		"=x:y", "app", "a=b=c:d", "app:*@*", "host:5000/app:v1", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, arg string) {
		e, err := ParseImageArg(arg)
		edits, errs := ParseImageArgs([]string{arg})
		if (err == nil) != (errs == nil) {
			t.Fatalf("ParseImageArg(%q) error %v, ParseImageArgs error %v", arg, err, errs)
		}
		if err != nil {
			if !errors.Is(err, ErrInvalidEdit) {
				t.Fatalf("ParseImageArg(%q) error %v does not wrap ErrInvalidEdit", arg, err)
			}
			return
		}
		if cerr := e.check(); cerr != nil || e.Name == "" {
			t.Fatalf("ParseImageArg(%q) = %+v, check: %v", arg, e, cerr)
		}
		if len(edits) != 1 || edits[0].Name != e.Name {
			t.Fatalf("ParseImageArgs([%q]) = %+v, ParseImageArg = %+v", arg, edits, e)
		}
	})
}
