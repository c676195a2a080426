package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/stagehand-gitops/stagehand/internal/argoimport"
	"github.com/stagehand-gitops/stagehand/internal/policy"
)

// importSource is the one tool policy import reads today.
const importSource = "argocd-image-updater"

type importOptions struct {
	from  string
	dir   string
	write bool
	files []string
}

func newPolicyImportCmd() *cobra.Command {
	opts := importOptions{dir: "."}
	cmd := &cobra.Command{
		Use:   "import --from argocd-image-updater FILE... [--dir DIR] [--write]",
		Short: "Translate Argo CD Image Updater annotations into " + policy.FileName,
		Long: `Import reads Argo CD Application manifests (files of one or more YAML
documents, or directories searched for *.yaml and *.yml; other kinds of
documents are skipped), translates their argocd-image-updater.argoproj.io
annotations into a ` + policy.FileName + `, and prints it. Each Application's
spec.source.path (or spec.sources[].path) is matched against the overlays
templates of DIR/` + policy.FileName + ` (or the default template) to find its
app and environment.

Every annotation that could not be translated is reported on stderr with the
reason. When DIR already has a policy without apps, the output is that policy
unchanged with the imported apps appended. --write writes the result to
DIR/` + policy.FileName + `, and refuses when that file exists.

Exit status: 0 when a policy was produced (even with a report), 1 when no
annotation was found, nothing could be translated, or the input is wrong,
2 on an internal error. See docs/import.md.`,
		Example: `  # print the translation of every Application under argocd/
  stagehand policy import --from argocd-image-updater argocd/ --dir ./gitops-config

  # write .stagehand.yaml into a config repository that has none yet
  stagehand policy import --from argocd-image-updater apps.yaml --dir ./gitops-config --write`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.files = args
			return importPolicy(opts, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	cmd.Flags().StringVar(&opts.from, "from", "", "the tool whose configuration to import: "+importSource)
	cmd.Flags().StringVar(&opts.dir, "dir", opts.dir, "root of the config repository")
	cmd.Flags().BoolVar(&opts.write, "write", false, "write DIR/"+policy.FileName+" instead of printing it")
	if err := cmd.MarkFlagRequired("from"); err != nil {
		panic(err) // the flag is defined just above
	}
	return cmd
}

func importPolicy(opts importOptions, stdout, stderr io.Writer) error {
	if opts.from != importSource {
		return userErrorf("--from %q: the only source is %s", opts.from, importSource)
	}
	target := filepath.Join(opts.dir, policy.FileName)
	base, err := readBase(target, stderr)
	if err != nil {
		return err
	}
	if opts.write && base != nil {
		return userErrorf("%s exists and import does not merge: run without --write, review the printed policy and merge it by hand", target)
	}
	apps, err := readApplications(opts.files)
	if err != nil {
		return err
	}
	layout := argoimport.DefaultLayout()
	if base != nil {
		layout = argoimport.LayoutOf(base.Policy)
	}
	tr, err := argoimport.Translate(apps, layout)
	if errors.Is(err, argoimport.ErrNoAnnotations) {
		return userErrorf("%v in %d Argo CD Applications read from %s", err, len(apps), strings.Join(opts.files, ", "))
	}
	if werr := report(tr, stderr); werr != nil {
		return werr
	}
	if errors.Is(err, argoimport.ErrNothingTranslated) {
		return userErrorf("%v: every annotated Application is reported above", err)
	}
	if err != nil {
		return err
	}
	out, err := argoimport.Render(tr, base)
	if errors.Is(err, argoimport.ErrBaseHasApps) {
		return userErrorf("%s: %v; import into a directory without a policy and merge the printed apps by hand", target, err)
	}
	if err != nil {
		return err
	}
	if !opts.write {
		_, err = stdout.Write(out)
		return err
	}
	if err := os.WriteFile(target, out, 0o644); err != nil {
		return fmt.Errorf("write %s: %w", target, err)
	}
	_, err = fmt.Fprintf(stdout, "wrote %s\n", target)
	return err
}

// readBase reads the existing policy, if any. An invalid one is the user's
// to fix first, reported as validate reports it.
func readBase(file string, stderr io.Writer) (*argoimport.Base, error) {
	data, err := os.ReadFile(file)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		// The error names the file already.
		return nil, fmt.Errorf("existing policy: %w", err)
	}
	p, err := policy.Parse(file, data)
	if err != nil {
		return nil, reportProblems(file, err, stderr)
	}
	return &argoimport.Base{Data: data, Policy: p}, nil
}

// readApplications reads every Application in the files and, for
// directories, in their *.yaml and *.yml files, in lexical order.
func readApplications(args []string) ([]argoimport.Application, error) {
	var apps []argoimport.Application
	for _, arg := range args {
		files, err := manifestFiles(arg)
		if err != nil {
			return nil, err
		}
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				return nil, asUserError(fmt.Errorf("read %s: %w", f, err))
			}
			found, err := argoimport.ReadApplications(f, data)
			if err != nil {
				return nil, asUserError(err)
			}
			apps = append(apps, found...)
		}
	}
	return apps, nil
}

func manifestFiles(arg string) ([]string, error) {
	st, err := os.Stat(arg)
	if err != nil {
		return nil, asUserError(fmt.Errorf("read %s: %w", arg, err))
	}
	if !st.IsDir() {
		return []string{arg}, nil
	}
	var files []string
	err = filepath.WalkDir(arg, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if ext := filepath.Ext(p); !d.IsDir() && (ext == ".yaml" || ext == ".yml") {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		return nil, asUserError(fmt.Errorf("read %s: %w", arg, err))
	}
	return files, nil
}

// report prints the notes and a summary line on stderr.
func report(tr *argoimport.Translation, stderr io.Writer) error {
	skipped := 0
	for _, n := range tr.Notes {
		if n.Kind == argoimport.NotTranslated {
			skipped++
		}
		if _, err := fmt.Fprintln(stderr, n); err != nil {
			return err
		}
	}
	images := 0
	for _, a := range tr.Apps {
		images += len(a.Images)
	}
	_, err := fmt.Fprintf(stderr, "imported %d apps (%d images) from %d of %d Applications; %d not translated\n",
		len(tr.Apps), images, tr.Annotated, tr.Applications, skipped)
	return err
}
