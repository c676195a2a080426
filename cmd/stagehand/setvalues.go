package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/stagehand-gitops/stagehand/internal/helmrelease"
	"github.com/stagehand-gitops/stagehand/internal/helmvalues"
	"github.com/stagehand-gitops/stagehand/internal/manifest"
	"github.com/stagehand-gitops/stagehand/internal/setter"
	"github.com/stagehand-gitops/stagehand/internal/source"
)

// setValuesOptions are the flags of set-values.
type setValuesOptions struct {
	paths     []string
	setter    string
	name      string
	container string
}

func newSetValuesCmd() *cobra.Command {
	var o setValuesOptions
	cmd := &cobra.Command{
		Use:   "set-values FILE (IMAGE:TAG[@DIGEST] | --path PATH=VALUE ...)",
		Short: "Set an image tag in a Helm values file, HelmRelease, Application or manifest, byte-exactly",
		Long: `Set-values is set-image for the files that are not kustomizations: a Helm
values file, a Flux HelmRelease (spec.values), an Argo CD Application
(spec.source.helm.valuesObject and parameters), a plain manifest (the images of
any pod spec), or the values Flux setter comments mark. It changes only the
bytes of the values it sets: comments, quoting, indentation, line endings and
other documents stay as they were. The file is written only when a value
changes, and each change is printed as FILE:LINE: OLD -> NEW.

With IMAGE:TAG, the image is found by its repository: in values, every
repository/tag pair (with a registry beside it when there is one) and every
string that is a reference to it; in a manifest, every container running it;
with --setter, every value marked for the image policy. The tag and the digest
are set (a digest the argument leaves out is emptied); the repository is not
changed.

With --path, the value at PATH (keys joined by dots, [n] for a list item,
below spec.values or valuesObject in a HelmRelease or Application) is set.
The last key says what the value is: tag, digest or repository; under any other
key the value is a full image reference.

A value that YAML would read as something other than a string (1.10, yes) is
written double-quoted.

Exit status: 0 on success (also when nothing had to change), 1 for a bad
argument, a missing image or a malformed file (reported as FILE:LINE), 2 on
an internal error.`,
		Example: `  # the tag of image.repository/image.tag, found by the repository
  stagehand set-values apps/web/values-prod.yaml ghcr.io/acme/web:1.5.0

  # a declared path
  stagehand set-values values.yaml --path api.image.tag=1.5.0

  # tag and digest of every container running the image
  stagehand set-values deploy.yaml ghcr.io/acme/web:1.5.0@sha256:2b3c…

  # the values marked # {"$imagepolicy": "flux-system:web:tag"}
  stagehand set-values release.yaml --setter flux-system:web ghcr.io/acme/web:1.5.0`,
		Args: cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return setValues(cmd.OutOrStdout(), args[0], args[1:], o)
		},
	}
	cmd.Flags().StringArrayVar(&o.paths, "path", nil, "PATH=VALUE to set (repeatable)")
	cmd.Flags().StringVar(&o.setter, "setter", "", "edit the values Flux setter comments mark for this image policy (NAMESPACE:NAME)")
	cmd.Flags().StringVar(&o.name, "name", "", "only the HelmRelease or Application of this name")
	cmd.Flags().StringVar(&o.container, "container", "", "in a manifest, only the containers of this name")
	return cmd
}

// valuesEdit is one editor and the values it sets.
type valuesEdit struct {
	ed   source.Editor
	want source.Want
}

func setValues(stdout io.Writer, path string, args []string, o setValuesOptions) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return userErrorf("read %s: %w", path, err)
	}
	edits, err := planValues(path, data, args, o)
	if err != nil {
		return asUserError(err)
	}
	var changes []string
	for _, e := range edits {
		before, _ := e.ed.Read(data)
		out, changed, err := e.ed.Set(data, e.want)
		switch {
		case errors.Is(err, source.ErrVerify):
			return err
		case err != nil:
			return asUserError(err)
		case !changed:
			continue
		}
		after, err := e.ed.Read(out)
		if err != nil || len(after) != len(before) {
			return fmt.Errorf("%s: read the edit back: %v: %w", path, err, source.ErrVerify)
		}
		for i, img := range after {
			if img.String() != before[i].String() {
				changes = append(changes, fmt.Sprintf("%s:%d: %s -> %s", path, img.Line, describe(before[i]), describe(img)))
			}
		}
		data = out
	}
	if len(changes) == 0 {
		fmt.Fprintf(stdout, "%s: unchanged\n", path)
		return nil
	}
	if err := replaceFile(path, data); err != nil {
		return err
	}
	fmt.Fprintln(stdout, strings.Join(changes, "\n"))
	return nil
}

// planValues chooses the editors for a file from its kind and the
// arguments.
func planValues(file string, data []byte, args []string, o setValuesOptions) ([]valuesEdit, error) {
	if (len(args) == 0) == (len(o.paths) == 0) {
		return nil, fmt.Errorf("give either IMAGE:TAG or --path PATH=VALUE: %w", source.ErrInvalidEdit)
	}
	docs, err := source.Documents(file, data)
	if err != nil {
		return nil, err
	}
	roots := helmrelease.Roots(docs, o.name)
	if o.name != "" && len(roots) == 0 {
		return nil, fmt.Errorf("%s: no HelmRelease or Application named %s: %w", file, o.name, source.ErrNotFound)
	}
	if len(o.paths) > 0 {
		return pathEdits(file, docs, roots, o)
	}
	ref, err := source.ParseRef(args[0])
	if err != nil {
		return nil, err
	}
	if ref.Tag == "" && ref.Digest == "" {
		return nil, fmt.Errorf("%s: give a tag or a digest to set: %w", args[0], source.ErrInvalidEdit)
	}
	want := source.Want{Tag: source.Value(ref.Tag), Digest: source.Value(ref.Digest)}
	if ref.Tag == "" {
		want.Tag = nil // a digest alone keeps the tag
	}
	if o.setter != "" {
		return []valuesEdit{{setter.Editor{File: file, Policy: o.setter}, want}}, nil
	}
	return imageEdits(file, docs, roots, ref.Repository, o.container, want)
}

// imageEdits finds the places of repository in the file's kind.
func imageEdits(file string, docs []*yaml.Node, roots []helmrelease.Root, repository, container string, want source.Want) ([]valuesEdit, error) {
	var edits []valuesEdit
	switch {
	case len(roots) > 0:
		for _, r := range roots {
			if paths := r.Infer(repository); len(paths) > 0 {
				edits = append(edits, valuesEdit{helmrelease.Editor{File: file, Name: r.Name, Paths: paths}, want})
			}
		}
	case hasPods(docs):
		edits = append(edits, valuesEdit{manifest.Editor{File: file, Repository: repository, Container: container}, want})
	case len(docs) > 0:
		if paths := helmvalues.Infer(docs[0], repository); len(paths) > 0 {
			edits = append(edits, valuesEdit{helmvalues.Editor{File: file, Paths: paths}, want})
		}
	}
	if len(edits) == 0 {
		return nil, fmt.Errorf("%s: no value holds the image %s (looked for repository and tag keys and image references): %w", file, repository, source.ErrNotFound)
	}
	return edits, nil
}

// pathEdits turns --path PATH=VALUE flags into edits.
func pathEdits(file string, docs []*yaml.Node, roots []helmrelease.Root, o setValuesOptions) ([]valuesEdit, error) {
	if len(roots) == 0 && hasPods(docs) {
		return nil, fmt.Errorf("%s is a manifest: give IMAGE:TAG instead of --path: %w", file, source.ErrInvalidEdit)
	}
	var edits []valuesEdit
	for _, pv := range o.paths {
		p, v, ok := strings.Cut(pv, "=")
		if !ok || p == "" {
			return nil, fmt.Errorf("--path %q: want PATH=VALUE: %w", pv, source.ErrInvalidEdit)
		}
		paths, want, err := pathWant(p, v)
		if err != nil {
			return nil, err
		}
		var ed source.Editor = helmvalues.Editor{File: file, Paths: []helmvalues.Paths{paths}}
		if len(roots) > 0 {
			ed = helmrelease.Editor{File: file, Name: o.name, Paths: []helmvalues.Paths{paths}}
		}
		edits = append(edits, valuesEdit{ed, want})
	}
	return edits, nil
}

// pathWant reads what a --path value is from the path's last key.
func pathWant(p, v string) (helmvalues.Paths, source.Want, error) {
	last := p[strings.LastIndexByte(p, '.')+1:]
	if i := strings.IndexByte(last, '['); i >= 0 {
		last = last[:i]
	}
	switch last {
	case "tag":
		return helmvalues.Paths{Tag: p}, source.Want{Tag: source.Value(v)}, nil
	case "digest":
		return helmvalues.Paths{Digest: p}, source.Want{Digest: source.Value(v)}, nil
	case "repository":
		return helmvalues.Paths{Repository: p}, source.Want{Repository: source.Value(v)}, nil
	}
	ref, err := source.ParseRef(v)
	if err != nil {
		return helmvalues.Paths{}, source.Want{}, fmt.Errorf("--path %s=%s: %w", p, v, err)
	}
	return helmvalues.Paths{Image: p}, source.Want{Repository: source.Value(ref.Repository), Tag: source.Value(ref.Tag), Digest: source.Value(ref.Digest)}, nil
}

// describe prints an image, or only its tag and digest when the edit
// reads no repository (a --path or a tag setter).
func describe(img source.Image) string {
	if img.Repository == "" {
		return strings.TrimPrefix(img.String(), ":")
	}
	return img.String()
}

func hasPods(docs []*yaml.Node) bool {
	for _, d := range docs {
		if len(manifest.PodSpecs(d)) > 0 {
			return true
		}
	}
	return false
}
