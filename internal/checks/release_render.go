package checks

import (
	"errors"
	"fmt"
	"io/fs"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing/fstest"

	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/stagehand-gitops/stagehand/internal/helmrelease"
	"github.com/stagehand-gitops/stagehand/internal/policy"
	"github.com/stagehand-gitops/stagehand/internal/source"
)

// fault is a render failure at a file and line of the repository.
type fault struct {
	file string
	line int
	msg  string
}

func (f *fault) Error() string                     { return f.msg }
func (f *fault) Location() (file string, line int) { return f.file, f.line }

// renderRelease renders each HelmRelease or Application of file whose
// chart is in the repository, with the values the controller would give
// it: its values files first, in order, then the object's own values,
// merged as Helm merges -f files. A chart from elsewhere is an error that
// is not located (not rendered); a failure is located, and one in the
// object's own values is placed at the object's chart line.
func renderRelease(charts Renderer, head fs.FS, src *policy.Source, file string) (string, error) {
	data, err := fs.ReadFile(head, file)
	if err != nil {
		return "", err
	}
	docs, err := source.Documents(file, data)
	if err != nil {
		return "", err
	}
	var said, elsewhere []string
	for _, c := range helmrelease.Charts(docs, src.Name) {
		obj := fmt.Sprintf("the %s `%s`", c.Kind, c.Name)
		switch {
		case c.Elsewhere != "":
			elsewhere = append(elsewhere, fmt.Sprintf("%s: %s, not in the repository, and Stagehand never fetches a chart", obj, c.Elsewhere))
			continue
		}
		if _, err := fs.Stat(head, c.Dir+"/Chart.yaml"); err != nil {
			elsewhere = append(elsewhere, fmt.Sprintf("%s: no chart at `%s` in the repository (no Chart.yaml)", obj, c.Dir))
			continue
		}
		if charts == nil {
			return "", fmt.Errorf("this build of Stagehand has no Helm renderer (the chart is `%s`)", c.Dir)
		}
		vals, err := releaseValues(head, file, c)
		if err != nil {
			return "", err
		}
		// The merged values are a file of their own beside the object's,
		// as helm template -f takes them; failures in it are the object's.
		merged := file + ".values.yaml"
		n, err := charts(plusFile{FS: head, name: merged, data: vals}, c.Dir, merged)
		var at located
		if errors.As(err, &at) {
			if f, _ := at.Location(); f == merged {
				return "", &fault{file: file, line: c.Line, msg: fmt.Sprintf("%s:%d: %s: %s", file, c.Line, obj, strings.ReplaceAll(err.Error(), merged, file))}
			}
		}
		if err != nil {
			return "", err
		}
		said = append(said, fmt.Sprintf("%s renders with the chart `%s` (%d manifests)", obj, c.Dir, n))
	}
	if len(elsewhere) > 0 || len(said) == 0 {
		if len(elsewhere) == 0 {
			elsewhere = []string{"no HelmRelease or Application with a chart"}
		}
		return "", errors.New(strings.Join(append(said, elsewhere...), "; "))
	}
	return "`" + file + "`: " + strings.Join(said, "; "), nil
}

// releaseValues merges the object's values files, then its own values.
func releaseValues(head fs.FS, file string, c helmrelease.Chart) ([]byte, error) {
	merged := map[string]any{}
	for _, vf := range c.ValuesFiles {
		data, err := fs.ReadFile(head, vf)
		if err != nil {
			return nil, &fault{file: file, line: c.Line, msg: fmt.Sprintf("%s:%d: the %s `%s` names the values file `%s`, which is not in the repository", file, c.Line, c.Kind, c.Name, vf)}
		}
		var m map[string]any
		if err := yaml.Unmarshal(data, &m); err != nil {
			line := yamlLine(err.Error())
			return nil, &fault{file: vf, line: line, msg: fmt.Sprintf("%s:%d: %v", vf, line, err)}
		}
		mergeValues(merged, m)
	}
	var own map[string]any
	switch {
	case c.Values != nil:
		if err := c.Values.Decode(&own); err != nil {
			return nil, &fault{file: file, line: c.Values.Line, msg: fmt.Sprintf("%s:%d: the values of the %s `%s` are not a mapping: %v", file, c.Values.Line, c.Kind, c.Name, err)}
		}
	case c.ValuesText != "":
		if err := yaml.Unmarshal([]byte(c.ValuesText), &own); err != nil {
			return nil, &fault{file: file, line: c.Line, msg: fmt.Sprintf("%s:%d: helm.values of the Application `%s` does not parse: %v", file, c.Line, c.Name, err)}
		}
	}
	mergeValues(merged, own)
	if err := setParams(merged, c.Params); err != nil {
		// Not the pull request's fault: the render cannot apply it.
		return nil, fmt.Errorf("the Application `%s`: helm.parameters: %v, which the render does not apply", c.Name, err)
	}
	return yaml.Marshal(merged)
}

// setParams applies an Application's helm.parameters over the values, as
// Argo CD passes them to helm: --set name=value, or --set-string with
// forceString. A name is keys joined by dots; one with a list index is
// not applied rather than guessed, and the chart is then not rendered.
func setParams(vals map[string]any, params *yaml.Node) error {
	if params == nil {
		return nil
	}
	for _, p := range params.Content {
		name, value := source.Text(p, "name"), source.Text(p, "value")
		if name == "" || strings.ContainsAny(name, "[]") {
			return fmt.Errorf("parameter %q: want a name of keys joined by dots", name)
		}
		keys := strings.Split(name, ".")
		m := vals
		for _, k := range keys[:len(keys)-1] {
			next, ok := m[k].(map[string]any)
			if !ok {
				next = map[string]any{}
				m[k] = next
			}
			m = next
		}
		m[keys[len(keys)-1]] = paramValue(value, source.Text(p, "forceString") == "true")
	}
	return nil
}

// paramValue types a --set value as helm does for the plain cases: true,
// false, null and integers; anything else, and every forced one, a string.
func paramValue(v string, force bool) any {
	if force {
		return v
	}
	switch v {
	case "true":
		return true
	case "false":
		return false
	case "null":
		return nil
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil && (v == "0" || !strings.HasPrefix(v, "0")) {
		return n
	}
	return v
}

// mergeValues merges src into dst as Helm merges values files: mappings
// key by key, anything else replaced.
func mergeValues(dst, src map[string]any) {
	for k, v := range src {
		if sm, ok := v.(map[string]any); ok {
			if dm, ok := dst[k].(map[string]any); ok {
				mergeValues(dm, sm)
				continue
			}
		}
		dst[k] = v
	}
}

var yamlLineRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`\bline (\d+)\b`) })

// yamlLine is the line a YAML or kustomize error message names, or 1.
func yamlLine(msg string) int {
	if m := yamlLineRE().FindStringSubmatch(msg); m != nil {
		if n, err := strconv.Atoi(m[1]); err == nil && n > 0 {
			return n
		}
	}
	return 1
}

// plusFile is a tree with one more file.
type plusFile struct {
	fs.FS
	name string
	data []byte
}

func (o plusFile) Open(name string) (fs.File, error) {
	if name == o.name {
		return fstest.MapFS{name: {Data: o.data, Mode: 0o644}}.Open(name)
	}
	return o.FS.Open(name)
}
