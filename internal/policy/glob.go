package policy

import (
	"errors"
	"io/fs"
	"path"
	"strings"
)

// glob is fs.Glob that reports read errors. fs.Glob ignores them, so a
// directory GitHub failed to list would look empty, and an environment
// that runs a version would look as if it had no overlay. Only
// fs.ErrNotExist means "not there".
func glob(fsys fs.FS, pattern string) ([]string, error) {
	if _, err := path.Match(pattern, ""); err != nil {
		return nil, err
	}
	if !hasMeta(pattern) {
		_, err := fs.Stat(fsys, pattern)
		switch {
		case err == nil:
			return []string{pattern}, nil
		case errors.Is(err, fs.ErrNotExist):
			return nil, nil
		}
		return nil, err
	}
	dir, file := path.Split(pattern)
	dir = cleanGlobDir(dir)
	dirs := []string{dir}
	if hasMeta(dir) {
		var err error
		if dirs, err = glob(fsys, dir); err != nil {
			return nil, err
		}
	}
	var out []string
	for _, d := range dirs {
		entries, err := fs.ReadDir(fsys, d)
		if err != nil {
			// A directory that is not there, or a file where the
			// pattern wants one, matches nothing.
			if errors.Is(err, fs.ErrNotExist) || notADirectory(fsys, d) {
				continue
			}
			return nil, err
		}
		for _, e := range entries {
			if ok, _ := path.Match(file, e.Name()); ok {
				out = append(out, path.Join(d, e.Name()))
			}
		}
	}
	return out, nil
}

func cleanGlobDir(dir string) string {
	switch dir {
	case "":
		return "."
	case "/":
		return dir
	}
	return strings.TrimSuffix(dir, "/")
}

func hasMeta(p string) bool { return strings.ContainsAny(p, `*?[\`) }
