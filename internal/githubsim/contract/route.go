package contract

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers"
)

// segment is one '/'-separated piece of a path template: a literal, or a
// parameter that takes one piece or, when multi, one or more ("heads/main").
type segment struct {
	literal string
	param   string
	multi   bool
}

// route is one operation ready to match request paths.
type route struct {
	op       Operation
	segs     []segment
	literals int
	kin      *routers.Route
}

// newRoute compiles op's template. Parameters GitHub marks x-multi-segment
// ({ref}, {path}, {basehead}, {branch}, ...) may span several pieces, since
// clients send "git/ref/heads/main" and "contents/dir/file.yaml" unescaped.
func newRoute(doc *openapi3.T, op Operation) (*route, error) {
	item := doc.Paths.Value(op.Path)
	if item == nil {
		return nil, fmt.Errorf("operation %s %s: path not in the embedded description; run make openapi", op.Method, op.Path)
	}
	operation := item.GetOperation(op.Method)
	if operation == nil {
		return nil, fmt.Errorf("operation %s %s: method not in the embedded description; run make openapi", op.Method, op.Path)
	}
	multi := map[string]bool{}
	for _, params := range []openapi3.Parameters{item.Parameters, operation.Parameters} {
		for _, p := range params {
			if p.Value != nil && p.Value.In == openapi3.ParameterInPath && p.Value.Extensions["x-multi-segment"] == true {
				multi[p.Value.Name] = true
			}
		}
	}
	r := &route{op: op, kin: &routers.Route{
		Spec: doc, Path: op.Path, PathItem: item, Method: op.Method, Operation: operation,
	}}
	for _, piece := range strings.Split(strings.TrimPrefix(op.Path, "/"), "/") {
		name, isParam := strings.CutPrefix(piece, "{")
		if !isParam {
			if strings.ContainsAny(piece, "{}") {
				return nil, fmt.Errorf("operation %s %s: a parameter must fill a whole path segment", op.Method, op.Path)
			}
			r.segs = append(r.segs, segment{literal: piece})
			r.literals++
			continue
		}
		name, ok := strings.CutSuffix(name, "}")
		if !ok || strings.ContainsAny(name, "{}") {
			return nil, fmt.Errorf("operation %s %s: a parameter must fill a whole path segment", op.Method, op.Path)
		}
		r.segs = append(r.segs, segment{param: name, multi: multi[name]})
	}
	return r, nil
}

// match reports whether pieces (already unescaped) fit the template, and
// the path parameters if so. A multi-segment parameter takes as many pieces
// as it can while the rest of the template still fits.
func (r *route) match(pieces []string) (map[string]string, bool) {
	params := map[string]string{}
	if !matchSegs(r.segs, pieces, params) {
		return nil, false
	}
	return params, true
}

func matchSegs(segs []segment, pieces []string, params map[string]string) bool {
	if len(segs) == 0 {
		return len(pieces) == 0
	}
	if len(pieces) == 0 {
		return false
	}
	s := segs[0]
	switch {
	case s.param == "":
		return pieces[0] == s.literal && matchSegs(segs[1:], pieces[1:], params)
	case !s.multi:
		if pieces[0] == "" {
			return false
		}
		params[s.param] = pieces[0]
		return matchSegs(segs[1:], pieces[1:], params)
	}
	for n := len(pieces) - (len(segs) - 1); n >= 1; n-- {
		value := strings.Join(pieces[:n], "/")
		// GitHub takes a trailing slash on a final multi-segment parameter
		// ("matching-refs/heads/stagehand/" lists that folder), nowhere else.
		trailing := len(segs) == 1 && strings.HasSuffix(value, "/")
		if value == "" || value == "/" || strings.HasPrefix(value, "/") || strings.Contains(value, "//") ||
			strings.HasSuffix(value, "/") && !trailing {
			continue
		}
		if matchSegs(segs[1:], pieces[n:], params) {
			params[s.param] = value
			return true
		}
	}
	return false
}

// splitPath turns an escaped URL path into unescaped pieces, so an escaped
// slash ("%2F" in a label name) stays inside its piece.
func splitPath(escaped string) ([]string, error) {
	raw := strings.Split(strings.TrimPrefix(escaped, "/"), "/")
	pieces := make([]string, len(raw))
	for i, p := range raw {
		u, err := url.PathUnescape(p)
		if err != nil {
			return nil, fmt.Errorf("path segment %q: %w", p, err)
		}
		pieces[i] = u
	}
	return pieces, nil
}

// find picks the operation for method and pieces. When several templates fit
// ("commits/{ref}" and "commits/{ref}/status"), the one with the most literal
// segments wins, as GitHub routes them. allowed lists the methods of fitting
// templates, to tell a wrong method from an unknown path.
func find(routes []*route, method string, pieces []string) (r *route, params map[string]string, allowed []string) {
	for _, cand := range routes {
		p, ok := cand.match(pieces)
		if !ok {
			continue
		}
		if cand.op.Method != method {
			allowed = append(allowed, cand.op.Method)
			continue
		}
		if r == nil || cand.literals > r.literals {
			r, params = cand, p
		}
	}
	return r, params, allowed
}
