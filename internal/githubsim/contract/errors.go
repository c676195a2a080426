package contract

import (
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
)

// ErrNotInContract marks a request for an operation the contract does not
// list: the simulator must not serve what the list does not hold.
var ErrNotInContract = errors.New("operation not in contract")

// Part says which side of an exchange broke the contract.
type Part string

// The parts of an exchange an Error can point at.
const (
	PartRoute    Part = "route"
	PartRequest  Part = "request"
	PartResponse Part = "response"
)

// Error is one contract violation.
type Error struct {
	Method    string // request method
	URL       string // request path as received, escaped
	Operation string // GitHub's operationId, empty when no operation matched
	Part      Part
	Where     string // "body", "query parameter per_page", "header Location", "status 404"
	Pointer   string // JSON pointer into the body, such as "/head/sha"; empty for the whole value
	Reason    string
	Err       error // ErrNotInContract or the validator's own error, if any
}

// Error reads like
// `PATCH /repos/o/r/git/refs/heads/main (git/update-ref): request body /force: value must be a boolean`.
func (e *Error) Error() string {
	op := e.Operation
	if op == "" {
		op = "no operation"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s (%s): %s", e.Method, e.URL, op, e.Part)
	if e.Where != "" {
		b.WriteString(" " + e.Where)
	}
	if e.Pointer != "" {
		b.WriteString(" " + e.Pointer)
	}
	b.WriteString(": " + e.Reason)
	return b.String()
}

// Unwrap gives errors.Is access to ErrNotInContract.
func (e *Error) Unwrap() error { return e.Err }

// bodyError carries a schema error found outside kin-openapi's filter.
type bodyError struct {
	where string
	err   error
}

func (e *bodyError) Error() string { return e.where + ": " + e.err.Error() }

// convert flattens kin-openapi's nested errors into one *Error per
// violation, each with where it happened and a JSON pointer.
func convert(r *route, req *http.Request, part Part, err error) []error {
	var out []error
	add := func(where, pointer, reason string) {
		out = append(out, &Error{
			Method: req.Method, URL: req.URL.EscapedPath(), Operation: r.op.ID,
			Part: part, Where: where, Pointer: pointer, Reason: reason,
		})
	}
	var walk func(where string, err error)
	walk = func(where string, err error) {
		switch e := err.(type) {
		case openapi3.MultiError:
			for _, inner := range e {
				walk(where, inner)
			}
		case *openapi3filter.RequestError:
			w := requestWhere(e)
			if e.Err != nil && hasSchemaError(e.Err) {
				walk(w, e.Err)
				return
			}
			add(w, "", strings.TrimPrefix(e.Error(), prefixOf(e)))
		case *openapi3filter.ResponseError:
			w := responseWhere(e.Reason)
			if e.Err != nil && hasSchemaError(e.Err) {
				walk(w, e.Err)
				return
			}
			add(w, "", e.Error())
		case *openapi3.SchemaError:
			reason := schemaReason(e)
			if e.Schema != nil && e.SchemaField == "anyOf" {
				reason += alternatives(e.Schema.AnyOf, e.Value)
			}
			if e.Schema != nil && e.SchemaField == "allOf" {
				reason += alternatives(e.Schema.AllOf, e.Value)
			}
			add(where, pointer(e.JSONPointer()), reason)
		case *bodyError:
			walk(e.where, e.err)
		default:
			add(where, "", err.Error())
		}
	}
	walk("", err)
	return out
}

// sortErrors orders violations by part, place and reason, so a report
// reads the same on every run (kin-openapi visits properties in map order).
func sortErrors(errs []error) {
	order := map[Part]int{PartRoute: 0, PartRequest: 1, PartResponse: 2}
	key := func(err error) (int, string) {
		var e *Error
		if !errors.As(err, &e) {
			return 3, err.Error()
		}
		return order[e.Part], e.Where + "\x00" + e.Pointer + "\x00" + e.Reason
	}
	sort.SliceStable(errs, func(i, j int) bool {
		pi, ki := key(errs[i])
		pj, kj := key(errs[j])
		if pi != pj {
			return pi < pj
		}
		return ki < kj
	})
}

func hasSchemaError(err error) bool {
	switch err.(type) {
	case openapi3.MultiError, *openapi3.SchemaError:
		return true
	}
	return false
}

func requestWhere(e *openapi3filter.RequestError) string {
	switch {
	case e.Parameter != nil:
		return e.Parameter.In + " parameter " + e.Parameter.Name
	case e.RequestBody != nil:
		return "body"
	}
	return ""
}

// prefixOf is the "parameter ... has an error: " lead-in kin-openapi puts
// before the reason, which Where already says.
func prefixOf(e *openapi3filter.RequestError) string {
	switch {
	case e.Parameter != nil:
		return fmt.Sprintf("parameter %q in %s has an error: ", e.Parameter.Name, e.Parameter.In)
	case e.RequestBody != nil:
		return "request body has an error: "
	}
	return ""
}

// responseWhere reads the location out of a kin-openapi response reason.
func responseWhere(reason string) string {
	if _, rest, ok := strings.Cut(reason, `header "`); ok {
		name, _, _ := strings.Cut(rest, `"`)
		return "header " + name
	}
	if strings.Contains(reason, "Content-Type") {
		return "header Content-Type"
	}
	return "body"
}

func schemaReason(e *openapi3.SchemaError) string {
	switch {
	case e.Reason != "":
		return e.Reason
	case e.Origin != nil:
		return e.Origin.Error()
	}
	return fmt.Sprintf("doesn't match schema %q", e.SchemaField)
}

func pointer(path []string) string {
	if len(path) == 0 {
		return ""
	}
	esc := strings.NewReplacer("~", "~0", "/", "~1")
	parts := make([]string, len(path))
	for i, p := range path {
		parts[i] = esc.Replace(p)
	}
	return "/" + strings.Join(parts, "/")
}

// decodeJSON decodes a JSON body as kin-openapi decodes one.
func decodeJSON(header http.Header, body []byte) (any, error) {
	if ct := header.Get("Content-Type"); ct != "" {
		media, _, err := mime.ParseMediaType(ct)
		if err != nil || media != "application/json" && !strings.HasSuffix(media, "+json") {
			return nil, fmt.Errorf("content type %q is not JSON", ct)
		}
	}
	var value any
	if err := json.Unmarshal(body, &value); err != nil {
		return nil, fmt.Errorf("decode JSON body: %w", err)
	}
	return value, nil
}
