package checks

import (
	"errors"
	"fmt"
	"io/fs"
	"testing"
	"testing/fstest"
)

// failingFS is a tree whose reads of one file fail with an error other
// than fs.ErrNotExist, as a 5xx from GitHub does.
type failingFS struct {
	fstest.MapFS
	path string
}

var errUnavailable = errors.New("503 Service Unavailable")

func (f failingFS) Open(name string) (fs.File, error) {
	if name == f.path {
		return nil, &fs.PathError{Op: "open", Path: name, Err: errUnavailable}
	}
	return f.MapFS.Open(name)
}

func (f failingFS) ReadFile(name string) ([]byte, error) {
	if name == f.path {
		return nil, &fs.PathError{Op: "read", Path: name, Err: errUnavailable}
	}
	return f.MapFS.ReadFile(name)
}

// TestReadErrors: a tree that cannot be read is an error, never "the
// environment did not run it" (order) nor "runs nothing".
func TestReadErrors(t *testing.T) {
	base := artifactBase()
	head := clone(base)
	setTag(head, "production", "v1.1.9")
	staging := overlayFile("staging")
	t.Run("history", func(t *testing.T) {
		broken := failingFS{MapFS: repo(artifactPolicy, map[string]string{"staging": "v1.1.9"}), path: staging}
		_, err := Gather(Input{Base: base, Head: head, Now: now}, func([]string) ([]Revision, error) {
			return []Revision{{SHA: "a1", Tree: broken}}, nil
		}, nil)
		if !errors.Is(err, errUnavailable) {
			t.Fatalf("Gather = %v, want the read error", err)
		}
	})
	t.Run("previous environment", func(t *testing.T) {
		_, err := Evaluate(Input{Base: failingFS{MapFS: base, path: staging}, Head: head, Now: now, History: artifactHistory(),
			Changed: []string{overlayFile("production")}})
		if !errors.Is(err, errUnavailable) {
			t.Fatalf("Evaluate = %v, want the read error", err)
		}
	})
	// Skipping an overlay it cannot read would judge the change as one
	// without an image change, and pass it.
	t.Run("the changed overlay on the base", func(t *testing.T) {
		_, err := Evaluate(Input{Base: failingFS{MapFS: base, path: overlayFile("production")}, Head: head, Now: now, History: artifactHistory(),
			Changed: []string{overlayFile("production")}})
		if !errors.Is(err, errUnavailable) {
			t.Fatalf("Evaluate = %v, want the read error", err)
		}
	})
	t.Run("absent is not an error", func(t *testing.T) {
		gone := clone(base)
		delete(gone, staging)
		if _, err := Gather(Input{Base: base, Head: head, Now: now}, func([]string) ([]Revision, error) {
			return []Revision{{SHA: "a1", Tree: gone}}, nil
		}, nil); err != nil {
			t.Fatalf("Gather over a revision without the overlay: %v", err)
		}
	})
	v := Unevaluated("prod", fmt.Errorf("history of web in staging: %w", errUnavailable))
	if v.Conclusion != Failure || v.Title != "Could not evaluate" || len(v.Rows) != 0 {
		t.Errorf("Unevaluated = %s %s %q, want a failure that judges no rule", v.Status, v.Conclusion, v.Title)
	}
	goldenText(t, "unevaluated.md", v.Summary)
}
