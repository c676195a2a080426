package policy

import (
	"errors"
	"io/fs"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
)

// brokenFS fails every read under prefix with an error other than
// fs.ErrNotExist, as a 5xx from GitHub does.
type brokenFS struct {
	fstest.MapFS
	prefix string
}

var errBroken = errors.New("502 Bad Gateway")

func (b brokenFS) Open(name string) (fs.File, error) {
	if strings.HasPrefix(name, b.prefix) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: errBroken}
	}
	return b.MapFS.Open(name)
}

func (b brokenFS) Stat(name string) (fs.FileInfo, error) {
	if strings.HasPrefix(name, b.prefix) {
		return nil, &fs.PathError{Op: "stat", Path: name, Err: errBroken}
	}
	return b.MapFS.Stat(name)
}

func (b brokenFS) ReadDir(name string) ([]fs.DirEntry, error) {
	if strings.HasPrefix(name, b.prefix) {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: errBroken}
	}
	return b.MapFS.ReadDir(name)
}

// TestOverlayDirsReadError: a tree that cannot be read is an error, not an
// environment without overlays; what is absent still matches nothing.
func TestOverlayDirsReadError(t *testing.T) {
	pol, err := Parse(FileName, []byte(layoutPolicy))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name, prefix, env string
	}{
		{"overlay directory", "apps/order-service/overlays/staging", "staging"},
		{"glob over clusters", "clusters", "prod"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dirs, err := pol.OverlayDirs(brokenFS{MapFS: textbookTree(), prefix: tt.prefix}, "order-service", tt.env)
			if !errors.Is(err, errBroken) {
				t.Errorf("OverlayDirs = %v, %v; want the read error", dirs, err)
			}
		})
	}
	dirs, err := pol.OverlayDirs(textbookTree(), "no-such-app", "prod")
	if err != nil || len(dirs) != 0 {
		t.Errorf("OverlayDirs of an absent app = %v, %v; want none", dirs, err)
	}
	dirs, err = pol.OverlayDirs(textbookTree(), "order-service", "prod")
	if want := []string{"apps/order-service/overlays/production", "clusters/production-eu/apps/order-service", "clusters/production-us/apps/order-service"}; err != nil || !slices.Equal(dirs, want) {
		t.Errorf("OverlayDirs = %v, %v; want %v", dirs, err, want)
	}
}
