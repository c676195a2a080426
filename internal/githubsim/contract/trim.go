package contract

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
)

// conflictingPaths are paths of the full description that route the same as
// a sibling ({attestation_id} against {subject_digest}); routers reject the
// full description while they are present, so the trim drops them first.
var conflictingPaths = []string{
	"/orgs/{org}/attestations/{attestation_id}",
	"/users/{username}/attestations/{attestation_id}",
}

// nameMaps are the keys whose object value is keyed by names (properties,
// status codes, media types, component names), not by OpenAPI keywords, so
// their keys are never stripped even when a name looks like a keyword.
var nameMaps = map[string]bool{
	"properties": true, "paths": true, "responses": true, "content": true,
	"headers": true, "encoding": true, "schemas": true, "parameters": true,
	"requestBodies": true, "securitySchemes": true, "links": true,
	"callbacks": true, "variables": true, "mapping": true,
}

// literals are keywords whose values are data, copied verbatim.
var literals = map[string]bool{"enum": true, "default": true, "required": true}

// Trim returns the part of the full description that ops use: their path
// items with only the listed methods, and every component they reference,
// directly or through other components, so the result loads on its own.
// Examples and vendor extensions other than x-multi-segment are stripped.
// The output is indented JSON with sorted keys, so it is stable.
func Trim(full []byte, ops []Operation) ([]byte, error) {
	var doc map[string]any
	dec := json.NewDecoder(bytes.NewReader(full))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("decode description: %w", err)
	}
	srcPaths, _ := doc["paths"].(map[string]any)
	if srcPaths == nil {
		return nil, errors.New("description has no paths")
	}
	for _, p := range conflictingPaths {
		delete(srcPaths, p)
	}
	paths, err := trimPaths(srcPaths, ops)
	if err != nil {
		return nil, err
	}
	components, err := referenced(paths, doc["components"])
	if err != nil {
		return nil, err
	}
	info, _ := doc["info"].(map[string]any)
	out := map[string]any{
		"openapi": doc["openapi"],
		"info": map[string]any{
			"title":   info["title"],
			"version": info["version"],
			"description": fmt.Sprintf("The operations the simulated GitHub serves, trimmed from npm %s (%s). "+
				"Regenerate with `make openapi`; do not edit by hand.", SpecPackage, SpecFile),
		},
		"servers":    doc["servers"],
		"paths":      paths,
		"components": components,
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		return nil, fmt.Errorf("encode trimmed description: %w", err)
	}
	return buf.Bytes(), nil
}

// trimPaths copies the listed operations out of the full paths object.
func trimPaths(src map[string]any, ops []Operation) (map[string]any, error) {
	out := map[string]any{}
	seen := map[string]bool{}
	for _, op := range ops {
		method := strings.ToLower(op.Method)
		key := method + " " + op.Path
		if seen[key] {
			return nil, fmt.Errorf("operation %s %s listed twice", op.Method, op.Path)
		}
		seen[key] = true
		item, _ := src[op.Path].(map[string]any)
		if item == nil {
			return nil, fmt.Errorf("operation %s %s: path not in description", op.Method, op.Path)
		}
		opObj, _ := item[method].(map[string]any)
		if opObj == nil {
			return nil, fmt.Errorf("operation %s %s: method not in description", op.Method, op.Path)
		}
		if id := opObj["operationId"]; id != op.ID {
			return nil, fmt.Errorf("operation %s %s: operationId is %v, list says %q", op.Method, op.Path, id, op.ID)
		}
		dst, _ := out[op.Path].(map[string]any)
		if dst == nil {
			dst = map[string]any{}
			if params, ok := item["parameters"]; ok {
				dst["parameters"] = strip(params, false)
			}
			out[op.Path] = dst
		}
		dst[method] = strip(opObj, false)
	}
	return out, nil
}

// strip copies v without examples and vendor extensions. named says that
// v's keys are names rather than keywords.
func strip(v any, named bool) any {
	switch v := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, val := range v {
			switch {
			case named:
				out[k] = strip(val, false)
			case k == "example" || k == "examples":
			case strings.HasPrefix(k, "x-") && k != "x-multi-segment":
			case literals[k]:
				out[k] = val
			default:
				out[k] = strip(val, nameMaps[k])
			}
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = strip(e, false)
		}
		return out
	default:
		return v
	}
}

// referenced collects, stripped, every component reachable from root.
func referenced(root any, components any) (map[string]any, error) {
	src, _ := components.(map[string]any)
	out := map[string]any{}
	queue := refs(root, nil)
	for len(queue) > 0 {
		ref := queue[0]
		queue = queue[1:]
		kind, name, err := splitRef(ref)
		if err != nil {
			return nil, err
		}
		dst, _ := out[kind].(map[string]any)
		if dst == nil {
			dst = map[string]any{}
			out[kind] = dst
		}
		if _, done := dst[name]; done {
			continue
		}
		group, _ := src[kind].(map[string]any)
		val, ok := group[name]
		if !ok {
			return nil, fmt.Errorf("reference %s: no such component", ref)
		}
		val = strip(val, false)
		dst[name] = val
		queue = refs(val, queue)
	}
	return out, nil
}

// refs appends every local reference found in v to acc, in a stable order.
func refs(v any, acc []string) []string {
	switch v := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if s, ok := v[k].(string); ok && k == "$ref" {
				acc = append(acc, s)
				continue
			}
			acc = refs(v[k], acc)
		}
	case []any:
		for _, e := range v {
			acc = refs(e, acc)
		}
	}
	return acc
}

// splitRef splits "#/components/<kind>/<name>" and unescapes the name.
func splitRef(ref string) (kind, name string, err error) {
	rest, ok := strings.CutPrefix(ref, "#/components/")
	if !ok {
		return "", "", fmt.Errorf("reference %s: only local component references are supported", ref)
	}
	kind, name, ok = strings.Cut(rest, "/")
	if !ok || strings.Contains(name, "/") {
		return "", "", fmt.Errorf("reference %s: want #/components/<kind>/<name>", ref)
	}
	name = strings.NewReplacer("~1", "/", "~0", "~").Replace(name)
	return kind, name, nil
}
