//go:build !noserver

package main

import (
	"fmt"
	"os"
	"regexp"
	"strings"
	"sync"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// configurationDoc is the page whose flag tables are generated.
const configurationDoc = "docs/configuration.md"

// docTable is one generated table: the flags of a command, between two
// markers; the prose around the markers is kept as written.
type docTable struct {
	name string
	cmd  func() *cobra.Command
	env  map[string]string // flag → environment variable
}

func docTables() []docTable {
	serveVars := map[string]string{}
	for _, m := range serveEnv {
		serveVars[m.flag] = m.env
	}
	return []docTable{
		{name: "serve", cmd: newServeCmd, env: serveVars},
		{name: "register", cmd: newRegisterCmd},
	}
}

func newDocsCmd() *cobra.Command {
	var check bool
	cmd := &cobra.Command{
		Use:    "docs",
		Short:  "Rewrite the generated flag tables of " + configurationDoc + " (run from the repository root)",
		Hidden: true,
		Args:   cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			data, err := os.ReadFile(configurationDoc)
			if err != nil {
				return userErrorf("%v (run from the repository root)", err)
			}
			out, err := renderDocTables(string(data))
			if err != nil {
				return asUserError(err)
			}
			if check {
				if out != string(data) {
					return userErrorf("%s is out of date: run `make docs`", configurationDoc)
				}
				return nil
			}
			return os.WriteFile(configurationDoc, []byte(out), 0o644)
		},
	}
	cmd.Flags().BoolVar(&check, "check", false, "only report whether the page is current")
	return cmd
}

func markers(name string) (begin, end string) {
	return "<!-- begin generated " + name + " flags: `make docs` rewrites this table -->",
		"<!-- end generated " + name + " flags -->"
}

// renderDocTables replaces the text between each table's markers with the
// table generated from the command's flag definitions.
func renderDocTables(doc string) (string, error) {
	for _, t := range docTables() {
		begin, end := markers(t.name)
		before, rest, ok := strings.Cut(doc, begin)
		if !ok {
			return "", fmt.Errorf("%s: no marker %s", configurationDoc, begin)
		}
		_, after, ok := strings.Cut(rest, end)
		if !ok {
			return "", fmt.Errorf("%s: no marker %s", configurationDoc, end)
		}
		doc = before + begin + "\n" + flagTable(t.cmd().Flags(), t.env) + end + after
	}
	return doc, nil
}

// envNote is the "(env VAR…)" part of a flag's usage, which the table
// gives a column of its own.
var envNote = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`\s*\(env [^)]*\)`) })

// flagTable is the markdown table of a command's flags, in definition order.
func flagTable(flags *pflag.FlagSet, env map[string]string) string {
	var b strings.Builder
	if env != nil {
		b.WriteString("| flag | environment variable | default | meaning |\n|---|---|---|---|\n")
	} else {
		b.WriteString("| flag | default | meaning |\n|---|---|---|\n")
	}
	flags.SortFlags = false
	flags.VisitAll(func(f *pflag.Flag) {
		if f.Hidden || f.Name == "help" {
			return
		}
		def := "`" + f.DefValue + "`"
		if f.DefValue == "" || f.DefValue == "[]" || f.DefValue == "0" && strings.Contains(f.Usage, "required") {
			def = "none"
		}
		fmt.Fprintf(&b, "| `--%s` |", f.Name)
		if env != nil {
			if v := env[f.Name]; v != "" {
				fmt.Fprintf(&b, " `%s` |", v)
			} else {
				b.WriteString(" |")
			}
		}
		fmt.Fprintf(&b, " %s | %s |\n", def, strings.ReplaceAll(envNote().ReplaceAllString(f.Usage, ""), "|", `\|`))
	})
	return b.String()
}
