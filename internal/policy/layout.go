package policy

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"sort"
	"strings"
)

// KustomizationFiles are the file names kustomize reads in a directory, in
// the order it looks for them.
var KustomizationFiles = []string{"kustomization.yaml", "kustomization.yml", "Kustomization"}

// OverlayDirs returns every existing overlay directory of app in env:
// each directory that matches one of the overlay templates with {app}
// replaced by the app name, {env} by the environment's dir (after the
// app's override) and `*` by any one path segment part, and that holds a
// kustomization file. The result is sorted and free of duplicates.
func (p *Policy) OverlayDirs(fsys fs.FS, app, env string) ([]string, error) {
	e, ok := p.Env(app, env)
	if !ok {
		return nil, fmt.Errorf("overlays of %s in %s: unknown environment %q", app, env, env)
	}
	var out []string
	for _, t := range p.Overlays {
		dirs, err := overlayMatches(fsys, expand(t, globQuote(app), globQuote(e.Dir)))
		if err != nil {
			return nil, fmt.Errorf("overlays of %s in %s: template %q: %w", app, env, t, err)
		}
		out = append(out, dirs...)
	}
	sort.Strings(out)
	return slices.Compact(out), nil
}

// overlayMatches globs pattern and keeps the directories holding a
// kustomization file.
func overlayMatches(fsys fs.FS, pattern string) ([]string, error) {
	matches, err := glob(fsys, pattern)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, m := range matches {
		_, ok, err := findKustomization(fsys, m)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, m)
		}
	}
	return out, nil
}

// kustomizationFile returns the kustomization file in dir, if any.
func kustomizationFile(fsys fs.FS, dir string) (string, bool) {
	f, ok, _ := findKustomization(fsys, dir)
	return f, ok
}

// findKustomization returns the kustomization file in dir, if any; a
// file that cannot be read (any error but fs.ErrNotExist) is an error.
func findKustomization(fsys fs.FS, dir string) (string, bool, error) {
	for _, name := range KustomizationFiles {
		f := path.Join(dir, name)
		st, err := fs.Stat(fsys, f)
		switch {
		case err == nil && st.Mode().IsRegular():
			return f, true, nil
		case err != nil && !errors.Is(err, fs.ErrNotExist) && !notADirectory(fsys, dir):
			return "", false, err
		}
	}
	return "", false, nil
}

// notADirectory reports whether dir exists and is not a directory (Stat
// of a path inside a file fails with a file system's own error).
func notADirectory(fsys fs.FS, dir string) bool {
	st, err := fs.Stat(fsys, dir)
	return err == nil && !st.IsDir()
}

func expand(t, app, dir string) string {
	return strings.NewReplacer("{app}", app, "{env}", dir).Replace(t)
}

// globQuote escapes the characters path.Match treats specially.
func globQuote(s string) string {
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune(`*?[]\`, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Discover adds the apps found from the layout when the policy's discover
// field is on (it does nothing otherwise): every directory matching an
// overlay template for at least one environment is an overlay of the app
// named by its {app} segment, unless the name matches an exclude glob or
// is not a valid app name. A discovered app tracks every image named in
// its overlays' images: entries, with the defaults rule, and is marked
// Discovered; apps listed in the policy win over discovered ones, and a
// listed app without images gets its overlays' images. Calling Discover
// again replaces what the previous call found. It adds what it can and
// returns every problem, as an ErrorList for unreadable kustomizations.
// When fsys is a Prefetcher, it is told every kustomization Discover is
// about to read, before the first is read.
func (p *Policy) Discover(fsys fs.FS) error {
	p.forget()
	if !p.Discovery {
		return nil
	}
	found, err := p.discoverNames(fsys)
	if err != nil {
		return err
	}
	var apps []string
	files := map[string][]string{}
	for _, name := range found {
		i := slices.IndexFunc(p.Apps, func(a App) bool { return a.Name == name })
		if i >= 0 && len(p.Apps[i].Images) > 0 {
			continue
		}
		if files[name], err = p.overlayFiles(fsys, name); err != nil {
			return err
		}
		apps = append(apps, name)
	}
	if err := prefetch(fsys, files); err != nil {
		return err
	}
	var errs ErrorList
	var added []App
	for _, name := range apps {
		i := slices.IndexFunc(p.Apps, func(a App) bool { return a.Name == name })
		images, err := p.overlayImages(fsys, name, files[name], &errs)
		if err != nil {
			return err
		}
		if i >= 0 {
			p.Apps[i].Images, p.Apps[i].imagesFound = images, true
			continue
		}
		added = append(added, App{Name: name, Images: images, Environments: map[string]EnvOverride{}, Discovered: true})
	}
	p.Apps = append(p.Apps, added...)
	p.checkGroups(&errs)
	return errs.Err()
}

// forget undoes a previous Discover.
func (p *Policy) forget() {
	p.Apps = slices.DeleteFunc(p.Apps, func(a App) bool { return a.Discovered })
	for i := range p.Apps {
		if p.Apps[i].imagesFound {
			p.Apps[i].Images, p.Apps[i].imagesFound = nil, false
		}
	}
}

// discoverNames returns the sorted names of the apps the layout holds.
func (p *Policy) discoverNames(fsys fs.FS) ([]string, error) {
	seen := map[string]bool{}
	for _, t := range p.Overlays {
		for _, e := range p.Environments {
			dirs, err := overlayMatches(fsys, expand(t, "*", globQuote(e.Dir)))
			if err != nil {
				return nil, fmt.Errorf("discover apps with template %q: %w", t, err)
			}
			for _, dir := range dirs {
				app, _, ok := MatchOverlay(t, e.Dir, dir)
				if ok && !seen[app] && validName(app) && !p.excluded(app) {
					seen[app] = true
				}
			}
		}
	}
	names := make([]string, 0, len(seen))
	for n := range seen {
		names = append(names, n)
	}
	sort.Strings(names)
	return names, nil
}

func (p *Policy) excluded(app string) bool {
	for _, g := range p.Exclude {
		if ok, _ := path.Match(g, app); ok {
			return true
		}
	}
	return false
}

// Prefetcher is a file system that reads many files more cheaply together
// than one at a time, as a snapshot of a remote repository does.
// Prefetch is told the files that are about to be read; it may read them
// ahead, or do nothing.
type Prefetcher interface {
	Prefetch(names []string) error
}

// prefetch tells fsys, when it is a Prefetcher, the kustomizations of
// every app (app → files) that Discover is about to read.
func prefetch(fsys fs.FS, files map[string][]string) error {
	pf, ok := fsys.(Prefetcher)
	if !ok {
		return nil
	}
	var all []string
	for _, names := range files {
		all = append(all, names...)
	}
	sort.Strings(all)
	if err := pf.Prefetch(all); err != nil {
		return fmt.Errorf("discover apps: read %d kustomizations: %w", len(all), err)
	}
	return nil
}

// overlayFiles returns the kustomization files of the app's overlays, in
// every environment, in the policy's order of environments.
func (p *Policy) overlayFiles(fsys fs.FS, app string) ([]string, error) {
	var out []string
	for _, e := range p.Environments {
		dirs, err := p.OverlayDirs(fsys, app, e.Name)
		if err != nil {
			return nil, err
		}
		for _, dir := range dirs {
			file, _ := kustomizationFile(fsys, dir)
			out = append(out, file)
		}
	}
	return out, nil
}

// overlayImages collects the images named in the app's kustomization
// files, sorted by name.
func (p *Policy) overlayImages(fsys fs.FS, app string, files []string, errs *ErrorList) ([]Image, error) {
	byName := map[string]*Image{}
	for _, file := range files {
		data, err := fs.ReadFile(fsys, file)
		if err != nil {
			return nil, fmt.Errorf("discover images of %s: %w", app, err)
		}
		entries, err := kustomizationImages(file, data)
		var el ErrorList
		if errors.As(err, &el) {
			*errs = append(*errs, el...)
		}
		for _, en := range entries {
			p.addFound(byName, en)
		}
	}
	out := make([]Image, 0, len(byName))
	for _, img := range byName {
		sort.Strings(img.Aliases)
		out = append(out, *img)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

func (p *Policy) addFound(byName map[string]*Image, en imageEntry) {
	img, ok := byName[en.name]
	if !ok {
		rule := p.Defaults
		rule.IgnoreTags = slices.Clone(p.Defaults.IgnoreTags)
		img = &Image{Name: en.name, ImageRule: rule}
		byName[en.name] = img
	}
	if en.newName != "" && en.newName != en.name && !slices.Contains(img.Aliases, en.newName) {
		img.Aliases = append(img.Aliases, en.newName)
	}
}
