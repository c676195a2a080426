package promote

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strings"

	"github.com/stagehand-gitops/stagehand/internal/helmrelease"
	"github.com/stagehand-gitops/stagehand/internal/helmvalues"
	"github.com/stagehand-gitops/stagehand/internal/manifest"
	"github.com/stagehand-gitops/stagehand/internal/policy"
	"github.com/stagehand-gitops/stagehand/internal/setter"
	"github.com/stagehand-gitops/stagehand/internal/source"
)

// Editor returns the editor of an app's source (see policy.Source) for
// one of its files, whose content is data. Values paths the policy leaves
// out are inferred from data: every place that writes image in the common
// shapes (image.repository and image.tag, a full reference), and
// image.repository / image.tag when none does.
func Editor(src *policy.Source, file, image string, data []byte) source.Editor {
	paths := valuesPaths(src.Image)
	switch src.Kind {
	case policy.SourceHelmRelease:
		if paths == nil {
			paths = inferRelease(file, data, src.Name, image)
		}
		return helmrelease.Editor{File: file, Name: src.Name, Paths: paths}
	case policy.SourceManifest:
		return manifest.Editor{File: file, Repository: image, Container: src.Container}
	case policy.SourceSetter:
		return setter.Editor{File: file, Policy: src.Policy}
	}
	if paths == nil {
		paths = inferValues(file, data, image)
	}
	return helmvalues.Editor{File: file, Paths: paths}
}

func valuesPaths(ip policy.ImagePaths) []helmvalues.Paths {
	if ip == (policy.ImagePaths{}) {
		return nil
	}
	return []helmvalues.Paths{{Image: ip.Image, Registry: ip.Registry, Repository: ip.Repository, Tag: ip.Tag, Digest: ip.Digest}}
}

func inferValues(file string, data []byte, image string) []helmvalues.Paths {
	docs, err := source.Documents(file, data)
	if err != nil || len(docs) == 0 || docs[0] == nil {
		return nil // the editor reports the problem
	}
	return helmvalues.Infer(docs[0], image)
}

func inferRelease(file string, data []byte, name, image string) []helmvalues.Paths {
	docs, err := source.Documents(file, data)
	if err != nil {
		return nil
	}
	for _, r := range helmrelease.Roots(docs, name) {
		if ps := r.Infer(image); len(ps) > 0 {
			return ps
		}
	}
	return nil
}

// sourceImages reads the images of app's source in file that are image:
// those naming its repository, or naming none (a values file that gives
// the tag alone).
func sourceImages(src *policy.Source, tree fs.FS, file, image string) ([]source.Image, []byte, error) {
	data, err := fs.ReadFile(tree, file)
	if err != nil {
		return nil, nil, fmt.Errorf("read %s: %w", file, err)
	}
	imgs, err := Editor(src, file, image, data).Read(data)
	if errors.Is(err, source.ErrNotFound) {
		return nil, data, nil
	}
	if err != nil {
		return nil, data, err
	}
	var out []source.Image
	for _, img := range imgs {
		if img.Repository == "" || policy.NormalizeImage(img.Repository) == policy.NormalizeImage(image) {
			out = append(out, img)
		}
	}
	return out, data, nil
}

// sourceCurrent is Current for an app whose image lives in a source.
func sourceCurrent(pol *policy.Policy, tree fs.FS, app policy.App, image, env string, d Deployed) (Deployed, error) {
	files, err := pol.SourceFiles(tree, app.Name, env)
	if err != nil {
		return d, err
	}
	if len(files) == 0 {
		return d, fmt.Errorf("%s in %s: %w matches %s", app.Name, env, ErrNoOverlay, app.Source.File)
	}
	for _, file := range files {
		imgs, _, err := sourceImages(app.Source, tree, file, image)
		if err != nil {
			return d, err
		}
		if len(imgs) == 0 {
			d.Missing = append(d.Missing, file)
			continue
		}
		for _, img := range imgs {
			v := Version{Tag: img.Tag, Digest: img.Digest}
			if len(d.Versions) > 0 && v != d.Versions[0] {
				d.Consistent = false
			}
			if len(d.Files) == 0 || d.Files[len(d.Files)-1] != file || v != d.Versions[len(d.Versions)-1] {
				d.Files, d.Versions, d.Lines = append(d.Files, file), append(d.Versions, v), append(d.Lines, img.Line)
			}
		}
	}
	if len(d.Versions) > 0 {
		d.Version = d.Versions[0]
	}
	return d, nil
}

// sourceEdits is edits for an app whose image lives in a source: only the
// bytes of the tag and digest values change. A file that does not hold
// the image is an error, since Stagehand cannot guess where a chart takes
// it.
func sourceEdits(pol *policy.Policy, tree fs.FS, app policy.App, image, env string, to Version) ([]FileChange, error) {
	files, err := pol.SourceFiles(tree, app.Name, env)
	if err != nil {
		return nil, err
	}
	var out []FileChange
	for _, file := range files {
		imgs, before, err := sourceImages(app.Source, tree, file, image)
		if err != nil {
			return nil, err
		}
		if len(imgs) == 0 {
			return nil, fmt.Errorf("%s: %s does not hold %s where the policy's %s source (line %d) looks for it: %w", file, app.Name, image, app.Source.Kind, app.Source.Line, source.ErrNotFound)
		}
		w := source.Want{Tag: source.Value(to.Tag)}
		// The digest is written (or removed) where the file has a place
		// for it: a stale digest would pin the old image.
		if to.Digest != "" || imgs[0].Digest != "" {
			w.Digest = source.Value(to.Digest)
		}
		after, changed, err := Editor(app.Source, file, image, before).Set(before, w)
		if err != nil {
			return nil, fmt.Errorf("set %s to %s in %s: %w", image, to, file, err)
		}
		if changed {
			out = append(out, FileChange{Path: file, Before: before, After: after})
		}
	}
	return out, nil
}

// Edits returns the file changes that set image of app to version to in
// every file env reads it from, and nil when they already hold it.
func Edits(pol *policy.Policy, tree fs.FS, ref policy.ImageRef, env string, to Version) ([]FileChange, error) {
	return edits(pol, tree, ref, env, to)
}

// ValuesProblem reads app's source file the way the planner does and
// returns the error a person must fix there, with the line it is on (1
// when the error names none); nil when the file reads.
func ValuesProblem(pol *policy.Policy, tree fs.FS, app policy.App, image, file string) (int, error) {
	if _, _, err := sourceImages(app.Source, tree, file, image); err != nil {
		return errorLine(file, err), err
	}
	return 0, nil
}

// errorLine is the line of file an editor's error is located at
// (`file:N: …`, see source.At), or 1.
func errorLine(file string, err error) int {
	var n int
	if rest, ok := strings.CutPrefix(err.Error(), file+":"); ok {
		if _, serr := fmt.Sscanf(rest, "%d:", &n); serr == nil && n > 0 {
			return n
		}
	}
	return 1
}

// ChartDir is the directory of the local chart a values source is for:
// the source's chart, or else the directory of its first file when that
// holds a Chart.yaml; "" when there is none in tree (the chart comes from
// a Helm repository) or the source is not a values file.
func ChartDir(tree fs.FS, src *policy.Source, files []string) string {
	if src == nil || src.Kind != policy.SourceValues {
		return ""
	}
	if src.Chart != "" {
		return src.Chart
	}
	if len(files) == 0 {
		return ""
	}
	dir := path.Dir(files[0])
	if st, err := fs.Stat(tree, path.Join(dir, "Chart.yaml")); err == nil && st.Mode().IsRegular() {
		return dir
	}
	return ""
}
