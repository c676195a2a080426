package argoimport

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"unicode"

	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/stagehand-gitops/stagehand/internal/policy"
	"github.com/stagehand-gitops/stagehand/internal/tags"
)

// ErrBaseHasApps means the existing policy has an apps: key; merging the
// imported apps into it is left to people.
var ErrBaseHasApps = errors.New("the existing policy already has apps:; import does not merge apps")

// Base is an existing policy the imported apps are appended to.
type Base struct {
	// Data is the file as it is; it is kept byte for byte.
	Data []byte
	// Policy is Data parsed.
	Policy *policy.Policy
}

const header = `# Imported from Argo CD Image Updater annotations by
# stagehand policy import --from argocd-image-updater.
# Annotations that could not be translated are listed in the import report.
# Check the result with: stagehand policy validate
`

// Render writes the translation as a .stagehand.yaml. Without base it is
// a complete policy of its own; with base, it is base unchanged followed
// by the imported apps. The output is parsed with policy.Parse before it
// is returned, so it is always a valid policy.
func Render(t *Translation, base *Base) ([]byte, error) {
	var b bytes.Buffer
	if base == nil {
		b.WriteString(header)
		writeTop(&b, t)
	} else {
		if err := appendTo(&b, base); err != nil {
			return nil, err
		}
	}
	writeApps(&b, t.Apps)
	out := b.Bytes()
	if _, err := policy.Parse(policy.FileName, out); err != nil {
		return nil, fmt.Errorf("the imported policy does not validate: %w", err)
	}
	return out, nil
}

func writeTop(b *bytes.Buffer, t *Translation) {
	b.WriteString("version: 1\n")
	if len(t.Layout.Overlays) == 1 {
		fmt.Fprintf(b, "overlays: %s\n", quote(t.Layout.Overlays[0]))
	} else {
		b.WriteString("overlays:\n")
		for _, o := range t.Layout.Overlays {
			fmt.Fprintf(b, "  - %s\n", quote(o))
		}
	}
	b.WriteString("\n# Only the apps Argo CD Image Updater updated are listed. With discover: true,\n" +
		"# Stagehand also tracks every other app it finds from the overlays.\ndiscover: false\n\n")
	if t.EnvsInferred {
		b.WriteString("# The environments are the overlay directories the Applications deploy,\n" +
			"# in an order guessed from their names. Check it: it is the promotion order.\n")
	}
	b.WriteString("environments:\n")
	for _, e := range t.Layout.Environments {
		fmt.Fprintf(b, "  - name: %s\n", quote(e.Name))
		if e.Dir != e.Name {
			fmt.Fprintf(b, "    dir: %s\n", quote(e.Dir))
		}
	}
	b.WriteString("\ndefaults:\n  strategy: semver          # Argo CD Image Updater's default strategy\n")
}

// appendTo writes base and, when listing apps would turn its default
// discovery off, discover: true.
func appendTo(b *bytes.Buffer, base *Base) error {
	keys, err := topKeys(base.Data)
	if err != nil {
		return err
	}
	if keys["apps"] {
		return ErrBaseHasApps
	}
	b.Write(base.Data)
	if len(base.Data) > 0 && base.Data[len(base.Data)-1] != '\n' {
		b.WriteByte('\n')
	}
	b.WriteString("\n" + header)
	if base.Policy.Discovery && !keys["discover"] {
		b.WriteString("# The policy listed no apps, so discovery was on by default; listing apps\n" +
			"# would turn it off, so it is kept on here.\ndiscover: true\n")
	}
	return nil
}

// topKeys returns the top-level keys of a policy file.
func topKeys(data []byte) (map[string]bool, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("read the existing policy: %w", err)
	}
	keys := map[string]bool{}
	if len(doc.Content) == 1 && doc.Content[0].Kind == yaml.MappingNode {
		m := doc.Content[0]
		for i := 0; i+1 < len(m.Content); i += 2 {
			keys[m.Content[i].Value] = true
		}
	}
	return keys, nil
}

func writeApps(b *bytes.Buffer, apps []App) {
	b.WriteString("\napps:\n")
	for i, a := range apps {
		if i > 0 {
			b.WriteString("\n")
		}
		fmt.Fprintf(b, "  %s:\n    images:\n", quote(a.Name))
		for _, img := range a.Images {
			for _, f := range img.From {
				fmt.Fprintf(b, "      # from %s\n", comment(f))
			}
			fmt.Fprintf(b, "      - name: %s\n", quote(img.Name))
			fmt.Fprintf(b, "        strategy: %s\n", img.Strategy)
			writeFilters(b, "        ", img.Constraint, img.AllowTags, img.IgnoreTags)
			if img.Strategy == tags.Digest {
				b.WriteString("        # digest: follows the tag each overlay runs and pins its digest\n")
			}
		}
		if len(a.Overrides) == 0 {
			continue
		}
		b.WriteString("    environments:\n")
		for _, o := range a.Overrides {
			fmt.Fprintf(b, "      %s:\n", quote(o.Env))
			for _, f := range o.From {
				fmt.Fprintf(b, "        # from %s\n", comment(f))
			}
			writeFilters(b, "        ", o.Constraint, o.AllowTags, o.IgnoreTags)
		}
	}
}

func writeFilters(b *bytes.Buffer, indent, constraint, allow string, ignore []string) {
	if constraint != "" {
		fmt.Fprintf(b, "%sconstraint: %s\n", indent, quoteAlways(constraint))
	}
	if allow != "" {
		fmt.Fprintf(b, "%sallowTags: %s\n", indent, quoteAlways(allow))
	}
	if len(ignore) > 0 {
		q := make([]string, len(ignore))
		for i, g := range ignore {
			q[i] = quoteAlways(g)
		}
		fmt.Fprintf(b, "%signoreTags: [%s]\n", indent, strings.Join(q, ", "))
	}
}

// plain matches strings YAML reads back as the same string when written
// without quotes: a letter first (no number), no indicator characters.
var plain = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z][A-Za-z0-9._/-]*$`) })

// quote writes s plain when YAML reads it back as the same string, and
// single-quoted otherwise.
func quote(s string) string {
	switch strings.ToLower(s) {
	case "true", "false", "yes", "no", "on", "off", "null", "y", "n":
		return quoteAlways(s)
	}
	if plain().MatchString(s) {
		return s
	}
	return quoteAlways(s)
}

// quoteAlways single-quotes s, the YAML style in which a backslash is
// just a backslash, as the policy docs recommend for regular expressions.
// A string with a line break or another unprintable character, which a
// single-quoted scalar cannot keep, is double-quoted with escapes instead
// (Go's escapes are a subset of YAML's for valid UTF-8).
func quoteAlways(s string) string {
	if strings.IndexFunc(s, func(r rune) bool { return !unicode.IsPrint(r) }) >= 0 {
		return strconv.Quote(s)
	}
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

// comment keeps a comment on one line of printable text, whatever the
// annotation held.
func comment(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsPrint(r) {
			return r
		}
		return ' '
	}, strings.ToValidUTF8(s, "?"))
	return strings.Join(strings.Fields(s), " ")
}
