package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/stagehand-gitops/stagehand/internal/policy"
	"github.com/stagehand-gitops/stagehand/internal/promote"
	"github.com/stagehand-gitops/stagehand/internal/tags"
)

func newExplainCmd() *cobra.Command {
	var dir, app, env, image, tagList, tagsFile string
	cmd := &cobra.Command{
		Use:   "explain --app APP --env ENV (--tags T1,T2,… | --tags-file F) [--dir DIR]",
		Short: "Say which tag an environment would take, and why not each other one",
		Long: `explain runs Stagehand's tag choice for one app and environment over a
list of candidate tags, offline. The first line names the chosen tag, or says
none. Then comes one line per rejected tag with its reason.

The current tag is read from the environment's overlay. For an environment
with carry: version, the version is read from the previous environment's
overlay, and tags of another version are rejected with that reason.

--tags-file takes one tag per line; blank lines and lines starting with # are
skipped; "-" reads standard input.`,
		Example: `  stagehand explain --app order-service --env staging --tags v1.2.4-dev,v1.2.4-rc1,v1.2.4-rc2,v1.2.4
  crane ls ghcr.io/acme/order-service | stagehand explain --app order-service --env prod --tags-file -`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if app == "" || env == "" {
				return userErrorf("--app and --env are required")
			}
			cands, err := readCandidates(cmd.InOrStdin(), tagList, tagsFile)
			if err != nil {
				return err
			}
			pol, tree, err := loadRepo(dir)
			if err != nil {
				return err
			}
			img, err := pickImage(pol, app, env, image)
			if err != nil {
				return err
			}
			c, err := promote.Choose(pol, tree, app, img, env, cands, false)
			if err != nil {
				return asUserError(err)
			}
			// One write, not one per tag: a registry listing has thousands.
			out := bufio.NewWriter(cmd.OutOrStdout())
			printChoice(out, c)
			if err := out.Flush(); err != nil {
				return fmt.Errorf("write the explanation: %w", err)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&dir, "dir", ".", "the checkout of the config repository")
	f.StringVar(&app, "app", "", "the app")
	f.StringVar(&env, "env", "", "the environment")
	f.StringVar(&image, "image", "", "the image, when the app has more than one")
	f.StringVar(&tagList, "tags", "", "comma-separated candidate tags")
	f.StringVar(&tagsFile, "tags-file", "", `file with one candidate tag per line ("-" for standard input)`)
	return cmd
}

func readCandidates(stdin io.Reader, list, file string) ([]tags.Candidate, error) {
	if (list == "") == (file == "") {
		return nil, userErrorf("give the candidate tags with exactly one of --tags or --tags-file")
	}
	text, sep := list, ","
	if file != "" {
		data, err := readInput(stdin, file)
		if err != nil {
			return nil, err
		}
		text, sep = string(data), "\n"
	}
	// Tags are substrings of text: a registry listing of thousands of
	// tags costs one allocation, not one per tag.
	cands := make([]tags.Candidate, 0, strings.Count(text, sep)+1)
	for n := range strings.SplitSeq(text, sep) {
		n = strings.TrimSpace(n)
		if n == "" || strings.HasPrefix(n, "#") {
			continue
		}
		cands = append(cands, tags.Candidate{Tag: n})
	}
	if len(cands) == 0 {
		return nil, userErrorf("no candidate tags given")
	}
	return cands, nil
}

func readInput(stdin io.Reader, file string) ([]byte, error) {
	if file == "-" {
		data, err := io.ReadAll(stdin)
		if err != nil {
			return nil, fmt.Errorf("read standard input: %w", err)
		}
		return data, nil
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, asUserError(err)
	}
	return data, nil
}

// pickImage finds the image explain is about: the one given, or the app's
// only image.
func pickImage(pol *policy.Policy, app, env, image string) (string, error) {
	a, ok := pol.App(app)
	if !ok {
		return "", userErrorf("unknown app %q (apps: %s)", app, appNames(pol))
	}
	if pol.EnvIndex(env) < 0 {
		return "", userErrorf("unknown environment %q", env)
	}
	if image != "" {
		img, ok := a.Image(image)
		if !ok {
			return "", userErrorf("app %s has no image %s", app, image)
		}
		return img.Name, nil
	}
	switch len(a.Images) {
	case 0:
		return "", userErrorf("app %s tracks no image: its overlays have no images: entries", app)
	case 1:
		return a.Images[0].Name, nil
	}
	names := make([]string, len(a.Images))
	for i, img := range a.Images {
		names[i] = img.Name
	}
	return "", userErrorf("app %s has several images; choose one with --image (%s)", app, strings.Join(names, ", "))
}

func appNames(pol *policy.Policy) string {
	names := make([]string, len(pol.Apps))
	for i, a := range pol.Apps {
		names[i] = a.Name
	}
	return strings.Join(names, ", ")
}

func printChoice(w io.Writer, c promote.Choice) {
	d := c.Decision
	switch {
	case d.Found && d.Unverified:
		fmt.Fprintf(w, "chosen: %s, if its signature verifies: %s requires images %s, and explain reads no registry\n", d.Chosen.Tag, c.Request.Env, c.Request.Verify)
	case d.Found:
		fmt.Fprintf(w, "chosen: %s\n", d.Chosen.Tag)
	default:
		fmt.Fprintln(w, "chosen: none")
	}
	fmt.Fprintf(w, "current: %s", c.Current.Version)
	if c.Request.Version != "" {
		fmt.Fprintf(w, " (carrying version %s from %s)", c.Request.Version, c.Request.VersionSource)
	}
	fmt.Fprintln(w)
	// One line per rejected tag, without fmt: thousands of them is the
	// usual case for a registry listing.
	for _, r := range d.Rejected {
		for _, s := range [...]string{"  ", r.Candidate.Tag, ": ", r.Detail, " [", string(r.Reason), "]\n"} {
			_, _ = io.WriteString(w, s)
		}
	}
}
