package helmrelease

import (
	"fmt"
	"path"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/stagehand-gitops/stagehand/internal/source"
)

// Chart is where an object's chart comes from and the values it installs
// it with, for the check to render it as the controller would.
type Chart struct {
	// Kind and Name are the object's kind and metadata.name; Line is the
	// line of its chart field, where a failure that is the object's is
	// annotated.
	Kind, Name string
	Line       int
	// Dir is the chart's directory in the repository; "" when the chart
	// comes from elsewhere, and then Elsewhere says from where.
	Dir, Elsewhere string
	// ValuesFiles are repository paths of values files, merged first, in
	// order; Values is the object's own values, merged over them (nil
	// when it has none).
	ValuesFiles []string
	Values      *yaml.Node
	// ValuesText is an Application's helm.values, a string of YAML under
	// valuesObject; Params is its helm.parameters, set over all of them.
	ValuesText string
	Params     *yaml.Node
}

// Charts returns the chart of each HelmRelease and Application named name
// (every one when name is "") in docs. A Flux HelmRelease's chart is in
// the repository when spec.chart.spec.sourceRef is a GitRepository (taken
// to be this repository, the one Flux reads the HelmRelease from) and
// spec.chart.spec.chart is a path; an Application's when its source has a
// path and no chart. Values files are taken as the controllers take them:
// Flux's spec.chart.spec.valuesFiles from the source's root, Argo CD's
// helm.valueFiles from the chart's directory.
func Charts(docs []*yaml.Node, name string) []Chart {
	var out []Chart
	objects(docs, name, func(kind, objName string, spec *yaml.Node) {
		if kind == "HelmRelease" {
			out = append(out, fluxChart(objName, spec))
			return
		}
		if src := source.Get(spec, "source"); src != nil {
			out = append(out, argoChart(objName, src))
		}
		if srcs := source.Get(spec, "sources"); srcs != nil && srcs.Kind == yaml.SequenceNode {
			for _, s := range srcs.Content {
				if source.Get(s, "helm") != nil {
					out = append(out, argoChart(objName, s))
				}
			}
		}
	})
	return out
}

func fluxChart(name string, spec *yaml.Node) Chart {
	c := Chart{Kind: "HelmRelease", Name: name, Values: source.Get(spec, "values")}
	cs := source.Get(source.Get(spec, "chart"), "spec")
	c.Line = lineOf(source.Get(cs, "chart"), source.Get(spec, "chart"), source.Get(spec, "chartRef"), spec)
	if ref := source.Get(spec, "chartRef"); ref != nil {
		c.Elsewhere = fmt.Sprintf("spec.chartRef: the %s %s", source.Text(ref, "kind"), source.Text(ref, "name"))
		return c
	}
	ref := source.Get(cs, "sourceRef")
	chart := source.Text(cs, "chart")
	switch refKind := source.Text(ref, "kind"); {
	case cs == nil:
		c.Elsewhere = "no spec.chart.spec"
	case refKind != "GitRepository":
		c.Elsewhere = fmt.Sprintf("chart `%s` from the %s %s", chart, refKind, source.Text(ref, "name"))
	default:
		c.Dir = repoPath(chart)
		if c.Dir == "" {
			c.Elsewhere = fmt.Sprintf("chart `%s` is not a path in the repository", chart)
		}
		for _, f := range texts(source.Get(cs, "valuesFiles")) {
			c.ValuesFiles = append(c.ValuesFiles, repoPath(f))
		}
	}
	return c
}

func argoChart(name string, src *yaml.Node) Chart {
	helm := source.Get(src, "helm")
	c := Chart{Kind: "Application", Name: name, Line: lineOf(source.Get(src, "path"), source.Get(src, "chart"), src), Values: source.Get(helm, "valuesObject"),
		ValuesText: source.Text(helm, "values"), Params: source.Get(helm, "parameters")}
	if chart := source.Text(src, "chart"); chart != "" {
		c.Elsewhere = fmt.Sprintf("chart `%s` from %s", chart, source.Text(src, "repoURL"))
		return c
	}
	c.Dir = repoPath(source.Text(src, "path"))
	if c.Dir == "" {
		c.Elsewhere = "no source path in the repository"
		return c
	}
	for _, f := range texts(source.Get(helm, "valueFiles")) {
		c.ValuesFiles = append(c.ValuesFiles, path.Join(c.Dir, f))
	}
	return c
}

// repoPath is p as a path from the repository's root ("./apps/x" and
// "apps/x/" are apps/x), or "" when p leaves it or is no path.
func repoPath(p string) string {
	if p == "" || strings.HasPrefix(p, "/") {
		return ""
	}
	c := path.Clean(p)
	if c == ".." || strings.HasPrefix(c, "../") {
		return ""
	}
	return c
}

// texts is the strings of a sequence node.
func texts(n *yaml.Node) []string {
	if n == nil || n.Kind != yaml.SequenceNode {
		return nil
	}
	var out []string
	for _, v := range n.Content {
		if v.Kind == yaml.ScalarNode {
			out = append(out, v.Value)
		}
	}
	return out
}

// lineOf is the line of the first of nodes that is there: the field that
// names the chart, where a failure of the object's is annotated.
func lineOf(nodes ...*yaml.Node) int {
	for _, n := range nodes {
		if n != nil {
			return n.Line
		}
	}
	return 1
}
