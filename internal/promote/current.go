// Package promote decides what a promotion changes: which overlays of which
// app and environment take a new tag, the file edits, and the branch, title,
// body, labels and commit message of the pull request that carries them.
//
// It is part of the pure core: it reads a snapshot of the config repository
// as an fs.FS and returns values; it never calls the network or reads the
// clock.
package promote

import (
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"strings"

	"github.com/stagehand-gitops/stagehand/internal/overlay"
	"github.com/stagehand-gitops/stagehand/internal/policy"
)

// Version is what an environment runs of one image: a tag, a digest or both.
type Version struct {
	Tag    string
	Digest string
}

// String formats the version as a person reads it: tag, tag@digest,
// @digest, or "none".
func (v Version) String() string {
	switch {
	case v.Tag != "" && v.Digest != "":
		return v.Tag + "@" + v.Digest
	case v.Tag != "":
		return v.Tag
	case v.Digest != "":
		return v.Digest
	}
	return "none"
}

// IsZero reports whether no version is known.
func (v Version) IsZero() bool { return v.Tag == "" && v.Digest == "" }

// Deployed is what one image of one app runs in one environment, read from
// the overlays on the default branch.
type Deployed struct {
	App, Env, Image string
	// Version is the first overlay's version; Consistent is false when the
	// environment's overlays disagree (then Versions lists each).
	Version    Version
	Consistent bool
	// Files are the kustomization files that name the image, one per
	// overlay; Missing lists overlay directories that do not name it.
	Files   []string
	Missing []string
	// Versions holds each file's version, and Lines the line of its
	// images entry or tag value, in the order of Files.
	Versions []Version
	Lines    []int
}

// ErrNoOverlay reports that an app has no overlay directory in an
// environment.
var ErrNoOverlay = errors.New("no overlay")

// Unreadable reports whether err is a failure to read a tree rather than
// an absence: only fs.ErrNotExist means a file is not there. A caller that
// treats any other read error as "not there" turns an outage into a
// verdict.
func Unreadable(err error) bool {
	var pe *fs.PathError
	return err != nil && !errors.Is(err, fs.ErrNotExist) && errors.As(err, &pe)
}

// Current reads what image of app runs in env. An environment with no
// overlay directory is an error wrapping ErrNoOverlay.
func Current(pol *policy.Policy, tree fs.FS, app, image, env string) (Deployed, error) {
	d := Deployed{App: app, Env: env, Image: image, Consistent: true}
	if a, ok := pol.App(app); ok && a.Source != nil {
		return sourceCurrent(pol, tree, a, image, env, d)
	}
	dirs, err := pol.OverlayDirs(tree, app, env)
	if err != nil {
		return d, fmt.Errorf("overlays of %s in %s: %w", app, env, err)
	}
	if len(dirs) == 0 {
		return d, fmt.Errorf("%s in %s: %w matches %v", app, env, ErrNoOverlay, pol.Overlays)
	}
	for _, dir := range dirs {
		refs, err := overlay.Find(tree, []string{dir}, image)
		if err != nil {
			return d, fmt.Errorf("read overlay %s: %w", dir, err)
		}
		if len(refs) == 0 {
			d.Missing = append(d.Missing, dir)
			continue
		}
		// Several entries in one file for the same image is unusual; the
		// first one is what kustomize applies first, so it is what runs.
		v := versionOf(refs[0].Entry)
		if len(d.Files) > 0 && v != d.Versions[0] {
			d.Consistent = false
		}
		d.Files = append(d.Files, refs[0].File)
		d.Versions = append(d.Versions, v)
		d.Lines = append(d.Lines, refs[0].Entry.Line)
	}
	if len(d.Versions) > 0 {
		d.Version = d.Versions[0]
	}
	return d, nil
}

// versionOf reads an images entry the way kustomize applies it: a digest
// field pins the image; newTag may itself carry "tag@digest".
func versionOf(e overlay.Image) Version {
	v := Version{Tag: e.NewTag, Digest: e.Digest}
	if v.Digest == "" {
		if i := strings.IndexByte(v.Tag, '@'); i >= 0 {
			v.Tag, v.Digest = v.Tag[:i], v.Tag[i+1:]
		}
	}
	return v
}

// Row is one app's images across every environment, for status views.
type Row struct {
	App        string
	Image      string
	Discovered bool
	// Envs holds one cell per environment, in promotion order.
	Envs []Cell
}

// Cell is what one environment runs, or a note on why nothing is known.
type Cell struct {
	Env     string
	Version Version
	// Note explains an empty or unusual cell: "no overlay", "overlay has
	// no images entry", "overlays disagree: …".
	Note  string
	Files []string
}

// Inventory lists every app image of the policy with what each
// environment runs. It never fails on one app: problems become notes.
func Inventory(pol *policy.Policy, tree fs.FS) []Row {
	var rows []Row
	for _, app := range pol.Apps {
		images := app.Images
		if len(images) == 0 {
			rows = append(rows, emptyRow(pol, tree, app))
			continue
		}
		for _, img := range images {
			row := Row{App: app.Name, Image: img.Name, Discovered: app.Discovered}
			for _, env := range pol.Environments {
				row.Envs = append(row.Envs, cell(pol, tree, app.Name, img.Name, env.Name))
			}
			rows = append(rows, row)
		}
	}
	sort.SliceStable(rows, func(i, j int) bool {
		if rows[i].App != rows[j].App {
			return rows[i].App < rows[j].App
		}
		return rows[i].Image < rows[j].Image
	})
	return rows
}

func emptyRow(pol *policy.Policy, tree fs.FS, app policy.App) Row {
	row := Row{App: app.Name, Discovered: app.Discovered}
	for _, env := range pol.Environments {
		c := Cell{Env: env.Name}
		dirs, err := pol.OverlayDirs(tree, app.Name, env.Name)
		switch {
		case err != nil:
			c.Note = err.Error()
		case len(dirs) == 0:
			c.Note = "no overlay"
		default:
			c.Note = "overlay has no images entry"
			c.Files = dirs
		}
		row.Envs = append(row.Envs, c)
	}
	return row
}

func cell(pol *policy.Policy, tree fs.FS, app, image, env string) Cell {
	c := Cell{Env: env}
	d, err := Current(pol, tree, app, image, env)
	switch {
	case errors.Is(err, ErrNoOverlay):
		c.Note = "no overlay"
		return c
	case err != nil:
		c.Note = err.Error()
		return c
	}
	c.Version, c.Files = d.Version, d.Files
	switch {
	case len(d.Files) == 0:
		c.Note = "overlay has no images entry"
	case !d.Consistent:
		c.Note = fmt.Sprintf("overlays disagree: %s", versionsList(d))
	case len(d.Missing) > 0:
		c.Note = fmt.Sprintf("not named in %v", d.Missing)
	}
	return c
}

func versionsList(d Deployed) string {
	parts := make([]string, len(d.Files))
	for i, f := range d.Files {
		parts[i] = f + "=" + d.Versions[i].String()
	}
	return strings.Join(parts, ", ")
}
