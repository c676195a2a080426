package githubsim

import (
	"net/http"
	"net/url"
	"strings"
)

// router matches GitHub's path templates. Unlike http.ServeMux it accepts templates that
// overlap (issues/comments/{id} and issues/{number}/comments) and prefers the template
// with more literal segments, as GitHub's own routing does.
type router struct {
	routes []compiled
}

type compiled struct {
	method   string
	segments []string
	h        http.HandlerFunc
}

func (rt *router) handle(method, pattern string, h http.HandlerFunc) {
	rt.routes = append(rt.routes, compiled{method: method, segments: strings.Split(strings.Trim(pattern, "/"), "/"), h: h})
}

// match returns the best route for the request and the path values it binds.
func (rt *router) match(method, escapedPath string) (*compiled, map[string]string, bool) {
	parts := strings.Split(strings.Trim(escapedPath, "/"), "/")
	var best *compiled
	var bestVals map[string]string
	bestScore := -1
	pathMatched := false
	for i := range rt.routes {
		c := &rt.routes[i]
		vals, score, ok := c.bind(parts)
		if !ok {
			continue
		}
		pathMatched = true
		if c.method != method {
			continue
		}
		if score > bestScore {
			best, bestVals, bestScore = c, vals, score
		}
	}
	return best, bestVals, pathMatched
}

func (c *compiled) bind(parts []string) (map[string]string, int, bool) {
	vals := map[string]string{}
	score := 0
	for i, seg := range c.segments {
		if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "...}") {
			rest, err := url.PathUnescape(strings.Join(parts[min(i, len(parts)):], "/"))
			if err != nil {
				return nil, 0, false
			}
			vals[seg[1:len(seg)-4]] = rest
			return vals, score, true
		}
		if i >= len(parts) {
			return nil, 0, false
		}
		if strings.HasPrefix(seg, "{") {
			v, err := url.PathUnescape(parts[i])
			if err != nil || v == "" {
				return nil, 0, false
			}
			vals[seg[1:len(seg)-1]] = v
			continue
		}
		if seg != parts[i] {
			return nil, 0, false
		}
		score++
	}
	return vals, score, len(parts) == len(c.segments)
}

// ServeHTTP dispatches to the best-matching route, binding its path values.
func (rt *router) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	best, vals, pathMatched := rt.match(r.Method, r.URL.EscapedPath())
	if best == nil {
		if pathMatched {
			writeJSON(w, apiError(http.StatusNotFound, "Not Found"), nil)
			return
		}
		writeJSON(w, notFound(), nil)
		return
	}
	for k, v := range vals {
		r.SetPathValue(k, v)
	}
	best.h(w, r)
}
