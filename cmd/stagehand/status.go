package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/stagehand-gitops/stagehand/internal/policy"
	"github.com/stagehand-gitops/stagehand/internal/promote"
)

func newStatusCmd() *cobra.Command {
	var dir, output string
	cmd := &cobra.Command{
		Use:   "status [--dir DIR] [-o table|json]",
		Short: "Show what every app runs in every environment",
		Long: `status reads the overlays of a local checkout and prints apps × environments
with the tag (or digest) each one runs. Apps found from the layout are marked
"(discovered)". An overlay without an images entry, overlays of one
environment that disagree, and a missing overlay are noted, not errors.`,
		Example: `  stagehand status --dir .
  stagehand status -o json | jq '.[] | select(.app == "order-service")'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if output != "table" && output != "json" {
				return userErrorf("-o %q: want table or json", output)
			}
			pol, tree, err := loadRepo(dir)
			if err != nil {
				return err
			}
			rows := promote.Inventory(pol, tree)
			if output == "json" {
				return writeStatusJSON(cmd.OutOrStdout(), rows)
			}
			return writeStatusTable(cmd.OutOrStdout(), pol, rows)
		},
	}
	cmd.Flags().StringVar(&dir, "dir", ".", "the checkout of the config repository")
	cmd.Flags().StringVarP(&output, "output", "o", "table", "table or json")
	return cmd
}

func writeStatusTable(w io.Writer, pol *policy.Policy, rows []promote.Row) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	head := []string{"APP", "IMAGE"}
	for _, e := range pol.Environments {
		head = append(head, strings.ToUpper(e.Name))
	}
	fmt.Fprintln(tw, strings.Join(head, "\t"))
	var notes []string
	for _, r := range rows {
		name := r.App
		if r.Discovered {
			name += " (discovered)"
		}
		cols := []string{name, dash(r.Image)}
		for _, c := range r.Envs {
			v := "-"
			if !c.Version.IsZero() {
				v = c.Version.String()
			}
			if c.Note != "" {
				v += " *"
				notes = append(notes, fmt.Sprintf("* %s in %s: %s", r.App, c.Env, c.Note))
			}
			cols = append(cols, v)
		}
		fmt.Fprintln(tw, strings.Join(cols, "\t"))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, n := range notes {
		fmt.Fprintln(w, n)
	}
	return nil
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

type statusJSON struct {
	App        string           `json:"app"`
	Image      string           `json:"image,omitempty"`
	Discovered bool             `json:"discovered"`
	Envs       []statusCellJSON `json:"environments"`
}

type statusCellJSON struct {
	Env    string   `json:"env"`
	Tag    string   `json:"tag,omitempty"`
	Digest string   `json:"digest,omitempty"`
	Note   string   `json:"note,omitempty"`
	Files  []string `json:"files,omitempty"`
}

func writeStatusJSON(w io.Writer, rows []promote.Row) error {
	out := make([]statusJSON, 0, len(rows))
	for _, r := range rows {
		s := statusJSON{App: r.App, Image: r.Image, Discovered: r.Discovered}
		for _, c := range r.Envs {
			s.Envs = append(s.Envs, statusCellJSON{Env: c.Env, Tag: c.Version.Tag, Digest: c.Version.Digest, Note: c.Note, Files: c.Files})
		}
		out = append(out, s)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}
